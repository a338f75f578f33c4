"""Test data factories (factory_boy) and ready-made callers with bearer tokens."""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import secrets
from typing import Any

import factory
from chinese_calendar import constants
from factory.alchemy import SQLAlchemyModelFactory
from flask import Flask

from hub import clock
from hub.approvals.calendar import WorkingCalendar
from hub.catalog.models import ServiceItem
from hub.demo.samples import pdf_bytes, png_bytes  # noqa: F401  (the tests' files too)
from hub.directory.auth import token_digest
from hub.directory.models import ApiToken, Department, User
from hub.directory.passwords import hash_password

PASSWORD = "correct horse battery"


@functools.cache
def password_hash(password: str = PASSWORD) -> str:
    # argon2 is slow on purpose; hash each test password once per process.
    return hash_password(password)


def _now() -> dt.datetime:
    return clock.now()


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "commit"


class DepartmentFactory(_Base):
    class Meta:
        model = Department
        sqlalchemy_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code} 局")
    created_at = factory.LazyFunction(_now)
    updated_at = factory.LazyFunction(_now)


class UserFactory(_Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: f"测试用户{o.username}")
    center_code = "district"
    department_code = None
    roles = factory.LazyFunction(lambda: ["clerk"])
    status = "active"
    source = "hub"
    password_hash = factory.LazyFunction(password_hash)
    created_at = factory.LazyFunction(_now)
    updated_at = factory.LazyFunction(_now)


def official_calendar(*years: int) -> WorkingCalendar:
    """The working calendar with ``years`` official, as the ``chinese-calendar`` package
    publishes them (what ``hub init`` loads)."""
    return WorkingCalendar(
        holidays=frozenset(d for d in constants.holidays if d.year in years),
        workdays=frozenset(d for d in constants.workdays if d.year in years),
        official_years=frozenset(years))


def service_item_definition(code: str = "open-restaurant", **overrides: Any) -> dict[str, Any]:
    """API.md's example item: market first, then food, fire and environment at once."""
    definition = {
        "code": code, "name": "开办餐饮店", "promised_days": 10,
        "form": [{"name": "shop_name", "label": "店铺名称", "type": "string", "required": True,
                  "departments": ["market", "fire"]}],
        "stages": [
            {"mode": "all", "tasks": [{"department": "market", "days": 3}]},
            {"mode": "all", "tasks": [{"department": "food", "days": 5},
                                      {"department": "fire", "days": 5},
                                      {"department": "environment", "days": 5}]},
        ],
    }
    definition.update(overrides)
    return definition


def guide_definition(**overrides: Any) -> dict[str, Any]:
    """A complete guide (办事指南) for the example item."""
    guide = {"legal_days": 20, "fee": "不收费",
             "basis": "《中华人民共和国食品安全法》第三十五条",
             "materials": [{"name": "营业执照", "copies": 1, "original": True, "note": ""},
                           {"name": "经营场所平面布局图", "copies": 2, "original": False,
                            "note": "标明操作间位置"}]}
    guide.update(overrides)
    return guide


def window_definition(window: str = "A01", **overrides: Any) -> dict[str, Any]:
    definition = {"window": window, "floor": 1, "name": "市场监管综合窗口",
                  "service_items": ["open-restaurant"], "capacity_per_slot": 2}
    definition.update(overrides)
    return definition


# -- Files a citizen uploads (PDF and PNG from hub.demo.samples) ------------------------------

# A one-pixel JPEG (JFIF).
JPEG_BYTES = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////"
    "////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQAB"
    "PxA=")
# What a renamed program looks like inside: an ELF header (Linux) and a PE one (Windows).
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 300
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 300


class ServiceItemFactory(_Base):
    class Meta:
        model = ServiceItem
        sqlalchemy_get_or_create = ("code",)

    code = "open-restaurant"
    name = "开办餐饮店"
    promised_days = 10
    form = factory.LazyFunction(lambda: service_item_definition()["form"])
    stages = factory.LazyFunction(lambda: service_item_definition()["stages"])
    yellow_days = 1
    guide = None
    version = 1
    published_at = factory.LazyFunction(_now)
    created_at = factory.LazyFunction(_now)
    updated_at = factory.LazyFunction(_now)


@dataclasses.dataclass
class Person:
    user: User
    token: str

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class People:
    """Makes staff accounts in the app's database, each with a bearer token."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        from tests.conftest import autocommit_session

        self._session = autocommit_session(app)
        for model_factory in (DepartmentFactory, UserFactory, ServiceItemFactory):
            model_factory._meta.sqlalchemy_session = self._session

    def close(self) -> None:
        self._session.close()

    def department(self, code: str, name: str | None = None) -> Department:
        return DepartmentFactory(code=code, name=name or f"{code} 局")

    def departments(self, *codes: str) -> list[Department]:
        return [self.department(code) for code in codes]

    def service_item(self, **kwargs: Any) -> ServiceItem:
        definition = service_item_definition(**kwargs)
        for stage in definition["stages"]:
            for task in stage["tasks"]:
                self.department(task["department"])
        return ServiceItemFactory(**{k: definition[k] for k in
                                     ("code", "name", "promised_days", "form", "stages")})

    def guide(self, code: str = "open-restaurant", **overrides: Any) -> ServiceItem:
        """Give an item its guide, as the administrator would."""
        from hub.catalog.services import set_guide
        from hub.permissions import Principal

        return set_guide(self._session, Principal.system("test"), code,
                         guide_definition(**overrides))

    def windows(self, center: str, *windows: dict[str, Any]) -> None:
        """Replace a center's windows, as the administrator would."""
        from hub.hall.services import replace_windows
        from hub.permissions import Principal

        replace_windows(self._session, Principal.system("test"), center,
                        list(windows) or [window_definition()])

    def make(self, role: str = "clerk", *, username: str | None = None, center: str = "district",
             department: str | None = None, roles: list[str] | None = None,
             status: str = "active") -> Person:
        if department:
            self.department(department)
        kwargs: dict[str, Any] = {"center_code": center, "department_code": department,
                                  "roles": roles or [role], "status": status}
        if username:
            kwargs["username"] = username
        user = UserFactory(**kwargs)
        return Person(user=user, token=self.token_for(user))

    def token_for(self, user: User, ttl: dt.timedelta = dt.timedelta(hours=8)) -> str:
        token = secrets.token_urlsafe(24)
        now = clock.now()
        self._session.add(ApiToken(token_hash=token_digest(token), user_id=user.id,
                                   generation=user.token_generation, issued_at=now,
                                   expires_at=now + ttl))
        self._session.commit()
        return token

    # Shorthands for the usual cast.
    def admin(self, **kw: Any) -> Person:
        return self.make("admin", **kw)

    def supervisor(self, **kw: Any) -> Person:
        return self.make("supervisor", **kw)

    def clerk(self, center: str = "binhe", **kw: Any) -> Person:
        return self.make("clerk", center=center, **kw)

    def approver(self, department: str, **kw: Any) -> Person:
        return self.make("approver", department=department, **kw)

    def chief(self, department: str, **kw: Any) -> Person:
        return self.make("chief", department=department, roles=["chief", "approver"], **kw)
