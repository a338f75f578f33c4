"""Booking, cancelling and keeping appointments.

Places are counted per center, item, day and half-day in ``appointment_slots``; a
booking takes one with ONE statement (insert the count at 1, or raise it by one only
while it is under the capacity) whose row lock orders concurrent bookings, so however
many citizens take the last place at once, exactly the capacity is booked. The count
and the appointment commit together; a cancellation gives the place back the same way.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, load_only

from hub import audit, clock, idempotency, privacy
from hub.appointments import slots as rules
from hub.appointments.models import (
    ARRIVED,
    BOOKED,
    CANCELLED,
    NO_SHOW,
    Appointment,
    AppointmentSlot,
)
from hub.approvals.calendar import local_date
from hub.approvals.calendar_services import load_calendar
from hub.approvals.numbers import next_value
from hub.catalog.models import ServiceItem
from hub.catalog.publication import not_offered
from hub.db import upsert
from hub.directory.models import Center
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.hall.models import HallWindow
from hub.hall.services import places as hall_places
from hub.permissions import Principal, Scope, allowed, require
from hub.receipts import receipt_codes

SCOPE = "appointment"  # idempotency keys' scope
LAPSE_ACTOR = Principal.system("appointments:lapse")
# The refusal of a second live appointment states the rule and nothing of the booking
# it met (no date, center or number): a stranger typing someone's ID number learns no
# more than the rule, and the holder knows where to look.
ONE_LIVE = ("同一证件号码同一事项只能保留一个有效预约。如需改约，请凭原预约号和查询码先取消，"
            "再重新预约。")
FULL = "该时段已约满，请选择其他时段"
NOT_FOUND = "未找到该预约，或查询码不正确"


def _refused(exc: rules.SlotRefused) -> ValidationFailed:
    return ValidationFailed({exc.field: [exc.message]})


def _item_and_capacity(session: Session, center: str, item: str) -> int:
    """The item's places per slot at the center, refused if either is unknown or the item
    takes no appointment there. One statement: the center, the item and the center's
    windows (a few rows; the item's large columns left unread)."""
    rows = session.execute(
        select(ServiceItem, HallWindow.capacity_per_slot, HallWindow.service_items)
        .select_from(Center)
        .outerjoin(ServiceItem, ServiceItem.code == item)
        .outerjoin(HallWindow, HallWindow.center_code == Center.code)
        .where(Center.code == center)
        .options(load_only(ServiceItem.published_at, ServiceItem.active, ServiceItem.centers))
    ).all()
    if not rows:
        raise ValidationFailed({"center": [f"未知的中心：{center}"]})
    found = rows[0][0]
    if found is None:
        raise ValidationFailed({"service_item": [f"未知的办事事项：{item}"]})
    refusal = not_offered(found, center)  # a stopped item takes no appointment either
    if refusal:
        raise ValidationFailed({"service_item": [refusal]})
    places = hall_places(((per_slot, items) for _, per_slot, items in rows if per_slot), item)
    if places < 1:
        raise ValidationFailed({"service_item": ["该中心此事项暂不接受网上预约"]})
    return places


def day_slots(session: Session, center: str, item: str, day: dt.date) -> list[dict[str, Any]]:
    """The half-day slots of a working day with their capacity and free places; slots
    already begun are left out."""
    places = _item_and_capacity(session, center, item)
    cal = load_calendar(session)
    now = clock.now()
    try:
        rules.check_day(cal, now, day)
    except rules.SlotRefused as exc:
        raise _refused(exc) from None
    taken = dict(session.execute(
        select(AppointmentSlot.slot, AppointmentSlot.taken).where(
            AppointmentSlot.center_code == center, AppointmentSlot.service_item_code == item,
            AppointmentSlot.day == day)).all())
    return [{"date": day, "slot": s, "capacity": places,
             "free": max(0, places - taken.get(s, 0)), "provisional": cal.is_provisional(day)}
            for s in rules.open_slots(now, day)]


def _take_place(session: Session, center: str, item: str, day: dt.date, slot: str,
                places: int) -> bool:
    """One place of the slot, if one is free: a single upsert, the row locked by it."""
    stmt = upsert(session, AppointmentSlot).values(
        center_code=center, service_item_code=item, day=day, slot=slot, taken=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["center_code", "service_item_code", "day", "slot"],
        set_={"taken": AppointmentSlot.taken + 1}, where=AppointmentSlot.taken < places)
    return session.execute(stmt.returning(AppointmentSlot.taken)).scalar_one_or_none() is not None


def _give_back(session: Session, appointment: Appointment) -> None:
    session.execute(update(AppointmentSlot).where(
        AppointmentSlot.center_code == appointment.center_code,
        AppointmentSlot.service_item_code == appointment.service_item_code,
        AppointmentSlot.day == appointment.day, AppointmentSlot.slot == appointment.slot,
        AppointmentSlot.taken > 0).values(taken=AppointmentSlot.taken - 1))


def _number(session: Session, center: str, now: dt.datetime) -> str:
    """``YY-BINHE-20261130-0001``: 预约, the center, the day it was booked, the sequence."""
    day = local_date(now).strftime("%Y%m%d")
    return f"YY-{center.upper()}-{day}-{next_value(session, f'appointment:{center}:{day}'):04d}"


def summary(appointment: Appointment) -> dict[str, Any]:
    """What the audit trail keeps of an appointment (personal data masked)."""
    return {"number": appointment.number, "center": appointment.center_code,
            "service_item": appointment.service_item_code, "date": appointment.day,
            "slot": appointment.slot, "status": appointment.status,
            "applicant": {"name": privacy.mask_name(appointment.applicant_name),
                          "id_number": appointment.applicant_id_masked,
                          "phone": appointment.applicant_phone_masked}}


def _live(session: Session, id_hash: str, item: str, today: dt.date) -> list[Appointment]:
    """The person's live (booked, not past) appointments for the item. Those booked whose
    day has passed were not kept: noted as no-shows (audited), so they are not the live
    one. One statement reads (and locks) both kinds."""
    booked = session.scalars(select(Appointment).where(
        Appointment.applicant_id_hash == id_hash, Appointment.service_item_code == item,
        Appointment.status == BOOKED).with_for_update()).all()
    now = clock.now()
    for appointment in (a for a in booked if a.day < today):
        appointment.status, appointment.marked_at = NO_SHOW, now
        appointment.marked_by, appointment.updated_at = LAPSE_ACTOR.username, now
        appointment.version += 1
        audit.record(session, LAPSE_ACTOR, "appointment.no_show", target_type="appointment",
                     target_id=appointment.number, center=appointment.center_code,
                     before={"status": BOOKED}, after={"status": NO_SHOW, "lapsed": True})
    return [a for a in booked if a.day >= today]


@dataclasses.dataclass(frozen=True)
class Booked:
    appointment: Appointment
    code: str
    replayed: bool = False


def _replayed(session: Session, actor: Principal, center: str, key: str | None,
              fingerprint: str) -> Booked | None:
    """The appointment an earlier request with this key made, with a new receipt code:
    only the first code's hash was kept, so the replay's code replaces it (as a case's
    does), audited."""
    if not key:
        return None
    record = idempotency.earlier(session, SCOPE, center, key, fingerprint)
    if record is None or not record.result:
        return None
    appointment = session.get(Appointment, uuid.UUID(record.result["appointment_id"]))
    if appointment is None:
        return None
    code, appointment.code_hash = receipt_codes().issue(appointment.number)
    audit.record(session, actor, "appointment.code_reissued", target_type="appointment",
                 target_id=appointment.number, center=appointment.center_code,
                 after={"reason": "idempotent replay"})
    session.commit()
    return Booked(appointment, code, replayed=True)


def book(session: Session, actor: Principal, body: Mapping[str, Any], *,
         idempotency_key: str | None = None) -> Booked:
    """Book a half-day slot for a citizen: a working day, from now to the horizon, a free
    place, one live appointment per ID number and item. Returns the appointment and its
    receipt code (shown once; a replay of the same ``Idempotency-Key`` gets a new one)."""
    center, item, day, slot = body["center"], body["service_item"], body["date"], body["slot"]
    fingerprint = idempotency.request_hash(body)
    replay = _replayed(session, actor, center, idempotency_key, fingerprint)
    if replay is not None:
        return replay
    places = _item_and_capacity(session, center, item)
    now = clock.now()
    try:
        rules.check_slot(load_calendar(session), now, day, slot)
    except rules.SlotRefused as exc:
        raise _refused(exc) from None
    applicant = body["applicant"]
    columns = privacy.applicant_columns(applicant["id_number"], applicant["phone"])
    try:
        booked = _book(session, actor, body, columns, places, now, idempotency_key, fingerprint)
    except IntegrityError:
        # A race on the same key or the same person: the other booking committed first.
        session.rollback()
        replay = _replayed(session, actor, center, idempotency_key, fingerprint)
        if replay is not None:
            return replay
        raise Conflict(ONE_LIVE) from None
    return booked


def _book(session: Session, actor: Principal, body: Mapping[str, Any], columns: dict[str, str],
          places: int, now: dt.datetime, key: str | None, fingerprint: str) -> Booked:
    center, item, day, slot = body["center"], body["service_item"], body["date"], body["slot"]
    if _live(session, columns["applicant_id_hash"], item, local_date(now)):
        raise Conflict(ONE_LIVE)
    if not _take_place(session, center, item, day, slot, places):
        raise Conflict(FULL)
    number = _number(session, center, now)
    code, code_hash = receipt_codes().issue(number)
    appointment = Appointment(
        id=uuid.uuid4(), number=number, code_hash=code_hash, center_code=center,
        service_item_code=item, day=day, slot=slot, status=BOOKED,
        applicant_name=body["applicant"]["name"].strip(), booked_at=now, updated_at=now,
        version=1, **columns)
    session.add(appointment)
    if key:
        idempotency.remember(session, SCOPE, center, key, fingerprint,
                             result={"appointment_id": str(appointment.id)})
    session.flush()  # the live-appointment index and the key's constraint decide here
    audit.record(session, actor, "appointment.booked", target_type="appointment",
                 target_id=number, center=center, after=summary(appointment))
    session.commit()
    return Booked(appointment, code)


def _by_number(session: Session, number: str, *, lock: bool = False) -> Appointment | None:
    stmt = select(Appointment).where(Appointment.number == number.strip().upper())
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).one_or_none()


