"""Reading cases and tasks: the list filters (plain indexed SQL), the cards shown,
and what each caller is shown of a case."""
from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, null, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from hub import privacy, text
from hub.approvals import cards, mapping, routing
from hub.approvals.forms import department_fields, shown_answers, shown_change
from hub.approvals.models import (
    SOURCE_SYNC, Application, ApprovalTask, DeadlineWarning, Notification)
from hub.audit.models import AuditRecord
from hub.errors import PermissionDenied
from hub.permissions import Principal, Scope, allowed, require


def card_column(now: dt.datetime, due_at: Any, yellow_at: Any,
                stopped: ColumnElement[bool] | None = None) -> Any:
    """``cards.card`` as a SQL ``CASE`` over columns (NULL for no card, yellow, red), so
    the open cases and tasks are counted by card in the database; ``stopped`` is the
    condition under which the clock stands."""
    whens: list[tuple[Any, Any]] = [] if stopped is None else [(stopped, null())]
    whens += [(due_at.is_(None), null()),
              (card_reached(cards.RED, now, due_at, yellow_at), cards.RED),
              (card_reached(cards.YELLOW, now, due_at, yellow_at), cards.YELLOW)]
    return case(*whens, else_=null())


def card_reached(level: str, now: dt.datetime, due_at: Any, yellow_at: Any
                 ) -> ColumnElement[bool]:
    """``cards.reached`` over columns: the threshold of ``level`` crossed at ``now``."""
    if level == cards.RED:
        return due_at < cards.overdue_before(now)  # type: ignore[no-any-return]
    return yellow_at <= now  # type: ignore[no-any-return]


def card_showing(level: str, now: dt.datetime, due_at: Any, yellow_at: Any
                 ) -> ColumnElement[bool]:
    """``cards.card(...) == level`` for a running clock, as plain range conditions that
    the indexes on ``due_at`` and ``yellow_at`` serve."""
    if level == cards.RED:
        return card_reached(cards.RED, now, due_at, yellow_at)
    return and_(card_reached(cards.YELLOW, now, due_at, yellow_at),
                due_at >= cards.overdue_before(now))


def _case_card(now: dt.datetime, level: str) -> Any:
    return and_(Application.status == routing.IN_REVIEW,
                card_showing(level, now, Application.due_at, Application.yellow_at))


def _task_card(now: dt.datetime, level: str) -> Any:
    # A pending task of a case waiting for a supplement has its clock stopped.
    return and_(ApprovalTask.status == routing.PENDING, Application.status == routing.IN_REVIEW,
                card_showing(level, now, ApprovalTask.due_at, ApprovalTask.yellow_at))


def _step_showing(now: dt.datetime, level: str) -> Any:
    """Some running step of the case shows ``level``."""
    return (select(ApprovalTask.id)
            .where(ApprovalTask.application_id == Application.id,
                   ApprovalTask.status == routing.PENDING,
                   card_showing(level, now, ApprovalTask.due_at, ApprovalTask.yellow_at))
            .correlate(Application).exists())


def shown_card(now: dt.datetime, level: str) -> Any:
    """``worst_card(...)[0] == level`` in SQL: the card a case shows in the lists and on its
    page, the worst of its own and its running steps' (red: its own or a step's is red;
    yellow: neither is red and its own or a step's is yellow)."""
    red = or_(card_showing(cards.RED, now, Application.due_at, Application.yellow_at),
              _step_showing(now, cards.RED))
    if level == cards.RED:
        return and_(Application.status == routing.IN_REVIEW, red)
    yellow = or_(card_showing(cards.YELLOW, now, Application.due_at, Application.yellow_at),
                 _step_showing(now, cards.YELLOW))
    return and_(Application.status == routing.IN_REVIEW, ~red, yellow)


