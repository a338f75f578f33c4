"""The call center's walks: receive a ticket (from staff, from the public, or opened by a
bad rating), assign, transfer, reply, close; the answer policy; the caller unmasked.

Each walk is one unit of work: the ticket, its reply, its audit record (the ticket as
target) written in ONE transaction. A change locks the ticket's row and checks its
``version`` (optimistic: a stale one is a 409); the pure ``lifecycle`` decides what may
happen, the permission table who may do it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple

from sqlalchemy import String, cast, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from hub import audit, clock, idempotency, privacy
from hub.approvals.calendar import local_date
from hub.approvals.calendar_services import load_calendar
from hub.approvals.numbers import next_value
from hub.approvals.routing import Deadline
from hub.catalog.models import ServiceItem
from hub.directory.models import Center, Department, User
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.permissions import Principal, Scope, allowed, require
from hub.receipts import receipt_codes
from hub.tickets import lifecycle as lc
from hub.tickets.models import Ticket, TicketPolicy, TicketReply

TARGET = "ticket"
PUBLIC_ACTOR = Principal.system("public:web")
RATINGS_ACTOR = Principal.system("ratings")
# Who may own a ticket: whoever takes calls and messages at a center.
OWNER_ROLES = ("operator", "clerk")


@dataclasses.dataclass(frozen=True)
class TicketScope:
    """What the permission rules look at for a ticket."""

    center: str | None
    department: str | None
    owner: str | None


def scope_of(ticket: Ticket) -> TicketScope:
    return TicketScope(center=ticket.center_code, department=ticket.department_code,
                       owner=ticket.owner)


class Received(NamedTuple):
    """A new ticket, whether it was a replay of an ``Idempotency-Key``, and its receipt
    code (回执码) to give the caller once (None for a rectification: the citizen holds
    the rated case's code)."""

    ticket: Ticket
    replayed: bool
    receipt_code: str | None


# -- Reading one ----------------------------------------------------------------------------


def load_ticket(session: Session, ticket_id: uuid.UUID, *, lock: bool = False) -> Ticket:
    """The ticket with its replies; ``lock`` takes its row lock and re-reads it."""
    # Unlocked, the replies are joined in (one statement, not two). Locked, they are read
    # by a second statement once the lock is held: joined, they would come from the
    # snapshot taken before the wait, without a reply the holder of the lock just added.
    stmt = select(Ticket).where(Ticket.id == ticket_id)
    if lock:
        stmt = stmt.with_for_update(of=Ticket).execution_options(populate_existing=True) \
            .options(selectinload(Ticket.replies))
    else:
        stmt = stmt.options(joinedload(Ticket.replies))
    ticket = session.scalars(stmt).unique().one_or_none()
    if ticket is None:
        raise NotFound("工单不存在")
    return ticket


def readable_ticket(session: Session, actor: Principal, ticket_id: uuid.UUID, *,
                    lock: bool = False) -> Ticket:
    """The ticket if ``actor`` may see it; one they may not see is "not found"."""
    ticket = load_ticket(session, ticket_id, lock=lock)
    if not allowed(actor, "ticket.read", scope_of(ticket)):
        raise NotFound("工单不存在")
    return ticket


def ticket_in_reach(session: Session, actor: Principal, ticket_id: uuid.UUID, action: str, *,
                    lock: bool = False) -> Ticket:
    """The ticket if ``actor`` may see it (else "not found") and do ``action`` to it (else
    refused): what every step looks up first, before it reads what was sent."""
    ticket = readable_ticket(session, actor, ticket_id, lock=lock)
    require(actor, action, scope_of(ticket))
    return ticket


# -- Rows ↔ the pure lifecycle ----------------------------------------------------------------


def plain(row: Ticket) -> lc.Ticket:
    return lc.Ticket(
        kind=row.kind, status=row.status, owner=row.owner, department=row.department_code,
        days=row.days, received_at=row.received_at, clock_from=row.clock_from,
        deadline=Deadline(row.due_at, row.yellow_at, row.due_at_provisional),
        respond_by=row.respond_by, first_action_at=row.first_action_at,
        replies=row.replies_count, answered_at=row.answered_at, closed_at=row.closed_at,
        outcome=row.outcome, reopened=row.reopened)


def write(row: Ticket, ticket: lc.Ticket, now: dt.datetime) -> None:
    row.status, row.owner, row.department_code = ticket.status, ticket.owner, ticket.department
    row.clock_from = ticket.clock_from
    row.due_at, row.yellow_at = ticket.deadline.due_at, ticket.deadline.yellow_at
    row.due_at_provisional = ticket.deadline.provisional
    row.respond_by, row.first_action_at = ticket.respond_by, ticket.first_action_at
    row.replies_count, row.answered_at = ticket.replies, ticket.answered_at
    row.closed_at, row.outcome, row.reopened = ticket.closed_at, ticket.outcome, ticket.reopened
    row.version += 1
    row.updated_at = now


def summary(row: Ticket) -> dict[str, Any]:
    """A ticket as the audit trail records it: no personal data."""
    return {"number": row.number, "kind": row.kind, "status": row.status,
            "center": row.center_code, "department": row.department_code, "owner": row.owner,
            "due_at": row.due_at, "due_at_provisional": row.due_at_provisional,
            "outcome": row.outcome, "version": row.version}


def _record(session: Session, actor: Principal, row: Ticket, action: str,
            before: Mapping[str, Any] | None, extra: Mapping[str, Any] | None = None) -> None:
    after = summary(row)
    if before is not None:
        before, after = audit.changes(before, after)
    audit.record(session, actor, action, target_type=TARGET, target_id=row.id,
                 center=row.center_code, before=before, after={**after, **(extra or {})})


# -- The answer policy ------------------------------------------------------------------------


def policy(session: Session) -> dict[str, int]:
    """Working days to answer per kind: the administrator's, else the default."""
    stored = dict(session.execute(select(TicketPolicy.kind, TicketPolicy.days)).all())
    return {kind: int(stored.get(kind, lc.DEFAULT_POLICY[kind])) for kind in lc.KINDS}


def set_policy(session: Session, actor: Principal, days: Mapping[str, int]) -> dict[str, int]:
    """Change the working days per kind (admin); tickets already received keep theirs.
    Audited. Commits."""
    require(actor, "ticket_policy.write")
    before = policy(session)
    now = clock.now()
    for kind in lc.KINDS:
        row = session.get(TicketPolicy, kind, with_for_update=True)
        if row is None:
            session.add(TicketPolicy(kind=kind, days=days[kind], updated_at=now,
                                     updated_by=actor.username))
        elif row.days != days[kind]:
            row.days, row.updated_at, row.updated_by = days[kind], now, actor.username
    changed_before, changed_after = audit.changes(before, dict(days))
    audit.record(session, actor, "ticket_policy.changed", target_type="ticket_policy",
                 target_id="tickets", before=changed_before, after=changed_after)
    session.commit()
    return policy(session)


# -- Receiving --------------------------------------------------------------------------------


def _number(session: Session, now: dt.datetime) -> str:
    """``RX20261204-0007``: the day of receipt, the day's sequence (every center)."""
    day = local_date(now).strftime("%Y%m%d")
    return f"RX{day}-{next_value(session, f'ticket:{day}'):04d}"


def _caller(values: Mapping[str, str]) -> dict[str, Any]:
    cipher = privacy.cipher()
    phone = privacy.normalise_phone(values["phone"])
    return {"caller_name": values["name"].strip(), "caller_phone_encrypted": cipher.encrypt(phone),
            "caller_phone_hash": cipher.lookup_hash(phone),
            "caller_phone_masked": privacy.mask_phone(phone)}


def _new_row(session: Session, *, kind: str, channel: str, center: str, owner: str,
             subject: str, content: str, caller: Mapping[str, Any], now: dt.datetime,
             service_item: str | None = None, department: str | None = None,
             received_at: dt.datetime | None = None) -> Ticket:
    """``received_at``: when it was received elsewhere (an import), if not ``now``; the
    answer's clock runs from then."""
    received = received_at or now
    ticket = lc.receive(kind, owner, now=received, days=policy(session)[kind],
                        cal=load_calendar(session))
    # ``replies`` known empty: showing the new ticket reads none.
    row = Ticket(id=uuid.uuid4(), number=_number(session, now), kind=kind, channel=channel,
                 center_code=center, service_item_code=service_item, subject=subject.strip(),
                 content=content.strip(), days=ticket.days, received_at=received, version=0,
                 created_at=now, replies=[], **caller)
    write(row, ticket, now)  # version 1
    row.department_code = department
    return row


def _check_service_item(session: Session, code: str | None) -> None:
    if code is not None and session.get(ServiceItem, code) is None:
        raise ValidationFailed({"service_item": [f"未知的办事事项：{code}"]})


_SCOPE = "ticket"


def _replay(session: Session, center: str, key: str, fingerprint: str) -> Ticket | None:
    record = idempotency.earlier(session, _SCOPE, center, key, fingerprint)
    if record is None or not record.result:
        return None
    return load_ticket(session, uuid.UUID(record.result["ticket_id"]))


def _reissue(session: Session, actor: Principal, row: Ticket) -> str:
    code, row.receipt_code_hash = receipt_codes().issue(row.number)
    row.updated_at = clock.now()
    audit.record(session, actor, "ticket.receipt_reissued", target_type=TARGET,
                 target_id=row.id, center=row.center_code)
    session.commit()
    return code


def receive_ticket(session: Session, actor: Principal, body: Mapping[str, Any], *,
                   idempotency_key: str | None = None) -> Received:
    """A call, a message or a visit entered by an operator or a clerk of ``center``, who
    owns the ticket (首问负责). A replay of the same ``Idempotency-Key`` and body returns
    the ticket it created, with a new receipt code (the first is void)."""
    center = body["center"]
    require(actor, "ticket.create", Scope(center=center))
    fingerprint = idempotency.request_hash(body)
    if idempotency_key:
        replayed = _replay(session, center, idempotency_key, fingerprint)
        if replayed is not None:
            return Received(replayed, True, _reissue(session, actor, replayed))
    _check_service_item(session, body.get("service_item"))
    now = clock.now()
    row = _new_row(session, kind=body["kind"], channel=body["channel"], center=center,
                   owner=actor.username, subject=body["subject"], content=body["content"],
                   caller=_caller(body["caller"]), now=now,
                   service_item=body.get("service_item"))
    code, row.receipt_code_hash = receipt_codes().issue(row.number)
    session.add(row)
    session.flush()  # the ticket before the key that names it
    if idempotency_key:
        idempotency.remember(session, _SCOPE, center, idempotency_key, fingerprint,
                             result={"ticket_id": str(row.id)})
    try:
        session.flush()  # a concurrent use of the key fails here
    except IntegrityError:
        session.rollback()
        replayed = _replay(session, center, idempotency_key, fingerprint) \
            if idempotency_key else None
        if replayed is None:
            raise
        return Received(replayed, True, _reissue(session, actor, replayed))
    _record(session, actor, row, "ticket.received", None, {"channel": row.channel})
    session.commit()
    return Received(row, False, code)


def first_staff(session: Session, center: str, roles: tuple[str, ...]) -> str | None:
    """The first active account of ``center`` holding one of ``roles``, in that order of
    preference, then by username."""
    # Only the columns the choice needs, of the accounts holding one of ``roles`` (the
    # JSON list holds each role in quotes; the loop below checks membership exactly):
    # not every account of the center with its center joined.
    holds = or_(*(cast(User.roles, String).contains(f'"{role}"', autoescape=True)
                  for role in roles))
    users = session.execute(select(User.username, User.roles, User.department_code)
                            .where(User.center_code == center, User.status == "active", holds)
                            .order_by(User.username)).all()
    for role in roles:
        for user in users:
            if role in user.roles and (role != "chief" or user.department_code is None):
                return user.username
    return None


def default_owner(session: Session, center: str, roles: tuple[str, ...] = OWNER_ROLES) -> str:
    """Who owns what arrives with nobody signed in: the center's first operator, else
    its first clerk; a center without either hands it to the district's call center."""
    found = first_staff(session, center, roles)
    if found is None:
        district = session.scalars(select(Center.code).where(Center.level == "district")
                                   .order_by(Center.position)).first()
        found = first_staff(session, district, roles) if district else None
    if found is None:
        raise ValidationFailed({"center": ["该中心没有在岗的话务员或窗口人员，无法受理"]})
    return found


def receive_public(session: Session, body: Mapping[str, Any]) -> Received:
    """A consultation, complaint or suggestion sent by a citizen without signing in
    (channel ``web``); the center's first operator (or clerk) owns it."""
    center = body["center"]
    if session.get(Center, center) is None:
        raise ValidationFailed({"center": [f"未知的中心：{center}"]})
    now = clock.now()
    row = _new_row(session, kind=body["kind"], channel="web", center=center,
                   owner=default_owner(session, center), subject=body["subject"],
                   content=body["content"], caller=_caller(body["caller"]), now=now)
    code, row.receipt_code_hash = receipt_codes().issue(row.number)
    session.add(row)
    session.flush()
    _record(session, PUBLIC_ACTOR, row, "ticket.received", None, {"channel": "web"})
    session.commit()
    return Received(row, False, code)


def receive_imported(session: Session, actor: Principal, body: Mapping[str, Any], *,
                     received_at: dt.datetime, external_number: str) -> Ticket:
    """A case handed over by another platform (``body`` as ``TicketSubmissionSchema``
    loads it, channel ``minxin`` for 民心网), entered by an operator of ``center`` who owns
    it (首问负责): received when the platform received it, so its deadline runs from
    then; it keeps the platform's number. No receipt code: the citizen follows the case
    on the platform. In the caller's transaction (the caller commits)."""
    center = body["center"]
    require(actor, "ticket.create", Scope(center=center))
    _check_service_item(session, body.get("service_item"))
    row = _new_row(session, kind=body["kind"], channel=body["channel"], center=center,
                   owner=actor.username, subject=body["subject"], content=body["content"],
                   caller=_caller(body["caller"]), now=clock.now(),
                   service_item=body.get("service_item"), received_at=received_at)
    row.external_number = external_number
    session.add(row)
    session.flush()  # a case imported at the same time by another fails here
    _record(session, actor, row, "ticket.received", None,
            {"channel": row.channel, "external_number": external_number,
             "received_at": row.received_at})
    return row


# The rectification's owner: the hall's chief (a chief of no department) or the first clerk.
RECTIFICATION_OWNERS = ("chief", "clerk", "operator")


def open_rectification(session: Session, *, center: str, department: str | None,
                       subject: str, content: str, caller: Mapping[str, Any],
                       rated_number: str) -> Ticket:
    """A rectification (整改) ticket after a bad rating, in the rating's transaction (the
    caller commits): for the center that handled the case, owned by its hall chief or its
    first clerk, due in the policy's days, with the rater's phone for the follow-up."""
    now = clock.now()
    owner = default_owner(session, center, RECTIFICATION_OWNERS)
    row = _new_row(session, kind="rectification", channel="rating", center=center,
                   owner=owner, subject=subject, content=content, caller=caller, now=now,
                   department=department)
    session.add(row)
    session.flush()
    _record(session, RATINGS_ACTOR, row, "ticket.received", None,
            {"channel": "rating", "rated": rated_number})
    return row


# -- The walks --------------------------------------------------------------------------------


def _locked(session: Session, actor: Principal, ticket_id: uuid.UUID, action: str,
            version: int | None) -> Ticket:
    row = ticket_in_reach(session, actor, ticket_id, action, lock=True)
    if version is not None and version != row.version:
        raise Conflict(f"工单已被他人更新（当前版本 {row.version}），请刷新后重试",
                       current_version=row.version)
    return row


def _active_department(session: Session, code: str) -> None:
    if session.get(Department, code) is None:
        raise ValidationFailed({"department": [f"未知的部门：{code}"]})


def assign_ticket(session: Session, actor: Principal, ticket_id: uuid.UUID, department: str,
                  note: str | None = None, version: int | None = None) -> Ticket:
    """The owner hands the ticket to a department to answer by its due date; a chief of
    the department it is with sends it on to the right one (with a note)."""
    row = _locked(session, actor, ticket_id, "ticket.assign", version)
    _active_department(session, department)
    if department == row.department_code:
        raise ValidationFailed({"department": ["工单已交办该部门"]})
    if row.owner != actor.username and not (note or "").strip():
        raise ValidationFailed({"note": ["转交其他部门时须说明理由"]})
    before = summary(row)
    now = clock.now()
    write(row, lc.assign(plain(row), department, now=now), now)
    _record(session, actor, row, "ticket.assigned", before, {"note": (note or "").strip() or None})
    session.commit()
    return row


def transfer_ticket(session: Session, actor: Principal, ticket_id: uuid.UUID, to_user: str,
                    reason: str, version: int | None = None) -> Ticket:
    """Ownership moves (the only way it does) to an operator or clerk, with the reason;
    the ticket goes with its new owner to their center."""
    row = _locked(session, actor, ticket_id, "ticket.transfer", version)
    user = session.scalars(select(User).where(User.username == to_user)).one_or_none()
    if user is None or user.status != "active" or not set(OWNER_ROLES) & set(user.roles):
        raise ValidationFailed({"to_user": ["应为在岗的话务员或窗口受理人员"]})
    if user.username == row.owner:
        raise ValidationFailed({"to_user": ["工单已由该人员负责"]})
    before = summary(row)
    now = clock.now()
    write(row, lc.transfer(plain(row), user.username, now=now), now)
    row.center_code = user.center_code
    _record(session, actor, row, "ticket.transferred", before, {"reason": reason.strip()})
    session.commit()
    return row


def reply_ticket(session: Session, actor: Principal, ticket_id: uuid.UUID, content: str,
                 version: int) -> Ticket:
    """The answer, by the department it is assigned to or by its owner on the spot."""
    row = _locked(session, actor, ticket_id, "ticket.reply", version)
    before = summary(row)
    now = clock.now()
    write(row, lc.reply(plain(row), now=now), now)
    by_department = row.department_code if actor.department == row.department_code else None
    reply = TicketReply(ticket=row, at=now, author=actor.username, department_code=by_department,
                        content=content.strip())
    session.add(reply)
    session.flush()
    _record(session, actor, row, "ticket.replied", before,
            {"reply_id": reply.id, "department": by_department})
    session.commit()
    return row


def close_ticket(session: Session, actor: Principal, ticket_id: uuid.UUID, outcome: str,
                 note: str | None = None, version: int | None = None) -> Ticket:
    """The owner's callback (回访): satisfied or unreachable close it, unsatisfied reopens
    it (due again from now). A rectification's closing says what was done."""
    row = _locked(session, actor, ticket_id, "ticket.close", version)
    note = (note or "").strip() or None
    if row.kind == "rectification" and note is None:
        raise ValidationFailed({"note": ["整改工单办结时须写明整改情况和回访结果"]})
    before = summary(row)
    now = clock.now()
    write(row, lc.close(plain(row), outcome, now=now, cal=load_calendar(session)), now)
    action = "ticket.reopened" if row.status == lc.REOPENED else "ticket.closed"
    _record(session, actor, row, action, before, {"outcome": outcome, "note": note})
    session.commit()
    return row


def caller_in_clear(session: Session, actor: Principal, ticket_id: uuid.UUID) -> dict[str, Any]:
    """The caller's name and phone unmasked, for the callback (its center's operators and
    clerks, supervisors); the look itself is audited."""
    row = ticket_in_reach(session, actor, ticket_id, "ticket.read_caller")
    audit.record(session, actor, "ticket.caller_viewed", target_type=TARGET, target_id=row.id,
                 center=row.center_code, after={"fields": ["name", "phone"]})
    session.commit()
    cipher = privacy.cipher()
    return {"name": row.caller_name,
            "phone": cipher.decrypt(row.caller_phone_encrypted)
            if row.caller_phone_encrypted else None}


__all__ = ["Received", "TicketScope", "assign_ticket", "caller_in_clear", "close_ticket",
           "default_owner", "load_ticket", "open_rectification", "plain", "policy",
           "readable_ticket", "receive_imported", "receive_public", "receive_ticket",
           "reply_ticket", "scope_of",
           "set_policy", "summary", "ticket_in_reach", "transfer_ticket", "write"]
