"""The directory's services: the centers file, departments and staff accounts."""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import marshmallow as ma
from flask import current_app
from marshmallow import validate
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.approvals import staffing
from hub.directory.auth import token_digest
from hub.directory.models import HUB_SOURCE, ApiToken, Center, Department, User
from hub.directory.password_policy import DEMO_PASSWORD, problems
from hub.directory.passwords import hash_password, verify_password
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.permissions import Principal, Scope, require

# -- The centers file -------------------------------------------------------


class _CenterEntrySchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_-]{0,31}$"))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    level = ma.fields.String(required=True, validate=validate.OneOf(["district", "street"]))
    parent = ma.fields.String(load_default=None)
    adapter = ma.fields.Dict(load_default=None)
    # What the public site shows of the center.
    address = ma.fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    phone = ma.fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    hours = ma.fields.String(load_default=None, validate=validate.Length(min=1, max=200))


class _CentersFileSchema(ma.Schema):
    centers = ma.fields.List(ma.fields.Nested(_CenterEntrySchema), required=True,
                             validate=validate.Length(min=1))

    @ma.validates_schema
    def _references(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        codes = [c["code"] for c in data["centers"]]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ma.ValidationError(f"duplicate center codes: {', '.join(duplicates)}", "centers")
        for entry in data["centers"]:
            if entry["parent"] and entry["parent"] not in codes:
                raise ma.ValidationError(
                    f"center {entry['code']}: parent {entry['parent']!r} is not in the file", "centers")
            if entry["level"] == "street" and not entry["parent"]:
                raise ma.ValidationError(f"street center {entry['code']} needs a parent", "centers")


def read_centers_file(path: str | Path) -> list[dict[str, Any]]:
    """Parse and check a centers file (TOML); raise ``ValueError`` naming what is wrong."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read centers file {path}: {exc}") from exc
    try:
        return _CentersFileSchema().load(raw, unknown=ma.EXCLUDE)["centers"]
    except ma.ValidationError as exc:
        raise ValueError(f"centers file {path} is invalid: {exc.messages}") from exc


def load_centers(session: Session, path: str | Path, actor: Principal) -> dict[str, int]:
    """Create or update the centers named in the file; safe to run again (unchanged
    centers are not touched). Centers missing from the file are kept: cases refer to them."""
    entries = read_centers_file(path)
    now = clock.now()
    existing = {c.code: c for c in session.scalars(select(Center))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    # Parents first, so the foreign key holds on every backend.
    for position, entry in sorted(enumerate(entries), key=lambda pe: pe[1]["parent"] is not None):
        values = {"name": entry["name"], "level": entry["level"], "parent_code": entry["parent"],
                  "adapter": entry["adapter"], "position": position,
                  "address": entry["address"], "phone": entry["phone"], "hours": entry["hours"]}
        center = existing.get(entry["code"])
        if center is None:
            session.add(Center(code=entry["code"], created_at=now, updated_at=now, **values))
            session.flush()
            audit.record(session, actor, "center.created", target_type="center",
                         target_id=entry["code"], center=entry["code"], after=values)
            counts["created"] += 1
            continue
        current = {k: getattr(center, k) for k in values}
        if current == values:
            counts["unchanged"] += 1
            continue
        before, after = audit.changes(current, values)
        for key, value in values.items():
            setattr(center, key, value)
        center.updated_at = now
        audit.record(session, actor, "center.updated", target_type="center",
                     target_id=center.code, center=center.code, before=before, after=after)
        counts["updated"] += 1
    session.commit()
    return counts


def list_centers() -> Select[tuple[Center]]:
    return select(Center)


# -- Departments -------------------------------------------------------------


def list_departments() -> Select[tuple[Department]]:
    return select(Department)


def create_department(session: Session, actor: Principal, code: str, name: str) -> Department:
    require(actor, "departments.write")
    if session.get(Department, code) is not None:
        raise Conflict(f"部门代码 {code} 已存在")
    now = clock.now()
    department = Department(code=code, name=name, created_at=now, updated_at=now)
    session.add(department)
    audit.record(session, actor, "department.created", target_type="department",
                 target_id=code, after={"code": code, "name": name})
    session.commit()
    return department


def update_department(session: Session, actor: Principal, code: str,
                      changes: Mapping[str, Any]) -> Department:
    """Rename, deactivate (停用: no new steps; those it has go on) or reactivate a
    department, audited."""
    require(actor, "departments.write")
    department = session.get(Department, code)
    if department is None:
        raise NotFound(f"部门 {code} 不存在")
    before, after = audit.changes({"name": department.name, "active": department.active},
                                  {"name": changes.get("name", department.name),
                                   "active": changes.get("active", department.active)})
    if after:
        department.name = changes.get("name", department.name)
        department.active = changes.get("active", department.active)
        department.updated_at = clock.now()
        action = ("department.deactivated" if after.get("active") is False else
                  "department.activated" if after.get("active") is True else
                  "department.updated")
        audit.record(session, actor, action, target_type="department", target_id=code,
                     before=before, after=after)
        session.commit()
    return department


# -- Staff ----------------------------------------------------------------------

_USER_FIELDS = ("display_name", "center_code", "department_code", "roles", "status")


def _user_snapshot(user: User) -> dict[str, Any]:
    return {k: getattr(user, k) for k in _USER_FIELDS}


def password_problems(password: str, username: str, display_name: str,
                      field: str = "password") -> dict[str, list[str]]:
    """The password policy's refusals of ``password`` for this account, by field."""
    found = problems(password, min_length=current_app.config["HUB_SETTINGS"].password_min_length,
                     username=username, display_name=display_name, forbidden=(DEMO_PASSWORD,))
    return {field: found} if found else {}


def _check_references(session: Session, values: Mapping[str, Any],
                      errors: dict[str, list[str]] | None = None) -> None:
    """Raise the account's refusals: ``errors`` found before, and its references."""
    errors = dict(errors or {})
    center = values.get("center_code")
    if center is not None and session.get(Center, center) is None:
        errors["center"] = [f"未知的中心：{center}"]
    department = values.get("department_code")
    if department is not None and session.get(Department, department) is None:
        errors["department"] = [f"未知的部门：{department}"]
    roles = set(values.get("roles") or ())
    if roles & {"approver", "chief"} and not department:
        errors.setdefault("department", []).append("审批人和首席代表必须属于一个部门")
    if errors:
        raise ValidationFailed(errors)


def get_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"用户 {username} 不存在")
    return user


