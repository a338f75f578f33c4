"""The walks of a request for government information (依申请公开): register, extend,
send back for completion (补正), resubmit, answer; and the unmasked requester.

Each is one unit of work: the request, its limit on the statutory clock and its audit
record are written in one transaction, committed at the end; the request's row is
locked first, so two clerks answering at once answer once. Dates are Asia/Shanghai
calendar days; none may lie in the future, none before the request was received.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub import audit, clock, idempotency, privacy
from hub.approvals import cards
from hub.approvals.calendar import WorkingCalendar, local_date
from hub.approvals.calendar_services import load_calendar
from hub.approvals.numbers import next_value
from hub.approvals.queries import history
from hub.disclosure import limits
from hub.disclosure.categories import (
    AFTER_SUPPLEMENT_REASON,
    DEFAULT_ORGANISATION_KIND,
    ORGANISATION,
    WAITING_ONLY_REASON,
)
from hub.disclosure.models import ANSWERED, OPEN, WAITING, DisclosureRequest
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.permissions import Principal, Scope, allowed, require

TARGET = "disclosure_request"
# The Regulation (2007) took effect on 1 May 2008: no request can have been received before.
FIRST_DAY = dt.date(2008, 5, 1)


def today() -> dt.date:
    """Today in the hall (Asia/Shanghai), on the injectable clock."""
    return local_date(clock.now())


def scope_of(req: DisclosureRequest) -> Scope:
    return Scope(center=req.center_code)


def load_request(session: Session, request_id: uuid.UUID, *, lock: bool = False
                 ) -> DisclosureRequest:
    stmt = select(DisclosureRequest).where(DisclosureRequest.id == request_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    req = session.scalars(stmt).one_or_none()
    if req is None:
        raise NotFound("政府信息公开申请不存在")
    return req


def readable_request(session: Session, actor: Principal, request_id: uuid.UUID, *,
                     lock: bool = False) -> DisclosureRequest:
    """The request if ``actor`` may see it; one they may not see is "not found"."""
    req = load_request(session, request_id, lock=lock)
    if not allowed(actor, "disclosure_request.read", scope_of(req)):
        raise NotFound("政府信息公开申请不存在")
    return req


def request_in_reach(session: Session, actor: Principal, request_id: uuid.UUID, action: str, *,
                     lock: bool = False) -> DisclosureRequest:
    """The request if ``actor`` may see it (else "not found") and do ``action`` to it (else
    refused): what every step looks up first, before it reads what was sent."""
    req = readable_request(session, actor, request_id, lock=lock)
    require(actor, action, scope_of(req))
    return req


def summary(req: DisclosureRequest) -> dict[str, Any]:
    """What the audit records keep of a request (the requester masked)."""
    return {"number": req.number, "status": req.status, "received_on": req.received_on,
            "due_on": req.due_on, "due_on_provisional": req.due_on_provisional,
            "extended": req.extended, "supplement_requested_on": req.supplement_requested_on,
            "resubmitted_on": req.resubmitted_on, "outcome": req.outcome, "reason": req.reason,
            "answered_on": req.answered_on, "on_time": req.on_time}


def _record(session: Session, actor: Principal, req: DisclosureRequest, action: str,
            before: Mapping[str, Any] | None, extra: Mapping[str, Any] | None = None) -> None:
    after = summary(req)
    if before is not None:
        before, after = audit.changes(before, after)
    audit.record(session, actor, action, target_type=TARGET, target_id=req.id,
                 center=req.center_code, before=before, after={**after, **(extra or {})})


def _set_limit(req: DisclosureRequest, cal: WorkingCalendar) -> None:
    limit = limits.answer_limit(cal, req.received_on, resubmitted_on=req.resubmitted_on,
                                extended=req.extended, waiting=req.status == WAITING)
    req.due_on, req.yellow_on, req.due_on_provisional = (limit.due_on, limit.yellow_on,
                                                         limit.provisional)


def _not_after_today(field: str, day: dt.date, now: dt.date) -> None:
    if day > now:
        raise ValidationFailed({field: [f"不能晚于今天（{now.isoformat()}）"]})


def _not_before(field: str, day: dt.date, earliest: dt.date, what: str) -> None:
    if day < earliest:
        raise ValidationFailed({field: [f"不能早于{what}（{earliest.isoformat()}）"]})


# -- Registration ---------------------------------------------------------------------------


_SCOPE = "disclosure"


def _replay(session: Session, center: str, key: str, body_hash: str) -> DisclosureRequest | None:
    record = idempotency.earlier(session, _SCOPE, center, key, body_hash)
    if record is None or not record.result:
        return None
    return session.get(DisclosureRequest, uuid.UUID(record.result["request_id"]))


def register_request(session: Session, actor: Principal, body: Mapping[str, Any], *,
                     idempotency_key: str | None = None) -> tuple[DisclosureRequest, bool]:
    """Register a request received at the caller's center by any channel; a paper
    request entered later keeps its real date of receipt. Returns (request, replayed):
    the same ``Idempotency-Key`` and body give the request it created."""
    center = actor.center
    require(actor, "disclosure_request.register", Scope(center=center))
    assert center is not None  # the rule above needs a center
    body_hash = idempotency.request_hash(body)
    if idempotency_key:
        replayed = _replay(session, center, idempotency_key, body_hash)
        if replayed is not None:
            return replayed, True
    received_on = body["received_on"]
    now = today()
    _not_after_today("received_on", received_on, now)
    _not_before("received_on", received_on, FIRST_DAY, "《政府信息公开条例》施行之日")
    try:
        req = _create(session, actor, center, body, idempotency_key, body_hash)
    except IntegrityError:
        # The same key at the same time: the other registration committed first.
        session.rollback()
        replayed = _replay(session, center, idempotency_key, body_hash) \
            if idempotency_key else None
        if replayed is None:
            raise
        return replayed, True
    return req, False


def _create(session: Session, actor: Principal, center: str, body: Mapping[str, Any],
            idempotency_key: str | None, body_hash: str) -> DisclosureRequest:
    requester, received_on, at = body["requester"], body["received_on"], clock.now()
    contact, cipher = requester["contact"], privacy.cipher()
    organisation = requester["kind"] == ORGANISATION
    sequence = next_value(session, f"disclosure:{received_on.year}")
    req = DisclosureRequest(
        id=uuid.uuid4(), number=f"YSQ-{received_on.year}-{sequence:04d}", center_code=center,
        channel=body["channel"], requester_kind=requester["kind"],
        requester_organisation_kind=(requester.get("organisation_kind")
                                     or DEFAULT_ORGANISATION_KIND) if organisation else None,
        requester_name=requester["name"], requester_contact_encrypted=cipher.encrypt(contact),
        requester_contact_hash=cipher.lookup_hash(contact),
        requester_contact_masked=privacy.mask_contact(contact),
        description=body["description"], received_on=received_on, status=OPEN,
        extended=False, registered_by=actor.username, created_at=at, updated_at=at)
    _set_limit(req, load_calendar(session))
    session.add(req)
    if idempotency_key:
        idempotency.remember(session, _SCOPE, center, idempotency_key, body_hash,
                             result={"request_id": str(req.id)})
    session.flush()  # a concurrent use of the key fails here, before the audit record
    _record(session, actor, req, "disclosure.registered", None,
            {"channel": req.channel, "requester": masked_requester(req)})
    session.commit()
    return req


def masked_requester(req: DisclosureRequest) -> dict[str, Any]:
    person = req.requester_kind != ORGANISATION
    return {"kind": req.requester_kind, "organisation_kind": req.requester_organisation_kind,
            # an organisation's name is no personal data; a person's is
            "name": privacy.mask_name(req.requester_name) if person else req.requester_name,
            "contact": req.requester_contact_masked}


# -- The clock: extension, supplement, resubmission ---------------------------------------------


def _changing(session: Session, actor: Principal, request_id: uuid.UUID, action: str
              ) -> DisclosureRequest:
    req = request_in_reach(session, actor, request_id, action, lock=True)
    if req.status == ANSWERED:
        raise Conflict(f"申请 {req.number} 已于 {req.answered_on} 答复，不能再变更")
    return req


def extend_request(session: Session, actor: Principal, request_id: uuid.UUID, reason: str,
                   on: dt.date | None = None) -> DisclosureRequest:
    """Extend the limit once by 20 working days (approved by a chief or an
    administrator), on or before the day it falls due."""
    req = _changing(session, actor, request_id, "disclosure_request.extend")
    if req.status == WAITING:
        raise Conflict("正在等待申请人补正，答复期限暂停计算，不能延长")
    if req.extended:
        raise Conflict(f"答复期限已于 {req.extended_on} 延长过，只能延长一次")
    now = today()
    on = on or now
    _not_after_today("on", on, now)
    _not_before("on", on, req.resubmitted_on or req.received_on, "收到申请之日")
    assert req.due_on is not None  # an open request has a limit
    if on > req.due_on:
        raise ValidationFailed({"on": [f"答复期限已于 {req.due_on} 届满，不能再延长"]})
    before = summary(req)
    req.extended, req.extended_on, req.extension_reason = True, on, reason
    req.extended_by, req.updated_at = actor.username, clock.now()
    _set_limit(req, load_calendar(session))
    _record(session, actor, req, "disclosure.extended", before, {"reason": reason})
    session.commit()
    return req


def request_supplement(session: Session, actor: Principal, request_id: uuid.UUID, reason: str,
                       on: dt.date | None = None) -> DisclosureRequest:
    """Send a request unclear in content back to the requester (once, within 7 working
    days of receipt): no limit runs until the completed request arrives."""
    req = _changing(session, actor, request_id, "disclosure_request.supplement")
    if req.supplement_requested_on is not None:
        raise Conflict(f"已于 {req.supplement_requested_on} 要求补正，只能要求补正一次")
    now, cal = today(), load_calendar(session)
    on = on or now
    _not_after_today("on", on, now)
    _not_before("on", on, req.received_on, "收到申请之日")
    if not limits.supplement_possible(cal, req.received_on, on):
        last = limits.supplement_deadline(cal, req.received_on)
        raise ValidationFailed({"on": [f"应在收到申请之日起 {limits.SUPPLEMENT_WINDOW_DAYS} 个工作日内"
                                       f"（最迟 {last}）要求补正"]})
    before = summary(req)
    req.status, req.supplement_requested_on, req.supplement_reason = WAITING, on, reason
    req.updated_at = clock.now()
    _set_limit(req, cal)
    _record(session, actor, req, "disclosure.supplement_requested", before, {"reason": reason})
    session.commit()
    return req


def resubmit_request(session: Session, actor: Principal, request_id: uuid.UUID,
                     on: dt.date | None = None) -> DisclosureRequest:
    """The completed request has arrived: the 20 working days count again from ``on``."""
    req = _changing(session, actor, request_id, "disclosure_request.supplement")
    if req.status != WAITING:
        raise Conflict("该申请没有在等待补正")
    now = today()
    on = on or now
    _not_after_today("on", on, now)
    assert req.supplement_requested_on is not None
    _not_before("on", on, req.supplement_requested_on, "要求补正之日")
    before = summary(req)
    req.status, req.resubmitted_on, req.updated_at = OPEN, on, clock.now()
    _set_limit(req, load_calendar(session))
    _record(session, actor, req, "disclosure.resubmitted", before)
    session.commit()
    return req


# -- The answer ---------------------------------------------------------------------------------


def answer_request(session: Session, actor: Principal, request_id: uuid.UUID, outcome: str,
                   reason: str | None, answered_on: dt.date) -> DisclosureRequest:
    """Answer the request with one of the national form's outcomes (and its reason where
    the form asks); on time when answered by the end of its due day."""
    req = request_in_reach(session, actor, request_id, "disclosure_request.answer", lock=True)
    if req.status == ANSWERED:
        raise Conflict(f"申请 {req.number} 已于 {req.answered_on} 答复，不能重复答复")
    now = today()
    _not_after_today("answered_on", answered_on, now)
    _not_before("answered_on", answered_on, req.received_on, "收到申请之日")
    latest = max(d for d in (req.received_on, req.supplement_requested_on, req.resubmitted_on,
                             req.extended_on) if d is not None)
    _not_before("answered_on", answered_on, latest, "此前的补正或延期日期")
    if (outcome, reason) == WAITING_ONLY_REASON and req.status != WAITING:
        raise ValidationFailed({"reason": ["仅适用于要求补正后申请人逾期未补正的申请"]})
    if (outcome, reason) == AFTER_SUPPLEMENT_REASON and req.resubmitted_on is None:
        raise ValidationFailed({"reason": ["仅适用于申请人补正后内容仍不明确的申请"]})
    before = summary(req)
    req.status, req.outcome, req.reason = ANSWERED, outcome, reason
    req.answered_on, req.answered_by = answered_on, actor.username
    req.on_time = limits.answered_on_time(req.due_on, answered_on)
    req.yellow_on, req.updated_at = None, clock.now()
    _record(session, actor, req, "disclosure.answered", before)
    session.commit()
    return req


def requester_in_clear(session: Session, actor: Principal, request_id: uuid.UUID
                       ) -> dict[str, str]:
    """The requester unmasked, to send the answer: the look itself is audited."""
    req = request_in_reach(session, actor, request_id, "disclosure_request.read_requester")
    audit.record(session, actor, "disclosure.requester_viewed", target_type=TARGET,
                 target_id=req.id, center=req.center_code, after={"fields": ["name", "contact"]})
    session.commit()
    return {"name": req.requester_name,
            "contact": privacy.cipher().decrypt(req.requester_contact_encrypted)}


# -- Lists --------------------------------------------------------------------------------------

# Each list's order: the open ones most urgent first, the waiting ones in the order they
# were sent back, the answered ones newest first.
ORDER = {OPEN: ([DisclosureRequest.due_on, DisclosureRequest.id], False),
         WAITING: ([DisclosureRequest.supplement_requested_on, DisclosureRequest.id], False),
         ANSWERED: ([DisclosureRequest.answered_on, DisclosureRequest.id], True)}


def card_reached(level: str, on: dt.date) -> ColumnElement[bool]:
    """``limits.warning`` over the columns: the threshold of ``level`` crossed on ``on``
    (red: past the due day; yellow: from ``yellow_on``, whether or not red since). Only an
    open request shows a card: the callers add ``status == OPEN``."""
    if level == cards.RED:
        return DisclosureRequest.due_on < on
    return DisclosureRequest.yellow_on <= on


def requests_query(actor: Principal, now: dt.date, *, status: str = OPEN,
                   warning: str | None = None) -> Select[Any]:
    """The requests the caller may list, of one status; ``warning`` keeps the open ones
    showing that card on ``now``."""
    require(actor, "disclosure_requests.list")
    stmt = select(DisclosureRequest).where(DisclosureRequest.status == status)
    if not allowed(actor, "disclosure_request.list_all"):
        stmt = stmt.where(DisclosureRequest.center_code == actor.center)
    if warning == cards.RED:
        stmt = stmt.where(DisclosureRequest.status == OPEN, card_reached(cards.RED, now))
    elif warning == cards.YELLOW:
        stmt = stmt.where(DisclosureRequest.status == OPEN, card_reached(cards.YELLOW, now),
                          DisclosureRequest.due_on >= now)
    return stmt


def present(req: DisclosureRequest, now: dt.date, cal: WorkingCalendar | None = None, *,
            history_of: Session | None = None) -> dict[str, Any]:
    """A request as the API shows it (``history_of``: with its audit records)."""
    limit = limits.Limit(req.due_on, req.yellow_on, req.due_on_provisional)
    shown: dict[str, Any] = {
        "id": req.id, "number": req.number, "center": req.center_code, "channel": req.channel,
        "requester": masked_requester(req), "description": req.description,
        "received_on": req.received_on, "due_on": req.due_on, "yellow_on": req.yellow_on,
        "due_on_provisional": req.due_on_provisional,
        "warning": limits.warning(limit, now) if req.status == OPEN else None,
        "supplement_by": (limits.supplement_deadline(cal, req.received_on)
                          if cal is not None and req.status == OPEN
                          and req.supplement_requested_on is None else None),
        "status": req.status, "extended": req.extended, "extended_on": req.extended_on,
        "extension_reason": req.extension_reason,
        "supplement_requested_on": req.supplement_requested_on,
        "supplement_reason": req.supplement_reason, "resubmitted_on": req.resubmitted_on,
        "outcome": req.outcome, "reason": req.reason, "answered_on": req.answered_on,
        "on_time": req.on_time, "registered_by": req.registered_by, "created_at": req.created_at,
    }
    if history_of is not None:
        shown["history"] = [{"at": r.at.isoformat(), "actor": r.actor, "action": r.action,
                             "before": r.before, "after": r.after}
                            for r in history(history_of, req.id)]
    return shown


# -- A year's schedule published: the limits that reach into it -------------------------------


def recompute_due_dates(session: Session, year: int, actor: Principal) -> int:
    """Recompute the limits of the open requests that reach into ``year`` (its official
    schedule was just published or corrected), each change audited. Safe to run again;
    commits. Returns the number of requests whose limit changed."""
    cal, changed = load_calendar(session), 0
    rows = session.scalars(select(DisclosureRequest).where(
        DisclosureRequest.status == OPEN, DisclosureRequest.due_on >= dt.date(year, 1, 1))
        .order_by(DisclosureRequest.id).with_for_update()).all()
    for req in rows:
        before = summary(req)
        _set_limit(req, cal)
        if summary(req) != before:
            req.updated_at = clock.now()
            _record(session, actor, req, "disclosure.due_recomputed", before,
                    {"calendar_year": year})
            changed += 1
    session.commit()
    return changed
