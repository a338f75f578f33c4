"""Supervision notices (督办): an official asks the department handling a case to explain
it in writing by a deadline of working days; the department answers once. Issuing and
answering are each one transaction with their audit record, whose target is the case
(so the notice shows in the case's history)."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Select, and_, false, select
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.approvals import cards, numbers
from hub.approvals.calendar import deadline, local_date
from hub.approvals.calendar_services import load_calendar
from hub.approvals.models import OPEN_APPLICATION_STATUSES, Application
from hub.approvals.services import load_application
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.permissions import Principal, Scope, allowed, require
from hub.supervision.models import SupervisionNotice

OPEN, ANSWERED = "open", "answered"
DEFAULT_ANSWER_DAYS = 3


def _number(session: Session, now: dt.datetime) -> str:
    """``DB-20261204-0001``: the day of issue and its sequence (督办 → DB)."""
    day = local_date(now).strftime("%Y%m%d")
    return f"DB-{day}-{numbers.next_value(session, f'notice:{day}'):04d}"


def _department_of(app: Application, department: str | None) -> str:
    """The department to answer: the one named (it must have a step on the case), or
    the only one whose step is pending now."""
    involved = {t.department_code for t in app.tasks}
    if department is not None:
        if department not in involved:
            raise ValidationFailed({"department": ["该部门在此办件中没有审批环节"]})
        return department
    pending = sorted({t.department_code for t in app.tasks if t.status == "pending"})
    if len(pending) != 1:
        raise ValidationFailed({"department": [
            "请指定督办的部门" + (f"（在办部门：{'、'.join(pending)}）" if pending else "")]})
    return pending[0]


def issue_notice(session: Session, actor: Principal, application_id: uuid.UUID, *,
                 content: str, department: str | None = None,
                 answer_days: int = DEFAULT_ANSWER_DAYS) -> SupervisionNotice:
    """An official's notice on an open case to one of its departments, to be answered by
    the end of the ``answer_days``-th working day after today. One open notice per case
    and department at a time."""
    require(actor, "notices.issue")
    app = load_application(session, application_id, lock=True)
    if app.status not in OPEN_APPLICATION_STATUSES:
        raise Conflict("办件已办结或撤回，无需督办")
    department = _department_of(app, department)
    already = session.scalar(select(SupervisionNotice.number).where(
        SupervisionNotice.application_id == app.id,
        SupervisionNotice.department_code == department, SupervisionNotice.status == OPEN))
    if already is not None:
        raise Conflict(f"该部门对此办件已有未答复的督办（{already}）")
    now = clock.now()
    due_at, provisional = deadline(load_calendar(session), now, answer_days)
    notice = SupervisionNotice(
        id=uuid.uuid4(), number=_number(session, now), application_id=app.id,
        center_code=app.center_code, department_code=department, content=content,
        status=OPEN, issued_by=actor.username, issued_at=now, answer_days=answer_days,
        due_at=due_at, due_at_provisional=provisional, version=1)
    session.add(notice)
    session.flush()
    audit.record(session, actor, "notice.issued", target_type="application",
                 target_id=app.id, center=app.center_code,
                 after={"notice": notice.number, "notice_id": notice.id,
                        "department": department, "content": content,
                        "answer_days": answer_days, "due_at": due_at})
    session.commit()
    return notice


def get_notice(session: Session, actor: Principal, notice_id: uuid.UUID, *,
               lock: bool = False) -> SupervisionNotice:
    """A notice its reader may see: officials any, a department its own, a window its
    center's; any other is "not found"."""
    stmt = select(SupervisionNotice).where(SupervisionNotice.id == notice_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    notice = session.scalars(stmt).one_or_none()
    if notice is None or not allowed(actor, "notice.read", _scope(notice)):
        raise NotFound("督办通知不存在")
    return notice


def _scope(notice: SupervisionNotice) -> Scope:
    return Scope(center=notice.center_code, department=notice.department_code)


def answer_notice(session: Session, actor: Principal, notice_id: uuid.UUID, *,
                  answer: str, version: int) -> SupervisionNotice:
    """The department's written explanation (approvers and chiefs of that department),
    once; a stale ``version`` or a second answer → 409."""
    notice = get_notice(session, actor, notice_id, lock=True)
    require(actor, "notice.answer", _scope(notice))
    if notice.status != OPEN:
        raise Conflict("该督办已答复，不能重复答复", current_version=notice.version)
    if notice.version != version:
        raise Conflict(f"督办已被他人更新（当前版本 {notice.version}），请刷新后重试",
                       current_version=notice.version)
    now = clock.now()
    notice.status, notice.answer = ANSWERED, answer
    notice.answered_by, notice.answered_at = actor.username, now
    notice.version += 1
    audit.record(session, actor, "notice.answered", target_type="application",
                 target_id=notice.application_id, center=notice.center_code,
                 before={"notice": notice.number, "status": OPEN},
                 after={"notice": notice.number, "notice_id": notice.id, "status": ANSWERED,
                        "department": notice.department_code, "answer": answer,
                        "on_time": answered_on_time(notice)})
    session.commit()
    return notice


def is_overdue(notice: SupervisionNotice, now: dt.datetime) -> bool:
    """Still unanswered after the last second of its due day."""
    return notice.status == OPEN and cards.reached(cards.RED, now, notice.due_at, None)


def answered_on_time(notice: SupervisionNotice) -> bool | None:
    if notice.answered_at is None:
        return None
    return not cards.reached(cards.RED, notice.answered_at, notice.due_at, None)


def notices_query(actor: Principal, now: dt.datetime, *, status: str | None = None,
                  department: str | None = None, center: str | None = None,
                  application_id: uuid.UUID | None = None, overdue: bool | None = None
                  ) -> Select[tuple[SupervisionNotice]]:
    """The notices ``actor`` may list: officials every one; a department's approvers and
    chiefs their department's; a window clerk their center's."""
    require(actor, "notices.read")
    stmt = select(SupervisionNotice)
    if not actor.has_role("supervisor", "admin"):
        if actor.has_role("approver", "chief") and actor.department:
            stmt = stmt.where(SupervisionNotice.department_code == actor.department)
        elif actor.has_role("clerk") and actor.center:
            stmt = stmt.where(SupervisionNotice.center_code == actor.center)
        else:
            stmt = stmt.where(false())
    if status:
        stmt = stmt.where(SupervisionNotice.status == status)
    if department:
        stmt = stmt.where(SupervisionNotice.department_code == department)
    if center:
        stmt = stmt.where(SupervisionNotice.center_code == center)
    if application_id:
        stmt = stmt.where(SupervisionNotice.application_id == application_id)
    if overdue is not None:
        late = and_(SupervisionNotice.status == OPEN,
                    SupervisionNotice.due_at < cards.overdue_before(now))
        stmt = stmt.where(late if overdue else ~late)
    return stmt


def present_notice(notice: SupervisionNotice, now: dt.datetime,
                   number: str | None = None) -> dict[str, Any]:
    """A notice as the API and pages show it (``number``: the case's, when known)."""
    return {
        "id": notice.id, "number": notice.number, "application_id": notice.application_id,
        "application_number": number, "center": notice.center_code,
        "department": notice.department_code, "content": notice.content,
        "status": notice.status, "issued_by": notice.issued_by, "issued_at": notice.issued_at,
        "answer_days": notice.answer_days, "due_at": notice.due_at,
        "due_at_provisional": notice.due_at_provisional, "overdue": is_overdue(notice, now),
        "answer": notice.answer, "answered_by": notice.answered_by,
        "answered_at": notice.answered_at, "answered_on_time": answered_on_time(notice),
        "version": notice.version,
    }


def case_numbers(session: Session, notices: list[SupervisionNotice]) -> dict[uuid.UUID, str]:
    """{application id: case number} of the notices' cases, in one query."""
    ids = {n.application_id for n in notices}
    if not ids:
        return {}
    return dict(session.execute(select(Application.id, Application.number)
                                .where(Application.id.in_(ids))).all())


def pending_departments(app: Application) -> list[str]:
    """The departments whose step of the case is pending: who a notice may go to first."""
    return sorted({t.department_code for t in app.tasks if t.status == "pending"})

