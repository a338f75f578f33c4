"""Window clerk pages: accept a case on its one form, the center's cases, a case's page,
resubmission after a supplement request, withdrawal. Every write goes through
``hub.approvals.services`` with the API's own schemas."""
from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from hub import clock, db
from hub.approvals import cards, queries, services
from hub.approvals.calendar_services import load_calendar
from hub.approvals.models import APPLICATION_STATUSES, Application, Notification
from hub.approvals.schemas import ResubmissionSchema, SubmissionSchema, WithdrawalSchema
from hub.catalog import publication
from hub.catalog import services as catalog
from hub.catalog.models import ServiceItem
from hub.domain_errors import StateConflict
from hub.errors import Conflict, ValidationFailed
from hub.materials import services as materials
from hub.pagination import paginate
from hub.web import forms
from hub.web.blueprint import bp, page, principal
from hub.web.notices import case_notices
from hub.web.present import (
    keep_receipt_code,
    last_round_changes,
    names,
    people,
    remaining_working_days,
    typed_answers,
)

APPLICANT_INPUTS = ("applicant.name", "applicant.id_number", "applicant.phone")


def _form_inputs(fields: list[dict[str, Any]]) -> list[str]:
    return [*APPLICANT_INPUTS, *(f"form.{f['name']}" for f in fields), "service_item", "center"]


@bp.route("/cases", methods=["GET", "POST"])
@page("applications.list")
def cases() -> Any:
    """The center's cases, newest first, with their cards, paged both ways; found as a
    counter finds them: by a whole ID number, a part of the case number, of the
    applicant's name or of the company's name.

    The search is posted (a form with its CSRF token, its other pages too): an ID number
    or a name never goes into a URL, where the browser's history, the access logs of
    every proxy and the Referer of the next request would keep it. Filters without
    personal data (status, card, page) stay in the query string, and ``q`` there is
    ignored."""
    args = request.form if request.method == "POST" else request.args
    status = args.get("status") if args.get("status") in APPLICATION_STATUSES else None
    warning = args.get("warning") if args.get("warning") in cards.LEVELS else None
    q = (request.form.get("q") or "").strip()[:50] if request.method == "POST" else ""
    now = clock.now()
    session = db.session()
    stmt = queries.applications_query(principal(), now, status=status, shown=warning)
    if q:
        stmt = stmt.where(queries.search_condition(q, catalog.company_fields(session)))
    result = paginate(session, stmt, [Application.submitted_at, Application.id],
                      limit=50, cursor=args.get("cursor") or None, descending=True)
    rows = [queries.present_application(a, principal(), now) for a in result["items"]]
    return render_template("cases/list.html", nav="cases", rows=rows, q=q, status=status,
                           warning=warning, page=result, statuses=APPLICATION_STATUSES,
                           names=names())


@bp.route("/cases/supplements")
@page("applications.list")
def supplements() -> Any:
    """The window's inbox of supplement requests (补正): the cases whose applicant must
    bring more (by default) or every request, newest first, paged both ways."""
    session = db.session()
    open_only = request.args.get("view") != "all"
    result = paginate(session, queries.supplement_inbox(principal(), open_only=open_only),
                      [Notification.id], limit=50, cursor=request.args.get("cursor") or None,
                      descending=True)
    ids = {n.application_id for n in result["items"]}
    apps = {a.id: a for a in session.scalars(select(Application).where(Application.id.in_(ids)))}
    now = clock.now()
    rows = [{"notice": n, "case": queries.present_application(apps[n.application_id],
                                                              principal(), now)}
            for n in result["items"] if n.application_id in apps]
    return render_template("cases/supplements.html", nav="supplements", rows=rows, page=result,
                           view="open" if open_only else "all", names=names())


@bp.route("/cases/new")
@page("applications.submit")
def new_case() -> Any:
    """Choose the service item (办事指南 beside each)."""
    items = db.session().scalars(publication.offered_items(principal().center)
                                 .order_by(ServiceItem.code)).all()
    return render_template("cases/choose.html", nav="new_case", items=items, names=names())


@bp.route("/cases/new/<string:code>", methods=["GET", "POST"])
@page("applications.submit")
def case_form(code: str) -> Any:
    """The one form (一张表) of an item, generated from its definition."""
    session = db.session()
    item = catalog.get_item(session, code)
    refusal = publication.not_offered(item, principal().center or "")
    if refusal:
        raise Conflict(refusal)
    errors: forms.Errors = {}
    posted: dict[str, str] = {}
    key = request.form.get("idempotency_key") or uuid.uuid4().hex
    if request.method == "POST":
        posted = request.form.to_dict()
        body = {
            "service_item": item.code, "center": principal().center,
            "applicant": {k: v.strip() for k, v in forms.nested(request.form, "applicant").items()},
            "form": typed_answers(item.form or [], forms.nested(request.form, "form")),
        }
        try:
            loaded = forms.load(SubmissionSchema(), body)
            # The page's hidden key makes a double click (or a resent form) one case.
            submitted = services.submit_application(session, principal(), loaded,
                                                    idempotency_key=f"page-{key}")
        except ValidationFailed as exc:
            # The applicant's schema refuses before the one form is checked: check it
            # too (the same pure check the service runs), so every message shows at once.
            found = {**_form_problems(item.form or [], body["form"]), **(exc.errors or {})}
            errors = forms.place(found, _form_inputs(item.form or []))
        except (Conflict, StateConflict) as exc:
            errors = {"_schema": [exc.detail]}
        else:
            flash(f"已受理，办件编号 {submitted.application.number}")
            keep_receipt_code(submitted.application.id, submitted.receipt_code)
            return redirect(url_for("web.receipt", application_id=submitted.application.id))
    return render_template("cases/form.html", nav="new_case", item=item, posted=posted,
                           errors=errors, key=key, names=names()), 422 if errors else 200


