"""The public site's week in the demo, carried out through the same services as the API
after the hall's week is replayed: every center's windows, citizens' appointments on the
last three working days with arrivals, no-shows and cancellations, bookings for the week
after, and pre-reviews passed, returned, handed over at the window or still waiting
(some past their one working day).

Each step runs at its own moment of the simulated week on the frozen clock, so its audit
records carry the time it happened (after the hall's replay in each chain's order).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from hub.appointments import services as appointments
from hub.appointments.models import Appointment
from hub.appointments.schemas import BookingSchema
from hub.approvals.forms import with_check_character, with_credit_check
from hub.catalog.models import ServiceItem
from hub.clock import SHANGHAI, FrozenClock
from hub.db import Database
from hub.demo.driver import Staff
from hub.demo.samples import pdf_bytes, png_bytes
from hub.directory.models import Center
from hub.errors import HubError
from hub.hall.schemas import WindowSchema
from hub.hall.services import replace_windows
from hub.materials.services import CheckedFile
from hub.permissions import Principal
from hub.prereviews import services as prereviews
from hub.prereviews.schemas import PreReviewDataSchema

ADMIN = Principal.system("cli:demo")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟")
# The district hall: three floors; street halls: two windows on the ground floor.
DISTRICT_WINDOWS = [
    ("A01", 1, "综合受理窗口", ["open-restaurant", "business-license-change"], 2),
    ("A02", 1, "商事登记窗口", ["business-license-change"], 4),
    ("A03", 1, "综合受理窗口", ["outdoor-advertising", "entertainment-venue"], 1),
    ("B01", 2, "市场监管窗口", ["open-restaurant"], 3),
    ("B02", 2, "文化旅游窗口", ["entertainment-venue"], 2),
    ("B03", 2, "卫生健康窗口", ["medical-clinic"], 2),
    ("C01", 3, "工程建设项目窗口", ["construction-permit"], 2),
    ("C02", 3, "城市管理窗口", ["outdoor-advertising"], 2),
]
STREET_WINDOWS = [
    ("01", 1, "综合受理窗口", ["open-restaurant", "business-license-change"], 1),
    ("02", 1, "便民服务窗口", ["outdoor-advertising"], 1),
    ("03", 1, "咨询导办台", [], 0),
]
RETURN_REASONS = ["经营场所平面布局图未标明操作间和就餐区", "营业执照扫描件不清晰，请重新扫描上传",
                  "从业人员健康证明缺少一人"]


@dataclasses.dataclass
class PublicWeek:
    """What the public site's week did, for the demo's report."""

    windows: int = 0
    appointments: Counter[str] = dataclasses.field(default_factory=Counter)
    prereviews: Counter[str] = dataclasses.field(default_factory=Counter)


def _person(rng: random.Random) -> dict[str, str]:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 40 * 365))
    first17 = f"210103{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return {"name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "id_number": with_check_character(first17),
            "phone": f"13{rng.randrange(0, 10)}{rng.randrange(0, 10 ** 8):08d}"}


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def set_up_windows(database: Database, centers: Sequence[Center]) -> int:
    """Every center's windows, as the administrator would enter them."""
    count = 0
    schema = WindowSchema(many=True)
    with database.session_scope() as session:
        for center in centers:
            rows = DISTRICT_WINDOWS if center.level == "district" else STREET_WINDOWS
            windows = schema.load([{"window": w, "floor": f, "name": n, "service_items": items,
                                    "capacity_per_slot": cap} for w, f, n, items, cap in rows])
            replace_windows(session, ADMIN, center.code, windows)
            count += len(windows)
    return count


def _book(database: Database, rng: random.Random, center: str, item: str, day: dt.date,
          slot: str) -> Any:
    body = BookingSchema().load({"center": center, "service_item": item, "date": day.isoformat(),
                                 "slot": slot, "applicant": _person(rng)})
    with database.session_scope() as session:
        try:
            return appointments.book(session, Principal.citizen(), body)
        except HubError:  # a full slot: a citizen would pick another one
            return None


