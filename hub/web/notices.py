"""Supervision notices (督办) in the pages: an official issues one from the warnings list
or a case; the department reads it in its queue and answers it; everyone concerned sees
it on the case. Every write goes through ``hub.supervision.notices`` with the API's
schemas."""
from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from hub import clock, db
from hub.approvals import services as approvals
from hub.domain_errors import StateConflict
from hub.errors import Conflict, ValidationFailed
from hub.pagination import paginate
from hub.supervision import notices
from hub.supervision.models import SupervisionNotice
from hub.supervision.notices import DEFAULT_ANSWER_DAYS
from hub.supervision.schemas import NoticeAnswerSchema, NoticeIssueSchema
from hub.web import forms
from hub.web.blueprint import bp, page, principal
from hub.web.present import names

ISSUE_INPUTS = ("department", "content", "answer_days")


def _presented(found: list[SupervisionNotice]) -> list[dict[str, Any]]:
    now = clock.now()
    numbers = notices.case_numbers(db.session(), found)
    return [notices.present_notice(n, now, numbers.get(n.application_id)) for n in found]


def department_notices(limit: int = 20) -> list[dict[str, Any]]:
    """The open notices of the signed-in member of staff's department, most urgent first
    (the queue shows them above the tasks)."""
    p = principal()
    if not p.has_role("approver", "chief") or not p.department:
        return []
    stmt = notices.notices_query(p, clock.now(), status=notices.OPEN).order_by(
        SupervisionNotice.due_at, SupervisionNotice.id).limit(limit)
    return _presented(list(db.session().scalars(stmt)))


def case_notices(application_id: uuid.UUID) -> list[dict[str, Any]]:
    """A case's notices, oldest first, for whoever may read the case."""
    stmt = notices.notices_query(principal(), clock.now(), application_id=application_id)
    return _presented(list(db.session().scalars(
        stmt.order_by(SupervisionNotice.issued_at, SupervisionNotice.id))))


@bp.route("/notices")
@page("notices.read")
def notice_list() -> Any:
    """Notices, newest first: officials all, a department its own, a window its center's."""
    args = request.args
    status = args.get("status") if args.get("status") in (notices.OPEN, notices.ANSWERED) \
        else None
    overdue = True if args.get("overdue") == "1" else None
    stmt = notices.notices_query(principal(), clock.now(), status=status, overdue=overdue)
    result = paginate(db.session(), stmt, [SupervisionNotice.issued_at, SupervisionNotice.id],
                      limit=50, cursor=args.get("cursor") or None, descending=True)
    return render_template("notices/list.html", nav="notices", rows=_presented(result["items"]),
                           result=result, status=status, overdue=overdue, names=names())


@bp.route("/notices/new", methods=["GET", "POST"])
@page("notices.issue")
def notice_new() -> Any:
    """The notice form for one case: which of its departments, what to explain, by when."""
    session = db.session()
    raw_id = request.values.get("application", "")
    try:
        application_id = uuid.UUID(raw_id)
    except ValueError:
        raise ValidationFailed({"application": ["请从预警清单或办件页面发起督办"]}) from None
    app = approvals.readable_application(session, principal(), application_id)
    pending = notices.pending_departments(app)
    departments = sorted({t.department_code for t in app.tasks})
    errors: forms.Errors = {}
    values = {"department": pending[0] if pending else "", "content": "",
              "answer_days": str(DEFAULT_ANSWER_DAYS)}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ISSUE_INPUTS}
        try:
            body = forms.load(NoticeIssueSchema(), {
                "application_id": str(application_id), "department": values["department"],
                "content": values["content"],
                "answer_days": forms.integer_or_text(values["answer_days"])})
            notice = notices.issue_notice(session, principal(), application_id,
                                          content=body["content"],
                                          department=body["department"],
                                          answer_days=body["answer_days"])
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, ISSUE_INPUTS)
        except (Conflict, StateConflict) as exc:
            errors = {"_schema": [exc.detail]}
        else:
            department = names()["departments"].get(notice.department_code,
                                                    notice.department_code)
            flash(f"已签发督办 {notice.number}，请{department}"
                  f"于 {clock.local(notice.due_at):%Y-%m-%d} 前书面说明")
            return redirect(url_for("web.notice", notice_id=notice.id))
    case = {"id": app.id, "number": app.number, "center": app.center_code,
            "item": app.service_item_code, "due_at": app.due_at, "status": app.status}
    return render_template("notices/new.html", nav="notices", case=case, values=values,
                           errors=errors, pending=pending, departments=departments,
                           names=names()), 422 if errors else 200


@bp.route("/notices/<uuid:notice_id>")
@page("notices.read")
def notice(notice_id: uuid.UUID, errors: forms.Errors | None = None,
           posted: dict[str, str] | None = None) -> Any:
    """A notice: what was asked, by when, and the answer; the department answers here."""
    found = notices.get_notice(db.session(), principal(), notice_id)
    shown = _presented([found])[0]
    from_department = principal().has_role("approver", "chief") \
        and principal().department == found.department_code
    return render_template("notices/detail.html", nav="notices", notice=shown,
                           can_answer=from_department and found.status == notices.OPEN,
                           errors=errors or {}, posted=posted or {},
                           names=names()), 422 if errors else 200


@bp.route("/notices/<uuid:notice_id>/answer", methods=["POST"])
@page("notices.answer")
def notice_answer(notice_id: uuid.UUID) -> Any:
    posted = request.form.to_dict()
    try:
        body = forms.load(NoticeAnswerSchema(), {
            "answer": posted.get("answer", ""),
            "version": forms.integer_or_text(posted.get("version", ""))})
        answered = notices.answer_notice(db.session(), principal(), notice_id,
                                         answer=body["answer"], version=body["version"])
    except ValidationFailed as exc:
        return notice(notice_id, forms.place(exc.errors, ("answer", "version")), posted)
    except (Conflict, StateConflict) as exc:
        flash(exc.detail, "error")
        return redirect(url_for("web.notice", notice_id=notice_id))
    flash(f"已答复督办 {answered.number}")
    return redirect(url_for("web.notice", notice_id=notice_id))
