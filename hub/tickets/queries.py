"""Reading tickets: who lists which (their center's, their department's, all), the filters
as plain indexed SQL, what each caller is shown, and a caller's earlier tickets and
cases by phone number (the operator's desk)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session, selectinload

from hub import privacy
from hub.approvals import cards
from hub.approvals.models import Application
from hub.approvals.queries import card_showing, history
from hub.errors import PermissionDenied
from hub.permissions import Principal, Scope, require
from hub.tickets import lifecycle as lc
from hub.tickets.models import Ticket
from hub.tickets.services import plain

CENTER_ROLES = ("operator", "clerk")
DEPARTMENT_ROLES = ("approver", "chief")
_AWAITING = Ticket.status.in_(lc.AWAITING_ANSWER)


def overdue_condition(now: dt.datetime) -> Any:
    """Awaiting an answer past the due date: the red card's condition, in SQL."""
    return and_(_AWAITING, card_showing(cards.RED, now, Ticket.due_at, Ticket.yellow_at))


def tickets_query(actor: Principal, now: dt.datetime, *, center: str | None = None,
                  department: str | None = None, status: str | None = None,
                  kind: str | None = None, overdue: bool | None = None,
                  owner: str | None = None) -> Select[tuple[Ticket]]:
    """Tickets ``actor`` may list: an operator's or clerk's center, an approver's or
    chief's department, any for a supervisor; with the filters asked for."""
    stmt = select(Ticket).options(selectinload(Ticket.replies))
    if actor.has_role("supervisor"):
        pass
    elif actor.has_role(*CENTER_ROLES):
        center = center or actor.center
        require(actor, "ticket.list_center", Scope(center=center))
    elif actor.has_role(*DEPARTMENT_ROLES):
        department = department or actor.department
        if department is None:
            raise PermissionDenied("当前账号不属于任何部门，没有工单队列")
        require(actor, "ticket.list_department", Scope(department=department))
    else:
        raise PermissionDenied("当前账号无权查看工单")
    if center is not None:
        stmt = stmt.where(Ticket.center_code == center)
    if department is not None:
        stmt = stmt.where(Ticket.department_code == department)
    if status:
        stmt = stmt.where(Ticket.status == status)
    if kind:
        stmt = stmt.where(Ticket.kind == kind)
    if owner:
        stmt = stmt.where(Ticket.owner == owner)
    if overdue is True:
        stmt = stmt.where(overdue_condition(now))
    elif overdue is False:
        stmt = stmt.where(~overdue_condition(now))
    return stmt


def present(row: Ticket, now: dt.datetime, *, detail: bool = False,
            session: Session | None = None) -> dict[str, Any]:
    """A ticket as the API and the pages show it (the caller masked)."""
    ticket = plain(row)
    card = lc.card(ticket, now)
    body: dict[str, Any] = {
        "id": row.id, "number": row.number, "kind": row.kind, "channel": row.channel,
        "center": row.center_code, "department": row.department_code,
        "service_item": row.service_item_code, "subject": row.subject, "content": row.content,
        "caller": {"name": privacy.mask_name(row.caller_name), "phone": row.caller_phone_masked},
        "owner": row.owner, "status": row.status, "received_at": row.received_at,
        "due_at": row.due_at, "due_at_provisional": row.due_at_provisional,
        "yellow_at": row.yellow_at, "respond_by": row.respond_by,
        "first_action_at": row.first_action_at, "answered_at": row.answered_at,
        "closed_at": row.closed_at, "outcome": row.outcome, "reopened": row.reopened,
        "warning": card, "overdue": card == cards.RED, "version": row.version,
        "replies": [{"id": r.id, "at": r.at, "author": r.author, "department": r.department_code,
                     "content": r.content} for r in row.replies],
        "history": [],
    }
    if detail and session is not None:
        body["history"] = [{"at": r.at, "actor": r.actor, "action": r.action,
                            "before": r.before, "after": r.after}
                           for r in history(session, row.id)]
    return body


HISTORY_LIMIT = 20


def caller_history(session: Session, actor: Principal, phone: str) -> dict[str, Any]:
    """The caller's earlier tickets and cases at ``actor``'s center, newest first, found by
    the keyed hash of the phone number (never by the number itself)."""
    require(actor, "callers.history")
    require(actor, "callers.history_center", Scope(center=actor.center))
    number = privacy.normalise_phone(phone)
    digest = privacy.cipher().lookup_hash(number)
    tickets = session.scalars(
        select(Ticket).where(Ticket.caller_phone_hash == digest,
                             Ticket.center_code == actor.center)
        .order_by(Ticket.received_at.desc()).limit(HISTORY_LIMIT)).all()
    cases = session.scalars(
        select(Application).where(Application.applicant_phone_hash == digest,
                                  Application.center_code == actor.center,
                                  Application.deleted_at.is_(None))
        .order_by(Application.submitted_at.desc()).limit(HISTORY_LIMIT)).all()
    items = [{"type": "ticket", "id": t.id, "number": t.number, "center": t.center_code,
              "title": t.subject, "status": t.status, "at": t.received_at, "due_at": t.due_at}
             for t in tickets]
    items += [{"type": "application", "id": a.id, "number": a.number, "center": a.center_code,
               "title": a.service_item_code, "status": a.status, "at": a.submitted_at,
               "due_at": a.due_at} for a in cases]
    items.sort(key=lambda i: i["at"], reverse=True)
    return {"phone": privacy.mask_phone(number), "items": items[:HISTORY_LIMIT]}


__all__ = ["caller_history", "overdue_condition", "present", "tickets_query"]
