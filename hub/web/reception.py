"""The window's pages for the public site's work: the day's appointments with arrivals and
no-shows, the pre-reviews to check within a working day, and the hand-over of a passed
pre-review into the application; materials downloaded as the API gives them."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from hub import clock, db
from hub.appointments import services as appointments
from hub.appointments.models import Appointment
from hub.appointments.slots import SLOT_LABELS
from hub.approvals import services as approvals
from hub.approvals.calendar import local_date
from hub.catalog.models import ServiceItem
from hub.errors import Conflict, ValidationFailed
from hub.materials import services as materials
from hub.materials.views import download
from hub.pagination import paginate
from hub.prereviews import services as prereviews
from hub.prereviews.models import STATUSES as PREREVIEW_STATUSES
from hub.prereviews.models import PreReview
from hub.prereviews.schemas import PreReviewDecisionSchema
from hub.web import forms
from hub.web.blueprint import bp, page, principal
from hub.web.present import keep_receipt_code
from hub.web.present import names

APPOINTMENT_LABELS = {"booked": "已预约", "cancelled": "已取消", "arrived": "已到场",
                      "no_show": "爽约"}
PREREVIEW_LABELS = {"submitted": "待审查", "passed": "预审通过", "returned": "已退回",
                    "accepted": "已转受理"}


@bp.route("/appointments")
@page("appointments.list")
def appointments_day() -> Any:
    """The center's appointments of a day, morning first, with arrival and no-show buttons."""
    try:
        day = dt.date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        day = local_date(clock.now())
    stmt = appointments.day_query(principal(), None, day)
    rows = db.session().scalars(stmt.order_by(Appointment.slot, Appointment.number)).all()
    return render_template("reception/appointments.html", nav="appointments", day=day,
                           rows=[appointments.present(a) for a in rows], names=names(),
                           labels=APPOINTMENT_LABELS, slot_labels=SLOT_LABELS,
                           previous=day - dt.timedelta(days=1), next=day + dt.timedelta(days=1))


@bp.route("/appointments/<string:number>/arrive", methods=["POST"],
          defaults={"outcome": "arrived"})
@bp.route("/appointments/<string:number>/no-show", methods=["POST"],
          defaults={"outcome": "no_show"})
@page("appointments.list")
def appointment_mark(number: str, outcome: str) -> Any:
    try:
        marked = appointments.mark(db.session(), principal(), number, outcome)
    except Conflict as exc:
        # Marked meanwhile, or not its day: told on the day list. An appointment the clerk's
        # center does not hold is the not-found page (404), as everywhere.
        flash(exc.detail, "error")
        return redirect(url_for("web.appointments_day"))
    flash(f"预约 {marked.number}：{APPOINTMENT_LABELS[marked.status]}")
    return redirect(url_for("web.appointments_day", date=marked.day.isoformat()))


@bp.route("/prereviews")
@page("prereviews.list")
def prereviews_list() -> Any:
    """The center's pre-reviews, the most urgent first, with their cards."""
    status = request.args.get("status")
    status = status if status in PREREVIEW_STATUSES else None
    now = clock.now()
    stmt = prereviews.list_query(principal(), now, status=status)
    result = paginate(db.session(), stmt, [PreReview.due_at, PreReview.id], limit=100,
                      cursor=request.args.get("cursor") or None)
    session = db.session()
    rows = [prereviews.present(p, now, materials.of_prereview(session, p.id), form=False)
            for p in result["items"]]
    return render_template("reception/prereviews.html", nav="prereviews", rows=rows,
                           status=status, statuses=PREREVIEW_STATUSES, labels=PREREVIEW_LABELS,
                           next_cursor=result["next_cursor"], names=names())


def _prereview_page(number: str, errors: forms.Errors | None = None, status: int = 200) -> Any:
    session = db.session()
    p = prereviews.readable(session, principal(), number)
    rows = materials.of_prereview(session, p.id)
    item = session.get(ServiceItem, p.service_item_code)
    return render_template("reception/prereview.html", nav="prereviews",
                           prereview=prereviews.present(p, clock.now(), rows), fields=(
                               item.form if item else []) or [], labels=PREREVIEW_LABELS,
                           errors=errors or {}, names=names()), status


@bp.route("/prereviews/<string:number>")
@page("prereviews.list")
def prereview_detail(number: str) -> Any:
    return _prereview_page(number)


@bp.route("/prereviews/<string:number>/decision", methods=["POST"])
@page("prereviews.list")
def prereview_decision(number: str) -> Any:
    reasons = [line.strip() for line in (request.form.get("reasons") or "").splitlines()
               if line.strip()]
    try:
        body = forms.load(PreReviewDecisionSchema(), {"decision": request.form.get("decision"),
                                                      "reasons": reasons})
        decided = prereviews.decide(db.session(), principal(), number, body["decision"],
                                    body["reasons"])
    except ValidationFailed as exc:
        return _prereview_page(number, forms.place(exc.errors, ["decision", "reasons"]), 422)
    except Conflict as exc:
        flash(exc.detail, "error")
        return redirect(url_for("web.prereview_detail", number=number))
    flash(f"预审 {decided.number}：{PREREVIEW_LABELS[decided.status]}")
    return redirect(url_for("web.prereviews_list"))


@bp.route("/prereviews/<string:number>/accept", methods=["POST"])
@page("prereviews.list")
def prereview_accept(number: str) -> Any:
    """The citizen is at the window: the application, with the receipt to print."""
    try:
        submitted = prereviews.accept(db.session(), principal(), number)
    except Conflict as exc:
        flash(exc.detail, "error")
        return redirect(url_for("web.prereview_detail", number=number))
    except ValidationFailed as exc:
        return _prereview_page(number, {"_schema": [f"{k}：{'；'.join(v)}" for k, v in
                                                    (exc.errors or {}).items()]}, 422)
    app = submitted.application
    flash(f"预审 {number} 已转为正式受理，办件编号 {app.number}")
    keep_receipt_code(app.id, submitted.receipt_code)
    return redirect(url_for("web.receipt", application_id=app.id))


@bp.route("/prereviews/<string:number>/materials/<string:material_id>")
@page("prereviews.list")
def prereview_material(number: str, material_id: str) -> Any:
    session = db.session()
    p = prereviews.readable(session, principal(), number)
    material = materials.find(materials.of_prereview(session, p.id), material_id)
    return download(material, materials.content_of(session, material))


@bp.route("/cases/<uuid:application_id>/materials/<string:material_id>")
@page("applications.view")
def case_material(application_id: uuid.UUID, material_id: str) -> Any:
    session = db.session()
    app = approvals.readable_application(session, principal(), application_id)
    material = materials.find(materials.of_application(session, app.id), material_id)
    return download(material, materials.content_of(session, material))
