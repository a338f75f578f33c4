"""The ratings' API contract: a citizen's rating in, ratings and appeals out."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from hub import fields
from hub.approvals.schemas import LocalDateTime
from hub.directory.schemas import CODE
from hub.ratings.models import APPEAL_STATUSES, LEVELS
from hub.receipts import MAX_INPUT
from hub.supervision.schemas import PeriodArgs
from hub.tickets.schemas import text


class PublicRatingSchema(ma.Schema):
    number = fields.Text(required=True, validate=validate.Length(min=1, max=MAX_INPUT),
                         error_messages={"required": "请填写编号"})
    code = fields.Text(required=True, validate=validate.Length(min=1, max=MAX_INPUT),
                       error_messages={"required": "请填写查询码"})
    # No default: a rating carries the level its rater chose, or is refused.
    level = ma.fields.Integer(
        required=True, strict=True,
        error_messages={"required": "请选择评价等级", "null": "请选择评价等级"},
        validate=validate.OneOf(
            LEVELS, error="评价等级为 1–5：5 非常满意，4 满意，3 基本满意，2 不满意，1 非常不满意"))
    comment = text(1000, required=False, multiline=True)


class PublicRatingReceiptSchema(ma.Schema):
    number = fields.Text(required=True)
    level = ma.fields.Integer(required=True)
    rated_at = LocalDateTime(required=True)


class RatingQuerySchema(PeriodArgs):
    center = fields.Text(validate=CODE)
    level = ma.fields.Integer(strict=False, validate=validate.OneOf(LEVELS))
    appeal = fields.Text(validate=validate.OneOf(APPEAL_STATUSES))


class AppealSchema(ma.Schema):
    reason = text(1000, multiline=True)
    version = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                validate=validate.Range(min=1))


class AppealDecisionSchema(ma.Schema):
    decision = fields.Text(required=True, validate=validate.OneOf(("exclude", "keep")))
    comment = text(1000, multiline=True)
    version = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                validate=validate.Range(min=1))


class RectificationSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    number = fields.Text(required=True)
    status = fields.Text(required=True)
    due_at = LocalDateTime(required=True)
    closed_at = LocalDateTime(allow_none=True)


class AppealOutSchema(ma.Schema):
    status = fields.Text(required=True)
    reason = fields.Text(allow_none=True)
    by = fields.Text(allow_none=True)
    at = LocalDateTime(allow_none=True)
    decided_by = fields.Text(allow_none=True)
    decided_at = LocalDateTime(allow_none=True)
    comment = fields.Text(allow_none=True)


class RatingSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    type = fields.Text(required=True, metadata={"description": "application | ticket"})
    subject_id = ma.fields.UUID(required=True)
    number = fields.Text(required=True)
    center = fields.Text(required=True)
    department = fields.Text(allow_none=True)
    level = ma.fields.Integer(required=True)
    level_label = fields.Text(required=True)
    comment = fields.Text(allow_none=True)
    rater = fields.Text(allow_none=True, metadata={"description": "评价人（脱敏）"})
    rated_at = LocalDateTime(required=True)
    rectification = ma.fields.Nested(RectificationSchema, allow_none=True)
    appeal = ma.fields.Nested(AppealOutSchema, allow_none=True)
    excluded = ma.fields.Boolean(required=True)
    version = ma.fields.Integer(required=True)
