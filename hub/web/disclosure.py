"""Government information disclosure pages: the disclosure desk (register a request, work
it on its statutory clock: supplement, resubmission, extension, answer), the officials'
annual report with its downloads, and the administrator's figures of each year. Every
write goes through ``hub.disclosure`` with the API's own schemas."""
from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from flask import Response, flash, redirect, render_template, request, url_for

from hub import clock, db
from hub.approvals.calendar import end_of_day
from hub.approvals.calendar_services import load_calendar
from hub.disclosure import annual, limits, rendering, services
from hub.disclosure.categories import CHANNELS, ORGANISATION_KINDS, OUTCOMES, REQUESTER_KINDS
from hub.disclosure.models import ANSWERED, OPEN, WAITING
from hub.disclosure.report import REVIEW_KINDS, REVIEW_RESULTS
from hub.disclosure.schemas import (
    DisclosureAnswerSchema,
    DisclosureExtensionSchema,
    DisclosureRegistrationSchema,
    DisclosureReportSchema,
    DisclosureResubmissionSchema,
    DisclosureSupplementSchema,
    DisclosureYearFiguresSchema,
)
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.pagination import paginate
from hub.permissions import allowed
from hub.web import forms
from hub.web.blueprint import bp, page, principal
from hub.web.present import names, remaining_working_days

REGISTRATION_INPUTS = ("channel", "requester.kind", "requester.organisation_kind",
                       "requester.name", "requester.contact", "description", "received_on")
# Each step: what it reads, and who may take it (the one permission table's action).
_STEPS = {"supplement": (DisclosureSupplementSchema, ("reason", "on"),
                         "disclosure_request.supplement"),
          "resubmit": (DisclosureResubmissionSchema, ("on",), "disclosure_request.supplement"),
          "extend": (DisclosureExtensionSchema, ("reason", "on"), "disclosure_request.extend"),
          "answer": (DisclosureAnswerSchema, ("outcome", "reason", "answered_on"),
                     "disclosure_request.answer")}


def _choices() -> dict[str, Any]:
    return {"channels": list(CHANNELS.items()), "kinds": list(REQUESTER_KINDS.items()),
            "organisation_kinds": list(ORGANISATION_KINDS.items()), "outcomes": OUTCOMES,
            "outcome_choices": [(o.code, o.label) for o in OUTCOMES]}


# -- The desk ---------------------------------------------------------------------------------


@bp.route("/disclosure")
@page("disclosure_requests.list")
def disclosure_requests() -> Any:
    """The requests in progress, most urgent first, then those waiting for the requester,
    then the latest answered."""
    session, today, p = db.session(), services.today(), principal()
    cal = load_calendar(session)
    lists = {}
    for status, limit in ((OPEN, 200), (WAITING, 100), (ANSWERED, 20)):
        columns, descending = services.ORDER[status]
        found = paginate(session, services.requests_query(p, today, status=status), columns,
                         limit=limit, cursor=None, descending=descending)
        rows = [services.present(r, today, cal) for r in found["items"]]
        for row in rows:
            row["remaining"] = (remaining_working_days(cal, clock.now(), end_of_day(row["due_on"]))
                                if row["due_on"] and status == OPEN else None)
        lists[status] = rows
    return render_template("disclosure/list.html", nav="disclosure", lists=lists,
                           names=names(), **_choices())


@bp.route("/disclosure/new", methods=["GET", "POST"])
@page("disclosure_requests.register")
def disclosure_new() -> Any:
    """Register a request received by any channel (a paper one with its real date)."""
    errors: forms.Errors = {}
    posted: dict[str, str] = {"received_on": services.today().isoformat(), "channel": "in_person",
                              "requester.kind": "person"}
    key = request.form.get("idempotency_key") or uuid.uuid4().hex
    if request.method == "POST":
        posted = request.form.to_dict()
        requester = {k: v.strip() for k, v in forms.nested(request.form, "requester").items()
                     if v.strip()}
        raw = {"channel": posted.get("channel", ""), "requester": requester,
               "description": posted.get("description", ""),
               "received_on": posted.get("received_on", "")}
        try:
            body = forms.load(DisclosureRegistrationSchema(), raw)
            req, _ = services.register_request(db.session(), principal(), body,
                                               idempotency_key=f"page-{key}")
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, REGISTRATION_INPUTS)
        except Conflict as exc:
            errors = {"_schema": [exc.detail]}
        else:
            flash(f"已登记，申请编号 {req.number}，答复期限 {req.due_on}")
            return redirect(url_for("web.disclosure_request", request_id=req.id))
    return render_template("disclosure/new.html", nav="disclosure", posted=posted, errors=errors,
                           key=key, **_choices()), 422 if errors else 200