def cancel(session: Session, actor: Principal, number: str, code: str) -> Appointment:
    """The holder of the receipt code cancels a booked appointment before its half-day
    begins; the place is free again at once. A wrong code is answered as an unknown number."""
    appointment = _by_number(session, number, lock=True)
    stored = appointment.code_hash if appointment is not None else None
    if not receipt_codes().matches(stored, number.strip().upper(), code) or appointment is None:
        raise NotFound(NOT_FOUND)
    if appointment.status != BOOKED:
        raise Conflict("该预约已取消或已办理，不能再取消")
    if clock.now() >= rules.SlotTime(appointment.day, appointment.slot).starts_at:
        raise Conflict("预约时段已经开始，不能在网上取消")
    now = clock.now()
    appointment.status, appointment.cancelled_at, appointment.updated_at = CANCELLED, now, now
    appointment.version += 1
    _give_back(session, appointment)
    audit.record(session, actor, "appointment.cancelled", target_type="appointment",
                 target_id=appointment.number, center=appointment.center_code,
                 before={"status": BOOKED}, after={"status": CANCELLED})
    session.commit()
    return appointment


def day_query(actor: Principal, center: str | None, day: dt.date | None,
              status: str | None = None) -> Any:
    """A center's appointments of a day (the clerk's list), by half-day then booking."""
    center = center or actor.center
    require(actor, "appointment.manage", Scope(center=center))
    day = day or local_date(clock.now())
    stmt = select(Appointment).where(Appointment.center_code == center, Appointment.day == day)
    if status:
        stmt = stmt.where(Appointment.status == status)
    return stmt


