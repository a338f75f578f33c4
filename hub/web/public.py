"""The public site (网上服务平台): pages for citizens, phone first, without signing in.

The centers with their address and hours, the guide of every item, the hall guide
(全景导引) with floor plans drawn from the windows, booking and cancelling an appointment,
online pre-review with upload progress, progress by number and code, the consultation
and complaint form, the rating of a concluded case. Every page goes through the same
services and schemas as the API; forms work without script, which only adds the upload
progress and sends the two call-center forms to their API.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import current_app, g, render_template, request

from hub import clock, db
from hub.appointments import services as appointments
from hub.appointments.schemas import BookingSchema
from hub.appointments.slots import SLOT_LABELS, SLOT_TIMES, bookable_days
from hub.approvals.calendar_services import load_calendar
from hub.catalog import publication
from hub.catalog.models import ServiceItem
from hub.errors import Conflict, HubError, NotFound, TooManyRequests, ValidationFailed
from hub.hall import floorplan
from hub.hall import services as hall
from hub.materials import services as materials
from hub.permissions import Principal
from hub.prereviews import services as prereviews
from hub.prereviews.schemas import PreReviewDataSchema
from hub.public import progress as progress_lookups
from hub.receipts import receipt_codes, shown
from hub.throttle.limits import limit
from hub.web import forms
from hub.web.blueprint import bp
from hub.web.present import typed_answers

APPLICANT_INPUTS = ("applicant.name", "applicant.id_number", "applicant.phone")
WEEKDAYS = "一二三四五六日"


def _citizen() -> Principal:
    return Principal.citizen(g.get("request_id"))


def _items() -> list[ServiceItem]:
    """The items the hall takes cases for (published, not 停办)."""
    return list(db.session().scalars(publication.offered_items().order_by(ServiceItem.name)))


def _item(code: str | None) -> ServiceItem | None:
    return db.session().get(ServiceItem, code) if code else None


def _day_label(day: dt.date) -> str:
    return f"{day:%Y-%m-%d}（周{WEEKDAYS[day.weekday()]}）"


def _render(template: str, status: int = 200, **context: Any) -> Any:
    return render_template(f"public/{template}", slot_labels=SLOT_LABELS,
                           slot_times=SLOT_TIMES, **context), status


def _limited(rendered: Any, refusal: HubError | None) -> Any:
    """A form refused because its limit ran out keeps what was typed, with the limit's
    own status and ``Retry-After`` (429, as the API answers), not a form error's 422."""
    if isinstance(refusal, TooManyRequests):
        return rendered[0], refusal.status, refusal.headers
    return rendered


# -- Centers, guides, the hall ------------------------------------------------------------------


@bp.route("/")
@limit("public.pages", per_address=1200, window=600)
def public_home() -> Any:
    """The public site's first page: what can be done online, and the sixteen centers."""
    return _render("home.html", nav="home", centers=hall.public_centers(db.session()))


@bp.route("/guide")
@limit("public.pages", per_address=1200, window=600)
def public_guides() -> Any:
    q = (request.args.get("q") or "").strip()[:50]
    items = [i for i in _items() if not q or q in i.name or q in i.code]
    coverage = {i.code: hall.guide_of(db.session(), i.code) for i in items}
    return _render("guides.html", nav="guide", items=items, q=q, guides=coverage)


@bp.route("/guide/<string:code>")
@limit("public.pages", per_address=1200, window=600)
def public_guide(code: str) -> Any:
    guide = hall.guide_of(db.session(), code)
    return _render("guide.html", nav="guide", guide=guide)


@bp.route("/hall")
@bp.route("/hall/<string:center>")
@limit("public.pages", per_address=1200, window=600)
def public_hall(center: str | None = None) -> Any:
    """The hall guide: a center's floor plans drawn from its windows, the windows for the
    chosen item highlighted."""
    session = db.session()
    centers = hall.public_centers(session)
    center = center or request.args.get("center") or (centers[0].code if centers else None)
    chosen = hall.get_center(session, center) if center else None
    item = _item(request.args.get("item"))
    windows = hall.windows_of(session, chosen.code) if chosen else []
    plans = floorplan.floor_plans(hall.spots(windows), item.code if item else None)
    names = {i.code: i.name for i in _items()}
    return _render("hall.html", nav="hall", centers=centers, center=chosen, item=item,
                   windows=windows, plans=plans, items=_items(), names=names)


# -- Appointments ---------------------------------------------------------------------------------


