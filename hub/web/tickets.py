"""The call center's pages: the operator's desk (a call entered fast, the caller's earlier
tickets and cases shown by phone number as it is typed, the service item's guide at
hand), the tickets most urgent first, the callback list (回访), and a ticket's page with
its replies, history and the actions its viewer may take. Every write goes through
``hub.tickets.services`` with the API's own schemas."""
from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from hub import clock, db, receipts
from hub.approvals.calendar_services import load_calendar
from hub.catalog import services as catalog
from hub.catalog.models import ServiceItem
from hub.directory.models import Department, User
from hub.domain_errors import StateConflict
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.hall.services import guide_of
from hub.pagination import paginate
from hub.permissions import allowed
from hub.tickets import lifecycle as lc
from hub.tickets import queries, services
from hub.tickets.models import Ticket
from hub.tickets.schemas import (
    AssignSchema,
    CloseSchema,
    ReplySchema,
    TicketSubmissionSchema,
    TransferSchema,
)
from hub.web import forms
from hub.web.blueprint import bp, page, principal
from hub.web.present import keep_receipt_code, kept_receipt_code, names, remaining_working_days

DESK_INPUTS = ("caller.phone", "caller.name", "kind", "channel", "service_item", "subject",
               "content", "answer")


def _items() -> list[tuple[str, str]]:
    return [(i.code, i.name) for i in db.session().scalars(
        catalog.list_items().order_by(ServiceItem.code))]


def _history(phone: str | None) -> dict[str, Any] | None:
    """The caller's earlier tickets and cases, once the number looks whole."""
    if not phone or len([c for c in phone if c.isdigit()]) < 7:
        return None
    return queries.caller_history(db.session(), principal(), phone)


def _guide(code: str | None) -> dict[str, Any] | None:
    if not code:
        return None
    try:
        return guide_of(db.session(), code)
    except NotFound:
        return None


def _desk(posted: dict[str, str], errors: forms.Errors, key: str, status: int = 200) -> Any:
    return render_template(
        "tickets/desk.html", nav="desk", posted=posted, errors=errors, key=key,
        items=_items(), history=_history(posted.get("caller.phone")),
        guide=_guide(posted.get("service_item")), kinds=lc.PUBLIC_KINDS,
        channels=lc.STAFF_CHANNELS, names=names()), status


@bp.route("/desk", methods=["GET", "POST"])
@page("tickets.create")
def desk() -> Any:
    """Enter a call: the caller's phone first (their history appears as it is typed),
    what they ask or report, and, for a question answered on the spot, the answer."""
    key = request.form.get("idempotency_key") or uuid.uuid4().hex
    if request.method == "GET":
        return _desk({"channel": "hotline", "kind": "consultation"}, {}, key)
    posted = request.form.to_dict()
    if "lookup" in request.form:  # "查询来电记录" without the script
        return _desk(posted, {}, key)
    typed = {name: forms.text(request.form, name) for name in DESK_INPUTS}
    body = {"center": principal().center,
            **{k: typed[k] for k in ("kind", "channel", "service_item", "subject", "content")
               if typed[k] is not None},
            "caller": {k: typed[f"caller.{k}"] for k in ("name", "phone")
                       if typed[f"caller.{k}"] is not None}}
    answer = typed["answer"]
    errors: dict[str, list[str]] = {}
    try:
        loaded = forms.load(TicketSubmissionSchema(), body)
    except ValidationFailed as exc:
        errors.update(exc.errors or {})
    if answer is not None:  # checked with the reply's own schema, before anything is written
        try:
            forms.load(ReplySchema(), {"content": answer, "version": 1})
        except ValidationFailed as exc:
            errors["answer"] = (exc.errors or {}).get("content", [exc.detail])
    if errors:
        return _desk(posted, forms.place(errors, DESK_INPUTS), key, 422)
    session = db.session()
    try:
        received = services.receive_ticket(session, principal(), loaded,
                                           idempotency_key=f"page-{key}")
        ticket = received.ticket
        if answer is not None and not received.replayed:
            ticket = services.reply_ticket(session, principal(), ticket.id, answer,
                                           ticket.version)
    except ValidationFailed as exc:
        return _desk(posted, forms.place(exc.errors or {}, DESK_INPUTS), key, 422)
    except (Conflict, StateConflict) as exc:
        return _desk(posted, {"_schema": [exc.detail]}, key, 422)
    if received.receipt_code:
        keep_receipt_code(ticket.id, received.receipt_code)
    flash(f"已登记工单 {ticket.number}" + ("，并已当场答复" if answer else ""))
    return redirect(url_for("web.ticket", ticket_id=ticket.id))