def applications_query(actor: Principal, now: dt.datetime, *, center: str | None = None,
                       status: str | None = None, warning: str | None = None,
                       shown: str | None = None) -> Select[tuple[Application]]:
    """Cases a clerk (own center) or a supervisor (any) may list, newest first.
    ``warning``: those whose own card (the API's ``warning``) is that level; ``shown``:
    those that show that card (``worst_warning``, what the pages show)."""
    if center is None and not actor.has_role("supervisor"):
        center = actor.center
    if center is not None:
        require(actor, "application.list_center", Scope(center=center))
    stmt = (select(Application).where(Application.deleted_at.is_(None))
            .options(selectinload(Application.tasks)))
    if center is not None:
        stmt = stmt.where(Application.center_code == center)
    if status:
        stmt = stmt.where(Application.status == status)
    if warning:
        stmt = stmt.where(_case_card(now, warning))
    if shown:
        stmt = stmt.where(shown_card(now, shown))
    return stmt


# A resident ID number as a counter types it (15 digits for the old cards).
_ID_LIKE = re.compile(r"^([0-9]{17}[0-9X]|[0-9]{15})$")


def search_condition(q: str, company_fields: Mapping[str, str]) -> ColumnElement[bool]:
    """What a counter's search box finds: a whole ID number through its look-up hash
    (never compared in clear: the column holds only ciphertext and the keyed hash), else
    a part of the case number, of the applicant's name, or of the company's name (the
    field ``company_fields`` names for each item)."""
    digits = text.ascii_digits(q).upper()
    if _ID_LIKE.match(digits):
        return Application.applicant_id_hash == privacy.cipher().lookup_hash(digits)
    needle = q.strip()
    found: list[ColumnElement[bool]] = [
        Application.number.contains(needle.upper(), autoescape=True),
        Application.applicant_name.contains(needle, autoescape=True)]
    found += [and_(Application.service_item_code == item,
                   Application.form[field].as_string().contains(needle, autoescape=True))
              for item, field in company_fields.items()]
    return or_(*found)


def awaiting_supplement_count(session: Session, actor: Principal) -> int:
    """How many of the center's cases wait for the applicant's supplement (待补正): the
    window's inbox count (the open cases' partial index serves it)."""
    return session.scalar(select(func.count()).select_from(Application).where(
        Application.center_code == actor.center, Application.deleted_at.is_(None),
        Application.status == routing.SUPPLEMENT_REQUESTED)) or 0


def supplement_inbox(actor: Principal, *, open_only: bool) -> Select[tuple[Notification]]:
    """The window's supplement requests (the notifications the outbox wrote for the
    center); ``open_only``: those whose case still waits."""
    require(actor, "application.list_center", Scope(center=actor.center))
    stmt = (select(Notification)
            .join(Application, Application.id == Notification.application_id)
            .where(Notification.kind == "supplement_requested",
                   Notification.center_code == actor.center,
                   Application.deleted_at.is_(None)))
    if open_only:
        stmt = stmt.where(Application.status == routing.SUPPLEMENT_REQUESTED)
    return stmt


ME, NOBODY = "me", "none"


def tasks_query(actor: Principal, now: dt.datetime, *, status: str = routing.PENDING,
                department: str | None = None, warning: str | None = None,
                assignee: str | None = None) -> Select[tuple[ApprovalTask]]:
    """A department's queue (待办); a supervisor may look at any department or all.
    ``assignee``: ``me`` (the caller's own), ``none`` (the pool, 待领) or a username."""
    if department is None and not actor.has_role("supervisor"):
        department = actor.department
        if department is None:
            raise PermissionDenied("当前账号不属于任何部门，没有待办队列")
    if department is not None:
        require(actor, "task.list_department", Scope(department=department))
    stmt = (select(ApprovalTask).join(Application, Application.id == ApprovalTask.application_id)
            .where(Application.deleted_at.is_(None), ApprovalTask.status == status)
            .options(joinedload(ApprovalTask.application)))
    if department is not None:
        stmt = stmt.where(ApprovalTask.department_code == department)
    if warning:
        stmt = stmt.where(_task_card(now, warning))
    if assignee == NOBODY:
        stmt = stmt.where(ApprovalTask.assignee.is_(None))
    elif assignee:
        stmt = stmt.where(ApprovalTask.assignee == (actor.username if assignee == ME else assignee))
    return stmt