def _booking_choices(item: ServiceItem | None, center: str | None, day: dt.date | None
                     ) -> dict[str, Any]:
    """What the booking form offers: the centers whose windows take appointments for the
    item, the days that can still be booked, the slots of the chosen day."""
    session = db.session()
    centers = hall.public_centers(session)
    offering = [c for c in centers if item and hall.capacity(session, c.code, item.code) > 0]
    days = bookable_days(load_calendar(session), clock.now())
    slots: list[dict[str, Any]] = []
    problem = None
    if item and center and day:
        try:
            slots = appointments.day_slots(session, center, item.code, day)
        except ValidationFailed as exc:
            problem = next(iter((exc.errors or {}).values()), [exc.detail])[0]
    return {"centers": offering, "days": [(d.isoformat(), _day_label(d)) for d in days],
            "slots": slots, "slots_problem": problem}


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@bp.route("/book", methods=["GET", "POST"])
@limit("public.pages", per_address=1200, window=600)
def public_book() -> Any:
    """网上预约: choose the item, the center and the day, then a half-day with places
    left, then who comes. The receipt (number and code) shows once, on success."""
    values = request.values
    bookable = hall.bookable_items(db.session())
    items = [i for i in _items() if i.code in bookable]  # only what can be booked is offered
    item = _item(values.get("item"))
    center = values.get("center") or None
    day = _date(values.get("date"))
    errors: forms.Errors = {}
    refusal: HubError | None = None
    key = values.get("idempotency_key") or uuid.uuid4().hex
    if values.get("item") and (item is None or item.code not in {i.code for i in items}):
        # An item that cannot be booked (or is not offered) is refused beside 事项: the
        # citizen goes to a window, as its guide says.
        errors = {"item": [f"{item.name}暂不接受网上预约，请按办事指南到窗口办理" if item
                           else "没有这个可网上预约的事项，请从列表中选择"]}
        return _render("book.html", 422, nav="book", items=items, item=None, refused=item,
                       center=None, day=None, errors=errors, posted={}, key=key,
                       **_booking_choices(None, None, None))
    if request.method == "POST":
        body = {"center": center, "service_item": item.code if item else values.get("item"),
                "date": values.get("date"), "slot": values.get("slot"),
                "applicant": {k: v.strip() for k, v in forms.nested(request.form,
                                                                   "applicant").items()}}
        try:
            loaded = forms.load(BookingSchema(), {k: v for k, v in body.items() if v})
            booked = _book(loaded, key)
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, [*APPLICANT_INPUTS, "slot", "date", "center",
                                              "service_item"])
        except HubError as exc:
            errors, refusal = {"_schema": [exc.detail]}, exc
        else:
            a = booked.appointment
            return _render("booked.html", nav="book", appointment=a, code=shown(booked.code),
                           item=item, center=hall.get_center(db.session(), a.center_code),
                           day_label=_day_label(a.day))
    return _limited(_render("book.html", 422 if errors else 200, nav="book", items=items,
                            item=item, center=center, day=day.isoformat() if day else None,
                            errors=errors, posted=request.form, key=key,
                            **_booking_choices(item, center, day)), refusal)


@limit("public.appointments", per_address=30, window=3600)
def _book(loaded: dict[str, Any], key: str) -> appointments.Booked:
    # The page counts against the booking endpoint's own limit, as the API does.
    return appointments.book(db.session(), _citizen(), loaded, idempotency_key=f"page-{key}")


@bp.route("/book/cancel", methods=["GET", "POST"])
@limit("public.pages", per_address=1200, window=600)
def public_cancel() -> Any:
    """Cancel with the appointment's number and code."""
    errors: forms.Errors = {}
    # A GET may carry the number (the receipt's QR code); the code is only ever posted.
    number = (request.values.get("number") or "").strip()[:64]
    if request.method == "POST":
        code = request.form.get("code") or ""
        if not number or not code:
            errors = {k: ["请填写"] for k, v in (("number", number), ("code", code)) if not v}
        else:
            try:
                cancelled = _cancel(number, code)
            except (NotFound, Conflict) as exc:
                errors = {"_schema": [exc.detail]}
            else:
                return _render("cancelled.html", nav="book", appointment=cancelled,
                               day_label=_day_label(cancelled.day))
    return _render("cancel.html", 422 if errors else 200, nav="book", number=number,
                   errors=errors)


@limit("public.appointments", per_address=30, window=3600)
def _cancel(number: str, code: str) -> Any:
    return appointments.cancel(db.session(), _citizen(), number, code)


# -- Online pre-review ------------------------------------------------------------------------------


@bp.route("/prereview")
@limit("public.pages", per_address=1200, window=600)
def public_prereview_items() -> Any:
    items = [(i, hall.guide_of(db.session(), i.code)) for i in _items()]
    return _render("prereview_items.html", nav="prereview",
                   items=[(i, g_) for i, g_ in items if g_["complete"]])