@bp.route("/desk/history", methods=["POST"])
@page("callers.history")
def desk_history() -> Any:
    """The history panel alone, for the desk's script (the phone in the body, not a URL)."""
    return render_template("tickets/_history.html", history=_history(request.form.get("phone")),
                           names=names())


@bp.route("/desk/guide/<string:code>")
@page("tickets.create")
def desk_guide(code: str) -> Any:
    """The guide panel alone, for the desk's script."""
    return render_template("tickets/_guide.html", guide=_guide(code), names=names())


def _rows(stmt: Any, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    now = clock.now()
    result = paginate(db.session(), stmt, [Ticket.due_at, Ticket.id], limit=100, cursor=cursor)
    cal = load_calendar(db.session())
    rows = []
    for row in result["items"]:
        shown = queries.present(row, now)
        shown["remaining"] = (remaining_working_days(cal, now, row.due_at)
                              if row.status in lc.AWAITING_ANSWER else None)
        rows.append(shown)
    return rows, result["next_cursor"]


_STATUS_FILTERS = {"open": None, "all": None, **{s: s for s in lc.STATUSES}}


@bp.route("/tickets")
@page("tickets.list")
def tickets() -> Any:
    """Tickets most urgent first: an operator's or clerk's center, an approver's or
    chief's department, every center for a supervisor; not closed unless asked."""
    args = request.args
    status = args.get("status") if args.get("status") in _STATUS_FILTERS else "open"
    kind = args.get("kind") if args.get("kind") in lc.KINDS else None
    mine = args.get("mine") == "1"
    overdue = True if args.get("overdue") == "1" else None
    stmt = queries.tickets_query(principal(), clock.now(), status=_STATUS_FILTERS[status],
                                 kind=kind, overdue=overdue,
                                 owner=principal().username if mine else None)
    if status == "open":
        stmt = stmt.where(Ticket.status != lc.CLOSED)
    rows, next_cursor = _rows(stmt, args.get("cursor") or None)
    return render_template("tickets/list.html", nav="tickets", rows=rows, status=status,
                           kind=kind, mine=mine, overdue=overdue, next_cursor=next_cursor,
                           statuses=lc.STATUSES, kinds=lc.KINDS, names=names(),
                           title="工单")


@bp.route("/tickets/callbacks")
@page("tickets.callbacks")
def callbacks() -> Any:
    """What the owner must call back (回访): their answered tickets, oldest answer first."""
    stmt = queries.tickets_query(principal(), clock.now(), status=lc.ANSWERED,
                                 owner=principal().username)
    rows, next_cursor = _rows(stmt, request.args.get("cursor") or None)
    return render_template("tickets/list.html", nav="callbacks", rows=rows, status="answered",
                           kind=None, mine=True, overdue=None, next_cursor=next_cursor,
                           statuses=lc.STATUSES, kinds=lc.KINDS, names=names(),
                           title="待回访", callbacks=True)


def _ticket_page(ticket_id: uuid.UUID, *, errors: forms.Errors | None = None,
                 posted: dict[str, str] | None = None, caller: dict[str, Any] | None = None,
                 status: int = 200) -> Any:
    session = db.session()
    p = principal()
    row = services.readable_ticket(session, p, ticket_id)
    scope = services.scope_of(row)
    now = clock.now()
    ticket = queries.present(row, now, detail=True, session=session)
    can = {step: allowed(p, f"ticket.{step}", scope) and allowed(p, "tickets.act")
           for step in ("assign", "transfer", "reply", "close")}
    can["caller"] = allowed(p, "ticket.read_caller", scope)
    departments = [(d.code, d.name) for d in session.scalars(
        select(Department).order_by(Department.code))]
    staff = [(u.username, f"{u.display_name}（{names()['centers'].get(u.center_code, '')}）")
             for u in session.scalars(select(User).where(User.status == "active")
                                      .order_by(User.center_code, User.username))
             if set(services.OWNER_ROLES) & set(u.roles) and u.username != row.owner] \
        if can["transfer"] else []
    code = kept_receipt_code(row.id)
    remaining = (remaining_working_days(load_calendar(session), now, row.due_at)
                 if row.status in lc.AWAITING_ANSWER else None)
    return render_template(
        "tickets/detail.html", nav="tickets", ticket=ticket, can=can,
        departments=departments, staff=staff, errors=errors or {}, posted=posted or {},
        caller=caller, code=receipts.shown(code) if code else None, remaining=remaining,
        outcomes=lc.OUTCOMES, names=names()), status


@bp.route("/tickets/<uuid:ticket_id>")
@page("tickets.view")
def ticket(ticket_id: uuid.UUID) -> Any:
    return _ticket_page(ticket_id)


_STEPS = {
    "assign": (AssignSchema, ("department", "note"), "已交办"),
    "transfer": (TransferSchema, ("to_user", "reason"), "已转办"),
    "reply": (ReplySchema, ("content",), "已答复"),
    "close": (CloseSchema, ("outcome", "note"), "已记录回访结果"),
}


@bp.route("/tickets/<uuid:ticket_id>/<any(assign, transfer, reply, close):step>",
          methods=["POST"])
@page("tickets.act")
def ticket_step(ticket_id: uuid.UUID, step: str) -> Any:
    schema, inputs, done = _STEPS[step]
    # A ticket out of the caller's reach, or a step not theirs, is refused before anything
    # posted is read (never a form's errors about a ticket one may not act on).
    services.ticket_in_reach(db.session(), principal(), ticket_id, f"ticket.{step}")
    posted = request.form.to_dict()
    raw: dict[str, Any] = {name: forms.text(request.form, f"{step}.{name}") for name in inputs}
    raw = {k: v for k, v in raw.items() if v is not None}
    raw["version"] = forms.integer_or_text(posted.get("version", ""))
    session = db.session()
    try:
        body = forms.load(schema(), raw)
        p = principal()
        if step == "assign":
            row = services.assign_ticket(session, p, ticket_id, body["department"],
                                         body.get("note"), body["version"])
        elif step == "transfer":
            row = services.transfer_ticket(session, p, ticket_id, body["to_user"],
                                           body["reason"], body["version"])
        elif step == "reply":
            row = services.reply_ticket(session, p, ticket_id, body["content"], body["version"])
        else:
            row = services.close_ticket(session, p, ticket_id, body["outcome"],
                                        body.get("note"), body["version"])
    except ValidationFailed as exc:
        session.rollback()
        errors = {f"{step}.{k}" if k in inputs else k: v for k, v in (exc.errors or {}).items()}
        return _ticket_page(ticket_id, errors=forms.place(errors, [f"{step}.{i}" for i in inputs]),
                            posted=posted, status=422)
    except (Conflict, StateConflict) as exc:
        flash(exc.detail, "error")
        return redirect(url_for("web.ticket", ticket_id=ticket_id))
    if step == "close" and row.status == lc.REOPENED:
        flash(f"工单 {row.number} 回访不满意，已重新办理，新的答复期限已计算")
    else:
        flash(f"工单 {row.number} {done}")
    if row.owner != principal().username and not allowed(principal(), "ticket.read",
                                                          services.scope_of(row)):
        return redirect(url_for("web.tickets"))
    return redirect(url_for("web.ticket", ticket_id=ticket_id))


@bp.route("/tickets/<uuid:ticket_id>/caller", methods=["POST"])
@page("tickets.view_caller")
def ticket_caller(ticket_id: uuid.UUID) -> Any:
    """The caller unmasked, on request only (a POST), for the callback; audited."""
    caller = services.caller_in_clear(db.session(), principal(), ticket_id)
    return _ticket_page(ticket_id, caller=caller)