def worst_card(case_card: cards.Card, task_cards: list[cards.Card]) -> tuple[cards.Card, bool]:
    """The card a case shows, on its page and in every list: the worst of its own and its
    running steps' (``cards.worst``: a late step is red although the case is on time);
    and whether it is a step's."""
    shown = cards.worst(case_card, *task_cards)
    return shown, shown != cards.worst(case_card)


def history(session: Session, application_id: uuid.UUID) -> list[AuditRecord]:
    """The case's audit records, oldest first: it is its own history."""
    return list(session.scalars(select(AuditRecord)
                                .where(AuditRecord.target_id == str(application_id))
                                .order_by(AuditRecord.id)))


def warnings_of(session: Session, application_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = session.scalars(select(DeadlineWarning)
                           .where(DeadlineWarning.application_id == application_id)
                           .order_by(DeadlineWarning.raised_at, DeadlineWarning.id))
    return [{"level": w.level, "task_id": w.task_id, "department": w.department_code,
             "due_at": w.due_at, "raised_at": w.raised_at} for w in rows]


def present_task(task: ApprovalTask, now: dt.datetime) -> dict[str, Any]:
    app = task.application
    running = task.status == routing.PENDING and app.status == routing.IN_REVIEW
    return {
        "id": task.id, "application_id": task.application_id, "application_number": app.number,
        "service_item": app.service_item_code, "center": app.center_code,
        "department": task.department_code, "stage": task.stage, "status": task.status,
        "assignee": task.assignee, "opened_at": task.opened_at, "due_at": task.due_at,
        "yellow_at": task.yellow_at, "due_at_provisional": task.due_at_provisional,
        "paused_working_days": task.paused_working_days,
        "warning": cards.card(now, task.due_at, task.yellow_at, running=running),
        "decided_at": task.decided_at, "decided_by": task.decided_by, "comment": task.comment,
        "version": task.version,
    }


def readable_fields(app: Application, viewer: Principal) -> frozenset[str] | None:
    """The one visibility rule of the one form, for every place its values show (the
    case, its history, anything built from them): None when ``viewer`` reads it whole
    (the window of its center, supervisors, administrators), else the fields that name
    their department, per the form the case was accepted with."""
    if allowed(viewer, "application.read_form", mapping.scope_of(app)):
        return None
    return department_fields((app.routing or {}).get("form") or [], viewer.department or "")


def present_application(app: Application, viewer: Principal, now: dt.datetime, *,
                        history_rows: list[AuditRecord] | None = None,
                        warnings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    result = ({"number": app.result_number, "issued_at": app.result_issued_at}
              if app.result_number else None)
    readable = readable_fields(app, viewer)
    body: dict[str, Any] = {
        "id": app.id, "number": app.number, "service_item": app.service_item_code,
        "center": app.center_code, "status": app.status, "stage": app.stage,
        "source": app.source, "external_id": app.external_id,
        "read_only": app.source == SOURCE_SYNC,
        "applicant": {"name": privacy.mask_name(app.applicant_name),
                      "id_number": app.applicant_id_masked, "phone": app.applicant_phone_masked},
        "form": shown_answers(app.form, readable), "submitted_at": app.submitted_at,
        "due_at": app.due_at, "yellow_at": app.yellow_at,
        "due_at_provisional": app.due_at_provisional,
        "paused": app.status == routing.SUPPLEMENT_REQUESTED,
        "paused_working_days": app.paused_working_days, "concluded_at": app.concluded_at,
        "status_reason": app.status_reason,
        "warning": cards.card(now, app.due_at, app.yellow_at,
                              running=app.status == routing.IN_REVIEW),
        "result": result,
        "version": app.version,
        "tasks": [present_task(t, now) for t in sorted(app.tasks, key=lambda t: (
            t.stage, t.department_code))],
    }
    body["worst_warning"], body["worst_is_step"] = worst_card(
        body["warning"], [t["warning"] for t in body["tasks"]])
    if history_rows is not None:
        body["history"] = [{"at": r.at, "actor": r.actor, "action": r.action,
                            "before": shown_change(r.before, readable),
                            "after": shown_change(r.after, readable)} for r in history_rows]
    if warnings is not None:
        body["warnings"] = warnings
    return body