def mark(session: Session, actor: Principal, number: str, outcome: str) -> Appointment:
    """The clerk notes that the citizen came (``arrived``) or did not (``no_show``): on
    the appointment's day (a no-show once its half-day has begun) or after it."""
    appointment = _by_number(session, number, lock=True)
    if appointment is None:
        raise NotFound("预约不存在")
    if not allowed(actor, "appointment.manage", Scope(center=appointment.center_code)):
        raise NotFound("预约不存在")
    if appointment.status != BOOKED:
        raise Conflict(f"该预约已是“{appointment.status}”状态")
    now = clock.now()
    today = local_date(now)
    if appointment.day > today:
        raise Conflict("还没到预约的日子")
    if outcome == NO_SHOW and now < rules.SlotTime(appointment.day, appointment.slot).starts_at:
        raise Conflict("预约时段还没开始，不能记为爽约")
    appointment.status, appointment.marked_at, appointment.marked_by = outcome, now, actor.username
    appointment.updated_at = now
    appointment.version += 1
    audit.record(session, actor, f"appointment.{outcome}", target_type="appointment",
                 target_id=appointment.number, center=appointment.center_code,
                 before={"status": BOOKED}, after={"status": outcome})
    session.commit()
    return appointment


def present(appointment: Appointment) -> dict[str, Any]:
    return {"number": appointment.number, "center": appointment.center_code,
            "service_item": appointment.service_item_code, "date": appointment.day,
            "slot": appointment.slot, "status": appointment.status,
            "applicant": {"name": privacy.mask_name(appointment.applicant_name),
                          "id_number": appointment.applicant_id_masked,
                          "phone": appointment.applicant_phone_masked},
            "booked_at": appointment.booked_at, "cancelled_at": appointment.cancelled_at,
            "marked_at": appointment.marked_at, "marked_by": appointment.marked_by,
            "version": appointment.version}