def _request_page(request_id: uuid.UUID, errors: forms.Errors | None = None,
                  posted: dict[str, str] | None = None, step: str | None = None,
                  requester: dict[str, str] | None = None) -> Any:
    session, p = db.session(), principal()
    req = services.readable_request(session, p, request_id)
    today, cal = services.today(), load_calendar(session)
    shown = services.present(req, today, cal, history_of=session)
    scope = services.scope_of(req)
    may = {action: allowed(p, f"disclosure_request.{action}", scope)
           for action in ("extend", "supplement", "answer", "read_requester")}
    remaining = (remaining_working_days(cal, clock.now(), end_of_day(req.due_on))
                 if req.due_on and req.status == OPEN else None)
    # A supplement request is offered only while the domain's window is open (art. 30).
    supplement_open = (req.status == OPEN and req.supplement_requested_on is None
                       and limits.supplement_possible(cal, req.received_on, today))
    return render_template("disclosure/detail.html", nav="disclosure", r=shown, may=may,
                           remaining=remaining, supplement_open=supplement_open,
                           errors=errors or {}, posted=posted or {},
                           step=step, today=today, requester=requester, names=names(),
                           **_choices()), 422 if errors else 200


@bp.route("/disclosure/<uuid:request_id>")
@page("disclosure_requests.list")
def disclosure_request(request_id: uuid.UUID) -> Any:
    return _request_page(request_id)


@bp.route("/disclosure/<uuid:request_id>/requester", methods=["POST"])
@page("disclosure_requests.read_requester")
def disclosure_requester(request_id: uuid.UUID) -> Any:
    """The requester unmasked, on request only (a POST); the look is audited."""
    clear = services.requester_in_clear(db.session(), principal(), request_id)
    return _request_page(request_id, requester=clear)


@bp.route("/disclosure/<uuid:request_id>/<any(supplement, resubmit, extend, answer):step>",
          methods=["POST"])
@page()
def disclosure_step(request_id: uuid.UUID, step: str) -> Any:
    schema, inputs, action = _STEPS[step]
    session, p = db.session(), principal()
    # A request out of the caller's reach, or a step not theirs, is refused before anything
    # posted is read (never a form's errors about a request one may not act on).
    services.request_in_reach(session, p, request_id, action)
    posted = request.form.to_dict()
    raw = {k: posted[k].strip() for k in inputs if posted.get(k, "").strip()}
    try:
        body = forms.load(schema(), raw)
        if step == "supplement":
            req = services.request_supplement(session, p, request_id, body["reason"], body["on"])
        elif step == "resubmit":
            req = services.resubmit_request(session, p, request_id, body["on"])
        elif step == "extend":
            req = services.extend_request(session, p, request_id, body["reason"], body["on"])
        else:
            req = services.answer_request(session, p, request_id, body["outcome"],
                                          body["reason"], body["answered_on"])
    except ValidationFailed as exc:
        return _request_page(request_id, forms.place(exc.errors, inputs), posted, step)
    except Conflict as exc:
        flash(exc.detail, "error")
        return redirect(url_for("web.disclosure_request", request_id=request_id))
    flash({"supplement": f"已告知申请人补正，{req.number} 暂停计时",
           "resubmit": f"已收到补正后的申请，答复期限 {req.due_on}",
           "extend": f"已延长答复期限至 {req.due_on}",
           "answer": f"已答复申请 {req.number}"}[step])
    return redirect(url_for("web.disclosure_request", request_id=request_id))


