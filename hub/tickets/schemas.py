"""The call center's API contract: tickets in and out, the answer policy, the caller's
history. Times are shown in Asia/Shanghai; the caller is always masked."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from hub import fields
from hub.approvals.schemas import PHONE, HistorySchema, LocalDateTime
from hub.directory.schemas import CODE
from hub.tickets.lifecycle import KINDS, OUTCOMES, PUBLIC_KINDS, STAFF_CHANNELS, STATUSES


def text(max_length: int, *, required: bool = True, multiline: bool = False) -> fields.Text:
    """A text input of at most ``max_length`` characters (blank is absent: a required one
    is missing); ``multiline`` for free text (line breaks allowed)."""
    kind = fields.FreeText if multiline else fields.Text
    if required:
        return kind(required=True, validate=validate.Length(max=max_length))
    return kind(load_default=None, allow_none=True, validate=validate.Length(max=max_length))


class CallerSchema(ma.Schema):
    name = text(50)
    phone = fields.Phone(required=True, validate=validate.Length(max=32))

    @ma.validates("phone")
    def _phone(self, value: str, **_kwargs: Any) -> None:
        if not PHONE.match("".join(value.split())):
            raise ma.ValidationError("电话号码应为 11 位手机号或带区号的固定电话")


class PublicTicketSchema(ma.Schema):
    """What a citizen sends without signing in (channel ``web``)."""

    kind = fields.Text(required=True, validate=validate.OneOf(PUBLIC_KINDS))
    center = fields.Text(required=True, validate=CODE)
    subject = text(200)
    content = text(5000, multiline=True)
    caller = ma.fields.Nested(CallerSchema, required=True)


class TicketSubmissionSchema(PublicTicketSchema):
    """What an operator or clerk enters: the channel it came by and, optionally, the
    service item it is about."""

    channel = fields.Text(required=True, validate=validate.OneOf(STAFF_CHANNELS))
    service_item = fields.Text(load_default=None, allow_none=True,
                                    validate=validate.Length(min=1, max=64))


_VERSION = {"validate": validate.Range(min=1), "strict": True}


class AssignSchema(ma.Schema):
    department = fields.Text(required=True, validate=validate.Length(min=1, max=32))
    note = text(1000, required=False, multiline=True)
    version = ma.fields.Integer(load_default=None, allow_none=True, **_VERSION,
                                metadata={"description": "可选：给出时按乐观版本检查"})


class TransferSchema(ma.Schema):
    to_user = fields.Text(required=True, validate=validate.Length(min=1, max=64))
    reason = text(500, multiline=True)
    version = ma.fields.Integer(load_default=None, allow_none=True, **_VERSION)


class ReplySchema(ma.Schema):
    content = text(5000, multiline=True)
    version = ma.fields.Integer(required=True, **_VERSION)


class CloseSchema(ma.Schema):
    outcome = fields.Text(required=True, validate=validate.OneOf(OUTCOMES))
    note = text(2000, required=False, multiline=True)
    version = ma.fields.Integer(load_default=None, allow_none=True, **_VERSION)


class TicketQuerySchema(ma.Schema):
    center = fields.Text(validate=CODE)
    department = fields.Text(validate=validate.Length(min=1, max=32))
    status = fields.Text(validate=validate.OneOf(STATUSES))
    kind = fields.Text(validate=validate.OneOf(KINDS))
    overdue = ma.fields.Boolean(metadata={"description": "true：待答复且已超过答复期限"})
    owner = fields.Text(validate=validate.Length(min=1, max=64),
                             metadata={"description": "首问负责人（用户名）"})


def _days() -> ma.fields.Integer:
    return ma.fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=365, error="答复时限须为 1–365 个工作日"))


class PolicySchema(ma.Schema):
    """Working days to answer, per kind."""

    consultation = _days()
    complaint = _days()
    suggestion = _days()
    rectification = _days()


class CallerHistoryQuerySchema(ma.Schema):
    phone = fields.Phone(required=True, validate=validate.Length(min=1, max=32))


# -- Output ----------------------------------------------------------------------------------


class MaskedCallerSchema(ma.Schema):
    name = fields.Text(allow_none=True)
    phone = fields.Text(allow_none=True)


class ReplyOutSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    at = LocalDateTime(required=True)
    author = fields.Text(required=True)
    department = fields.Text(allow_none=True)
    content = fields.Text(required=True)


class TicketSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    number = fields.Text(required=True)
    kind = fields.Text(required=True)
    channel = fields.Text(required=True)
    center = fields.Text(required=True)
    department = fields.Text(allow_none=True, required=True)
    service_item = fields.Text(allow_none=True)
    subject = fields.Text(required=True)
    content = fields.Text(required=True)
    caller = ma.fields.Nested(MaskedCallerSchema, required=True)
    owner = fields.Text(required=True)
    status = fields.Text(required=True)
    received_at = LocalDateTime(required=True)
    due_at = LocalDateTime(required=True)
    due_at_provisional = ma.fields.Boolean(required=True)
    yellow_at = LocalDateTime()
    respond_by = LocalDateTime()
    first_action_at = LocalDateTime(allow_none=True)
    answered_at = LocalDateTime(allow_none=True)
    closed_at = LocalDateTime(allow_none=True)
    outcome = fields.Text(allow_none=True)
    reopened = ma.fields.Integer()
    warning = fields.Text(allow_none=True, metadata={"description": "null | yellow | red"})
    overdue = ma.fields.Boolean()
    version = ma.fields.Integer(required=True)
    replies = ma.fields.List(ma.fields.Nested(ReplyOutSchema), required=True)
    history = ma.fields.List(ma.fields.Nested(HistorySchema), required=True)
    receipt_code = fields.Text(metadata={
        "description": "回执码：仅在登记（201）的响应中出现一次，只保存其散列"})


class PublicTicketReceiptSchema(ma.Schema):
    number = fields.Text(required=True)
    code = fields.Text(required=True, metadata={"description": "查询码：只显示这一次"})
    due_at = LocalDateTime(required=True)


class CallerCaseSchema(ma.Schema):
    """One of the caller's earlier tickets or cases, as the operator's desk lists them."""

    type = fields.Text(required=True, metadata={"description": "ticket | application"})
    id = ma.fields.UUID(required=True)
    number = fields.Text(required=True)
    center = fields.Text(required=True)
    title = fields.Text(required=True)
    status = fields.Text(required=True)
    at = LocalDateTime(required=True)
    due_at = LocalDateTime(allow_none=True)


class CallerHistorySchema(ma.Schema):
    phone = fields.Text(required=True, metadata={"description": "脱敏"})
    items = ma.fields.List(ma.fields.Nested(CallerCaseSchema), required=True)