def appointments_week(database: Database, clock: FrozenClock, rng: random.Random,
                      days: Sequence[dt.date], next_days: Sequence[dt.date], staff: Staff,
                      week: PublicWeek) -> None:
    """Bookings made on the week's first morning for its last three days, kept, missed or
    cancelled; on Friday afternoon, bookings for the week after."""
    plan = [("district", "business-license-change"), ("district", "open-restaurant"),
            ("district", "medical-clinic"), ("binhe", "open-restaurant"),
            ("daxi", "business-license-change"), ("huangcheng", "outdoor-advertising")]
    clock.set(_at(days[0], 7, 30))
    booked = []
    for day in days[-3:]:
        for center, item in plan:
            for slot in ("am", "pm"):
                for _ in range(rng.randint(1, 3)):
                    made = _book(database, rng, center, item, day, slot)
                    if made is not None:
                        booked.append(made)
    week.appointments["booked"] += len(booked)
    clock.set(_at(days[0], 20, 0))
    for made in booked[::9]:  # one in nine cancels that evening
        with database.session_scope() as session:
            appointments.cancel(session, Principal.citizen(), made.appointment.number, made.code)
        week.appointments["cancelled"] += 1
    cancelled = _cancelled(database)
    for day in days[-3:]:
        for slot, hour in (("am", 11), ("pm", 16)):
            clock.set(_at(day, hour, 45))
            for made in booked:
                a = made.appointment
                if a.day != day or a.slot != slot or a.number in cancelled:
                    continue
                outcome = "no_show" if rng.random() < 0.15 else "arrived"
                with database.session_scope() as session:
                    appointments.mark(session, staff.clerks[a.center_code], a.number, outcome)
                week.appointments[outcome] += 1
    clock.set(_at(days[-1], 16, 30))
    for day in next_days[:2]:
        for center, item in plan[:4]:
            if _book(database, rng, center, item, day, rng.choice(("am", "pm"))) is not None:
                week.appointments["upcoming"] += 1


def _cancelled(database: Database) -> set[str]:
    with database.session_scope() as session:
        return set(session.scalars(select(Appointment.number)
                                   .where(Appointment.status == "cancelled")))


def _materials(item: ServiceItem, rng: random.Random) -> list[CheckedFile]:
    files = []
    for index, material in enumerate((item.guide or {}).get("materials") or []):
        content = (pdf_bytes(f"{item.code} {material['name']} {rng.random()}") if index % 2 == 0
                   else png_bytes(24 + index, 16))
        kind, ending = ("application/pdf", ".pdf") if index % 2 == 0 else ("image/png", ".png")
        files.append(CheckedFile(filename=f"{material['name']}{ending}", content_type=kind,
                                 content=content, sha256=hashlib.sha256(content).hexdigest()))
    return files


FORMS = {
    "open-restaurant": {"shop_name": "老边饺子馆", "address": "沈河区中街路 120 号",
                        "area_m2": 86.5, "seats": 40, "cuisine": "热食类", "fume_purifier": True},
    "business-license-change": {"company": "沈阳盛京商贸有限公司",
                                "credit_code": with_credit_check("91210103MA0K8QJ5X"),
                                "change": "住所"},
}


def prereviews_week(database: Database, clock: FrozenClock, rng: random.Random,
                    days: Sequence[dt.date], staff: Staff, week: PublicWeek) -> None:
    """Pre-reviews sent through the week: passed and handed over at the window, passed
    and waiting for the citizen, returned with reasons, and some still waiting for the
    review (one past its working day)."""
    with database.session_scope() as session:
        items = {i.code: i for i in session.scalars(select(ServiceItem))}
    sent: list[tuple[Any, str]] = []
    for day_index, day in enumerate(days):
        for center in ("district", "binhe", "daxi"):
            for code in FORMS:
                clock.set(_at(day, 9 + day_index, rng.randrange(0, 50)))
                body = PreReviewDataSchema().load({"center": center, "service_item": code,
                                                   "applicant": _person(rng),
                                                   "form": FORMS[code]})
                with database.session_scope() as session:
                    made = prereviews.submit(session, Principal.citizen(), body,
                                             _materials(items[code], rng))
                sent.append((made.prereview, center))
                week.prereviews["submitted"] += 1
    for index, (prereview, center) in enumerate(sent):
        submitted_day = prereview.submitted_at.astimezone(SHANGHAI).date()
        later = [d for d in days if d > submitted_day]
        if not later or index % 7 == 6:
            continue  # still waiting (the week's last ones, and a few forgotten: red)
        clock.set(_at(later[0], 10, 15))
        decision = "return" if index % 4 == 1 else "pass"
        reasons = [RETURN_REASONS[index % len(RETURN_REASONS)]] if decision == "return" else []
        with database.session_scope() as session:
            prereviews.decide(session, staff.clerks[center], prereview.number, decision, reasons)
        week.prereviews["returned" if decision == "return" else "passed"] += 1
        if decision == "pass" and index % 3 == 0 and len(later) > 1:
            clock.set(_at(later[1], 9, 40))
            with database.session_scope() as session:
                prereviews.accept(session, staff.clerks[center], prereview.number)
            week.prereviews["accepted"] += 1


def simulate(database: Database, clock: FrozenClock, days: Sequence[dt.date],
             next_days: Sequence[dt.date], staff: Staff, *, seed: int) -> PublicWeek:
    """The public site's week (inside the app's context); leaves the clock where it was."""
    end = clock.now()
    rng = random.Random(seed)
    week = PublicWeek()
    with database.session_scope() as session:
        centers = list(session.scalars(select(Center).order_by(Center.position)))
    week.windows = set_up_windows(database, centers)
    appointments_week(database, clock, rng, days, next_days, staff, week)
    prereviews_week(database, clock, rng, days, staff, week)
    clock.set(end)
    return week


__all__ = ["PublicWeek", "simulate"]