def figures(session: Session, start: dt.date | None, end: dt.date | None) -> list[dict[str, Any]]:
    """Per center, over appointments whose day lies in [start, end]: booked, cancelled,
    arrived, no-shows (marked, or the day passed while still booked), upcoming, and the
    no-show rate = no_show / (arrived + no_show), null when that is 0."""
    today = local_date(clock.now())
    lapsed = and_(Appointment.status == BOOKED, Appointment.day < today)
    counted = [
        func.count().label("booked"),
        func.sum(case((Appointment.status == CANCELLED, 1), else_=0)).label("cancelled"),
        func.sum(case((Appointment.status == ARRIVED, 1), else_=0)).label("arrived"),
        func.sum(case((Appointment.status == NO_SHOW, 1), (lapsed, 1), else_=0)).label("no_show"),
        func.sum(case((and_(Appointment.status == BOOKED, Appointment.day >= today), 1),
                      else_=0)).label("upcoming"),
    ]
    stmt = select(Appointment.center_code, *counted).group_by(Appointment.center_code)
    if start:
        stmt = stmt.where(Appointment.day >= start)
    if end:
        stmt = stmt.where(Appointment.day <= end)
    rows = {r.center_code: r for r in session.execute(stmt)}
    result = []
    for center in session.scalars(select(Center).order_by(Center.position)):
        row = rows.get(center.code)
        values = {k: int(getattr(row, k) or 0) if row else 0
                  for k in ("booked", "cancelled", "arrived", "no_show", "upcoming")}
        kept = values["arrived"] + values["no_show"]
        result.append({"center": center.code, "name": center.name, **values,
                       "no_show_rate": values["no_show"] / kept if kept else None})
    return result


def outcome_totals(session: Session) -> dict[tuple[str, str], int]:
    """Counts for ``hub_appointments_total``: every booking ever made (``booked``) and
    each final outcome, per center; each only grows."""
    totals: dict[tuple[str, str], int] = {}
    for center, status, count in session.execute(
            select(Appointment.center_code, Appointment.status, func.count())
            .group_by(Appointment.center_code, Appointment.status)):
        totals[(center, "booked")] = totals.get((center, "booked"), 0) + count
        if status != BOOKED:
            totals[(center, status)] = count
    return totals


__all__ = ["Booked", "book", "cancel", "day_query", "day_slots", "figures",
           "mark", "outcome_totals", "present", "summary"]