def users_query(center: str | None = None, department: str | None = None,
                status: str | None = None) -> Select[tuple[User]]:
    stmt = select(User)
    if center:
        stmt = stmt.where(User.center_code == center)
    if department:
        stmt = stmt.where(User.department_code == department)
    if status:
        stmt = stmt.where(User.status == status)
    return stmt


def create_user(session: Session, actor: Principal, values: Mapping[str, Any]) -> User:
    """A staff account in the one directory; the password (if any) stored as argon2id."""
    require(actor, "users.write", Scope(center=values.get("center_code")))
    username = values["username"]
    if session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(f"用户名 {username} 已存在")
    password = values.get("password")
    _check_references(session, values, password_problems(
        password, username, values["display_name"]) if password is not None else None)
    now = clock.now()
    user = User(
        username=username, display_name=values["display_name"],
        center_code=values["center_code"], department_code=values.get("department_code"),
        roles=sorted(set(values["roles"])), status=values.get("status", "active"),
        source=HUB_SOURCE, password_hash=hash_password(password) if password else None,
        # An initial password is someone else's choice: the first sign-in changes it.
        must_change_password=bool(password), created_at=now, updated_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", target_type="user", target_id=username,
                 center=user.center_code, after=_user_snapshot(user))
    session.commit()
    return user


def update_user(session: Session, actor: Principal, username: str,
                values: Mapping[str, Any]) -> User:
    """Change a staff account. Leaving, or a new password, ends every token at once; an
    approver who stops deciding for their department (leaves, moves, loses the role)
    hands their assigned tasks back to the department's pool (``staffing``)."""
    user = get_user(session, username)
    require(actor, "users.write", Scope(center=user.center_code))
    merged = {**_user_snapshot(user), **{k: v for k, v in values.items() if k != "password"}}
    password = values.get("password")
    _check_references(session, merged, password_problems(
        password, username, merged["display_name"]) if password is not None else None)
    leaving = staffing.departure(session, user, values)
    before = _user_snapshot(user)
    for key in _USER_FIELDS:
        if key in values:
            setattr(user, key, sorted(set(values[key])) if key == "roles" else values[key])
    after = _user_snapshot(user)
    password_changed = bool(password)
    if password_changed:
        user.password_hash = hash_password(values["password"])
        # Set by an administrator for someone else: that person changes it at sign-in.
        user.must_change_password = actor.user_id != user.id
    if password_changed or (before["status"] == "active" and user.status != "active"):
        user.token_generation += 1
    before, after = audit.changes(before, after)
    if not before and not after and not password_changed:
        return user
    if password_changed:
        after["password"] = "changed"
        after["must_change_password"] = user.must_change_password
    user.updated_at = clock.now()
    if leaving is not None:
        after["tasks_released"] = staffing.release_tasks(
            session, actor, username, f"{username} 不再担任本部门审批（账号变更）")
    audit.record(session, actor, "user.updated", target_type="user", target_id=username,
                 center=user.center_code, before=before, after=after)
    session.commit()
    return user


def change_own_password(session: Session, actor: Principal, current: str, new: str,
                        token: str | None = None) -> User:
    """A member of staff changes their own password: the current one proves it is them,
    the new one must pass the policy and differ. Every other token and page session of
    theirs ends; ``token`` (the one this change came with) goes on. Audited, without
    either password."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound("账号不存在")
    if not verify_password(user.password_hash, current):
        raise ValidationFailed({"current_password": ["当前密码不正确"]})
    errors = password_problems(new, user.username, user.display_name, "new_password")
    if not errors and verify_password(user.password_hash, new):
        errors = {"new_password": ["新密码不能与当前密码相同"]}
    if errors:
        raise ValidationFailed(errors)
    forced = user.must_change_password
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.token_generation += 1
    user.updated_at = clock.now()
    if token:
        session.execute(update(ApiToken).where(ApiToken.token_hash == token_digest(token))
                        .values(generation=user.token_generation))
    audit.record(session, actor, "user.password_changed", target_type="user",
                 target_id=user.username, center=user.center_code,
                 after={"password": "changed", "was_required": forced})
    session.commit()
    return user
