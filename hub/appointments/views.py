"""HTTP views of appointments: citizens book and cancel without signing in; the clerk of
the center keeps the day's list; officials read the no-shows."""
from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from hub import db, idempotency
from hub.appointments import services
from hub.appointments.models import Appointment
from hub.appointments.schemas import (
    AppointmentFiguresPageSchema,
    AppointmentSchema,
    BookingSchema,
    CancellationSchema,
    DayQuerySchema,
    AppointmentPeriodSchema,
    PublicAppointmentSchema,
    BookingReceiptSchema,
    SlotQuerySchema,
    SlotSchema,
)
from hub.directory.auth import current_principal, requires
from hub.pagination import PageArgs, page_schema, paginate
from hub.permissions import Principal
from hub.receipts import shown
from hub.throttle.limits import limit

blp = Blueprint("appointments", __name__, url_prefix="/api/v1",
                description="网上预约：工作日半天时段，按窗口接待能力预约，凭查询码取消；窗口核到、爽约")

PUBLIC = {"security": []}


def citizen() -> Principal:
    return Principal.citizen(g.get("request_id"))


@blp.route("/public/appointments/slots")
class Slots(MethodView):
    @limit("public.reads", per_address=600, window=600)
    @blp.doc(**PUBLIC)
    @blp.arguments(SlotQuerySchema, location="query")
    @blp.response(200, SlotSchema(many=True))
    def get(self, query: dict[str, Any]) -> Any:
        """The half-day slots of a working day for an item at a center, with the places
        left. A past date or a day that is not a working day is 422."""
        return services.day_slots(db.session(), query["center"], query["service_item"],
                                  query["date"])


@blp.route("/public/appointments")
class Bookings(MethodView):
    @limit("public.appointments", per_address=30, window=3600)
    @blp.doc(**PUBLIC)
    @blp.arguments(BookingSchema)
    @blp.response(201, BookingReceiptSchema)
    @blp.alt_response(409, description="时段已约满；或同一证件号码同一事项已有有效预约（不透露该预约）")
    @blp.alt_response(422, description="非工作日、已过去的日期或时段、证件号码校验位不符等")
    def post(self, body: dict[str, Any]) -> Any:
        """Book a half-day slot: 201 with the number and the receipt code (查询码, shown in
        this response only). With an ``Idempotency-Key`` a replay returns the same
        appointment with a new code (the first one is void)."""
        booked = services.book(db.session(), citizen(), body,
                               idempotency_key=idempotency.key_from_request())
        a = booked.appointment
        headers = {"Idempotent-Replayed": "true"} if booked.replayed else {}
        return ({"number": a.number, "code": shown(booked.code), "date": a.day, "slot": a.slot,
                 "center": a.center_code, "service_item": a.service_item_code}, 201, headers)


@blp.route("/public/appointments/<string:number>/cancel")
class Cancellation(MethodView):
    @limit("public.appointments", per_address=30, window=3600)
    @blp.doc(**PUBLIC)
    @blp.arguments(CancellationSchema)
    @blp.response(200, PublicAppointmentSchema)
    @blp.alt_response(404, description="预约号不存在或查询码不正确（两者不作区分）")
    def post(self, body: dict[str, Any], number: str) -> Any:
        """Cancel with the receipt code, before the half-day begins; the place is free again."""
        a = services.cancel(db.session(), citizen(), number, body["code"])
        return {"number": a.number, "status": a.status, "date": a.day, "slot": a.slot,
                "center": a.center_code, "service_item": a.service_item_code}


@blp.route("/appointments")
class DayList(MethodView):
    @requires("appointments.list")
    @blp.arguments(DayQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(AppointmentSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """A center's appointments of a day (the clerk's own center; today by default),
        morning first."""
        stmt = services.day_query(current_principal(), query.get("center"), query.get("date"),
                                  query.get("status"))
        result = paginate(db.session(), stmt, [Appointment.slot, Appointment.number],
                          limit=page["limit"], cursor=page["cursor"])
        result["items"] = [services.present(a) for a in result["items"]]
        return result


@blp.route("/appointments/<string:number>/arrive")
class Arrival(MethodView):
    @requires("appointments.list")
    @blp.response(200, AppointmentSchema)
    @blp.alt_response(409, description="不是预约状态，或还没到预约的日子")
    def post(self, number: str) -> Any:
        """The citizen came: noted by the clerk of the appointment's center."""
        return services.present(services.mark(db.session(), current_principal(), number,
                                              "arrived"))


@blp.route("/appointments/<string:number>/no-show")
class NoShow(MethodView):
    @requires("appointments.list")
    @blp.response(200, AppointmentSchema)
    @blp.alt_response(409, description="不是预约状态，或时段还没开始")
    def post(self, number: str) -> Any:
        """The citizen did not come (爽约): noted once the half-day has begun."""
        return services.present(services.mark(db.session(), current_principal(), number,
                                              "no_show"))


@blp.route("/supervision/appointments")
class Figures(MethodView):
    @requires("public_services.read")
    @blp.arguments(AppointmentPeriodSchema, location="query")
    @blp.response(200, AppointmentFiguresPageSchema)
    def get(self, period: dict[str, Any]) -> Any:
        """Per center, appointments whose day lies in the period (dates inclusive; all
        time without them): booked, cancelled, arrived, no-shows and the no-show rate."""
        return {"items": services.figures(db.session(), period.get("from_"), period.get("to"))}