def _upload_limits() -> tuple[int, int]:
    settings = current_app.config["HUB_SETTINGS"]
    return settings.upload_max_files, settings.upload_max_file_bytes


@bp.route("/prereview/<string:code>", methods=["GET", "POST"])
@limit("public.pages", per_address=1200, window=600)
def public_prereview(code: str) -> Any:
    """网上预审: the item's one form and its materials. With script, the page sends them to
    the API with a progress bar; without, this route takes the same multipart post."""
    session = db.session()
    guide = hall.guide_of(session, code)
    item = _item(code)
    centers = [c for c in hall.public_centers(session)
               if any(w["center"] == c.code for w in guide["windows"])]
    errors: forms.Errors = {}
    refusal: HubError | None = None
    posted = request.form
    if request.method == "POST":
        body = {"center": request.form.get("center") or None, "service_item": code,
                "applicant": {k: v.strip() for k, v in forms.nested(request.form,
                                                                   "applicant").items()},
                "form": typed_answers(item.form or [], forms.nested(request.form, "form"))}
        try:
            made = _prereview({k: v for k, v in body.items() if v is not None})
        except HubError as exc:
            refusal = exc
            errors = forms.place(exc.errors or {"_schema": [exc.detail]},
                                 [*APPLICANT_INPUTS, "center", "files",
                                  *(f"form.{f['name']}" for f in item.form or [])])
        else:
            return _render("prereviewed.html", nav="prereview", prereview=made.prereview,
                           code=shown(made.code), guide=guide)
    max_files, max_bytes = _upload_limits()
    file_errors = [m for k, v in errors.items() if k.split(".")[0] == "files" for m in v]
    return _limited(_render("prereview.html", 422 if errors else 200, nav="prereview",
                            guide=guide, item=item, centers=centers, errors=errors,
                            posted=posted, file_errors=file_errors, max_files=max_files,
                            max_mib=max_bytes // materials.MIB), refusal)


public_prereview.max_body = lambda settings: (  # type: ignore[attr-defined]
    settings.upload_max_files * settings.upload_max_file_bytes + settings.max_content_length)


@limit("public.prereviews", per_address=20, window=3600)
def _prereview(body: dict[str, Any]) -> prereviews.Submitted:
    loaded = forms.load(PreReviewDataSchema(), body)
    session = db.session()
    prereviews.check_data(session, loaded)
    max_files, max_bytes = _upload_limits()
    uploads = [materials.Upload(f.filename, f.stream) for f in request.files.getlist("files")
               if f.filename]
    checked = materials.check_uploads(uploads, max_files=max_files, max_bytes=max_bytes)
    return prereviews.submit(session, _citizen(), loaded, checked)


# -- Progress, consultation and complaint, rating -------------------------------------------------


@bp.route("/progress", methods=["GET", "POST"])
@limit("public.pages", per_address=1200, window=600)
def public_progress() -> Any:
    """进度查询 by number and code. A POST, so the code stays out of addresses and logs."""
    errors: forms.Errors = {}
    found = None
    # A GET may carry the number (the receipt's QR code); the code is only ever posted.
    number = (request.values.get("number") or "").strip()[:64]
    if request.method == "POST":
        code = request.form.get("code") or ""
        if not number or not code:
            errors = {k: ["请填写"] for k, v in (("number", number), ("code", code)) if not v}
        else:
            try:
                found = _lookup(number, code)
            except NotFound as exc:
                errors = {"_schema": [exc.detail]}
    return _render("progress.html", 404 if errors.get("_schema") else
                   (422 if errors else 200), nav="progress", number=number, found=found,
                   errors=errors)


@limit("public.progress", per_address=60, window=600)
def _lookup(number: str, code: str) -> Any:
    return progress_lookups.lookups().find(db.session(), receipt_codes(), number, code)


@bp.route("/ask")
@limit("public.pages", per_address=1200, window=600)
def public_ask() -> Any:
    """The consultation and complaint form (网上咨询、投诉); the page's script sends it to
    ``POST /api/v1/public/tickets``."""
    return _render("ask.html", nav="ask", centers=hall.public_centers(db.session()))


@bp.route("/rate")
@limit("public.pages", per_address=1200, window=600)
def public_rate() -> Any:
    """Rating a concluded case or an answered ticket (好差评); the page's script sends it
    to ``POST /api/v1/public/ratings``."""
    return _render("rate.html", nav="rate", number=(request.args.get("number") or "")[:40])