def _form_problems(fields: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, list[str]]:
    try:
        services.checked_answers(fields, answers)
    except ValidationFailed as exc:
        return exc.errors or {}
    return {}


def _case_page(application_id: uuid.UUID, **extra: Any) -> Any:
    session = db.session()
    p = principal()
    app = services.readable_application(session, p, application_id)
    now = clock.now()
    case = queries.present_application(app, p, now,
                                       history_rows=queries.history(session, app.id),
                                       warnings=queries.warnings_of(session, app.id))
    cal = load_calendar(session)
    remaining = {t["id"]: remaining_working_days(cal, now, t["due_at"]) for t in case["tasks"]
                 if t["status"] == "pending"}
    case_remaining = (remaining_working_days(cal, now, case["due_at"])
                      if case["due_at"] and case["status"] == "in_review" else None)
    fields = (app.routing or {}).get("form") or []
    return render_template("cases/detail.html", nav="cases", case=case, fields=fields,
                           remaining=remaining, case_remaining=case_remaining, names=names(),
                           planned=planned_stages(app), case_notices=case_notices(app.id),
                           staff=people(t["assignee"] for t in case["tasks"]),
                           changes=last_round_changes(case, fields),
                           materials=materials.of_application(session, app.id), **extra)


def planned_stages(app: Application) -> list[tuple[int, dict[str, Any]]]:
    """The stages of the case's routing (kept from when it was accepted) not opened yet."""
    opened = max((t.stage for t in app.tasks), default=0)
    stages = (app.routing or {}).get("stages") or []
    return [(n, stage) for n, stage in enumerate(stages, start=1) if n > opened]


@bp.route("/cases/<uuid:application_id>")
@page("applications.view")
def case(application_id: uuid.UUID) -> Any:
    """A case: its tasks per stage, due dates, decisions and history."""
    return _case_page(application_id, errors={})


@bp.route("/cases/<uuid:application_id>/applicant", methods=["POST"])
@page("applications.view_applicant")
def applicant(application_id: uuid.UUID) -> Any:
    """The applicant unmasked, on request only (a POST, so a link or a prefetch never
    does it); the service records who looked, when."""
    clear = services.applicant_in_clear(db.session(), principal(), application_id)
    return _case_page(application_id, errors={}, applicant_in_clear=clear)


@bp.route("/cases/<uuid:application_id>/withdraw", methods=["POST"])
@page("applications.change")
def withdraw(application_id: uuid.UUID) -> Any:
    try:
        reason = forms.text(request.form, "reason")
        body = forms.load(WithdrawalSchema(), {"reason": reason} if reason else {})
        app = services.withdraw_application(db.session(), principal(), application_id,
                                            body["reason"])
    except ValidationFailed as exc:
        return _case_page(application_id, errors=forms.place(exc.errors, ["reason"])), 422
    except (Conflict, StateConflict) as exc:
        flash(exc.detail, "error")
        return redirect(url_for("web.case", application_id=application_id))
    flash(f"办件 {app.number} 已撤回")
    return redirect(url_for("web.case", application_id=application_id))


@bp.route("/cases/<uuid:application_id>/resubmit", methods=["GET", "POST"])
@page("applications.change")
def resubmit(application_id: uuid.UUID) -> Any:
    """After a supplement request (补正): correct the one form and send it again."""
    session = db.session()
    app = services.readable_application(session, principal(), application_id)
    fields = (app.routing or {}).get("form") or []
    errors: forms.Errors = {}
    posted = {f"form.{k}": ("true" if v is True else "false" if v is False else str(v))
              for k, v in (app.form or {}).items()}
    if request.method == "POST":
        posted = request.form.to_dict()
        try:
            body = forms.load(ResubmissionSchema(), {
                "form": typed_answers(fields, forms.nested(request.form, "form"))})
            services.resubmit_application(session, principal(), application_id, body["form"])
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, [f"form.{f['name']}" for f in fields])
        except (Conflict, StateConflict) as exc:
            errors = {"_schema": [exc.detail]}
        else:
            flash(f"办件 {app.number} 已补正并重新提交，办理时限恢复计算")
            return redirect(url_for("web.case", application_id=application_id))
    case = queries.present_application(app, principal(), clock.now())
    return render_template("cases/resubmit.html", nav="cases", case=case, fields=fields,
                           posted=posted, errors=errors, names=names()), 422 if errors else 200