# -- The officials' report ----------------------------------------------------------------------


def _report_year() -> int:
    today = services.today()
    try:
        year = int(request.args.get("year") or today.year - 1)
    except ValueError:
        year = today.year - 1
    return year


@bp.route("/dashboard/disclosure")
@page("disclosure.report")
def disclosure_report() -> Any:
    """Any year's report as a page, with its downloads."""
    year, today = _report_year(), services.today()
    try:
        report = DisclosureReportSchema().dump(
            annual.build_report(db.session(), principal(), year))
    except ValidationFailed as exc:
        flash("；".join(m for ms in (exc.errors or {}).values() for m in ms), "error")
        return redirect(url_for("web.disclosure_report"))
    return render_template("disclosure/report.html", nav="disclosure_report", report=report,
                           body=rendering.html_fragment(report), year=year,
                           years=range(today.year, annual.FIRST_YEAR - 1, -1))


@bp.route("/dashboard/disclosure/<int:year>.<any(docx, html):fmt>")
@page("disclosure.report")
def disclosure_report_file(year: int, fmt: str) -> Any:
    report = DisclosureReportSchema().dump(annual.build_report(db.session(), principal(), year))
    if fmt == "html":
        return Response(rendering.html_document(report), mimetype="text/html")
    response = Response(rendering.docx_bytes(report), mimetype=rendering.DOCX_MIMETYPE)
    filename = f"{report['title']}{'（年度未结束）' if report['open'] else ''}.docx"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"disclosure-{year}.docx\"; filename*=UTF-8''{quote(filename)}")
    return response


# -- The administrator's figures ----------------------------------------------------------------

_COUNT_INPUTS = ([f"proactive.{k}.{p}" for k in ("regulations", "normative_documents")
                  for p in ("made", "abolished", "in_force")]
                 + ["proactive.licences", "proactive.penalties", "proactive.coercions"]
                 + [f"reviews.{k}.{r}" for k, _ in REVIEW_KINDS for r, _ in REVIEW_RESULTS])
_YEAR_INPUTS = (*_COUNT_INPUTS, "proactive.fees", "processing_fees", "problems",
                "other_matters")


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        target = out
        *parents, last = key.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return out


def _posted_figures(form: Any) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name in _COUNT_INPUTS:
        raw = form.get(name, "").strip()
        flat[name] = int(raw) if raw.isdigit() else (raw or 0)
    for name in ("proactive.fees", "processing_fees"):
        flat[name] = form.get(name, "").strip() or "0"
    for name in ("problems", "other_matters"):
        flat[name] = form.get(name) or None
    return _nest(flat)


def _flat(figures: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, name + "."))
        elif value is not None:
            out[name] = str(value)
    return out


@bp.route("/admin/disclosure", methods=["GET", "POST"])
@page("disclosure.years.write")
def admin_disclosure() -> Any:
    """The year's proactive disclosure counts, reconsiderations and lawsuits, and the
    texts of sections 五 and 六."""
    year, today = _report_year(), services.today()
    session, errors = db.session(), {}
    if request.method == "POST":
        try:
            year = int(request.form.get("year", ""))
            body = forms.load(DisclosureYearFiguresSchema(), _posted_figures(request.form))
            annual.keep_year(session, principal(), year, body)
        except ValueError:
            raise NotFound("年份无效") from None
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, ("year", *_YEAR_INPUTS))
            values = request.form.to_dict()
        else:
            flash(f"已保存 {year} 年度政务公开年报数据")
            return redirect(url_for("web.admin_disclosure", year=year))
    if not errors:
        annual.check_year(year, today)
        values = _flat(DisclosureYearFiguresSchema().dump(annual.year_figures(session, year)))
    return render_template("disclosure/admin_year.html", nav="admin_disclosure", year=year,
                           values=values, errors=errors, review_kinds=REVIEW_KINDS,
                           review_results=REVIEW_RESULTS,
                           years=range(today.year, annual.FIRST_YEAR - 1, -1)), \
        422 if errors else 200
