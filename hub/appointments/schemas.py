"""Appointments' API shapes."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from hub import fields
from hub.appointments.models import STATUSES
from hub.appointments.slots import SLOTS
from hub.approvals.schemas import ApplicantSchema, LocalDateTime, MaskedApplicantSchema
from hub.directory.schemas import CODE

ITEM_CODE = validate.Length(min=1, max=64)


class SlotQuerySchema(ma.Schema):
    center = fields.Text(required=True, validate=CODE)
    service_item = fields.Text(required=True, validate=ITEM_CODE)
    date = fields.Day(required=True)


class SlotSchema(ma.Schema):
    date = fields.Day(required=True)
    slot = fields.Text(required=True, metadata={"description": "am 上午 | pm 下午"})
    capacity = ma.fields.Integer(required=True)
    free = ma.fields.Integer(required=True)
    provisional = ma.fields.Boolean(metadata={
        "description": "该年度节假日安排尚未正式公布（按法定节假日推算）"})


class BookingSchema(ma.Schema):
    center = fields.Text(required=True, validate=CODE)
    service_item = fields.Text(required=True, validate=ITEM_CODE)
    date = fields.Day(required=True)
    slot = fields.Text(required=True, validate=validate.OneOf(SLOTS))
    applicant = ma.fields.Nested(ApplicantSchema, required=True)


class BookingReceiptSchema(ma.Schema):
    number = fields.Text(required=True)
    code = fields.Text(required=True, metadata={"description": "查询码：只在此处显示一次"})
    date = fields.Day()
    slot = fields.Text()
    center = fields.Text()
    service_item = fields.Text()


class CancellationSchema(ma.Schema):
    code = fields.Text(required=True, validate=validate.Length(min=1, max=64))


class DayQuerySchema(ma.Schema):
    center = fields.Text(validate=CODE)
    date = fields.Day()
    status = fields.Text(validate=validate.OneOf(STATUSES))


class AppointmentSchema(ma.Schema):
    number = fields.Text(required=True)
    center = fields.Text(required=True)
    service_item = fields.Text(required=True)
    date = fields.Day(required=True)
    slot = fields.Text(required=True)
    status = fields.Text(required=True, metadata={
        "description": "booked | cancelled | arrived | no_show"})
    applicant = ma.fields.Nested(MaskedApplicantSchema, required=True)
    booked_at = LocalDateTime(required=True)
    cancelled_at = LocalDateTime(allow_none=True)
    marked_at = LocalDateTime(allow_none=True)
    marked_by = fields.Text(allow_none=True)
    version = ma.fields.Integer()


class PublicAppointmentSchema(ma.Schema):
    """What the holder of the code sees after cancelling."""

    number = fields.Text(required=True)
    status = fields.Text(required=True)
    date = fields.Day(required=True)
    slot = fields.Text(required=True)
    center = fields.Text(required=True)
    service_item = fields.Text(required=True)


class AppointmentPeriodSchema(ma.Schema):
    from_ = fields.Day(data_key="from")
    to = fields.Day()


class AppointmentFiguresSchema(ma.Schema):
    center = fields.Text(required=True)
    name = fields.Text(required=True)
    booked = ma.fields.Integer(required=True, metadata={"description": "预约日在期间内的预约（含已取消）"})
    cancelled = ma.fields.Integer(required=True)
    arrived = ma.fields.Integer(required=True)
    no_show = ma.fields.Integer(required=True, metadata={
        "description": "爽约：标记为未到，或预约日已过仍未到场"})
    upcoming = ma.fields.Integer(required=True)
    no_show_rate = ma.fields.Float(allow_none=True, required=True, metadata={
        "description": "no_show / (arrived + no_show)；分母为 0 时为 null"})


class AppointmentFiguresPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AppointmentFiguresSchema), required=True)
