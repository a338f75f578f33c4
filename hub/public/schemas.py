"""The public progress view: the same envelope for every kind of receipt."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from hub import fields
from hub.approvals.schemas import LocalDateTime
from hub.receipts import MAX_INPUT


class ProgressArgs(ma.Schema):
    code = fields.Text(required=True, validate=validate.Length(min=1, max=MAX_INPUT),
                            metadata={"description": "回执上的查询码（如 ABCD-EFGH）"})


class PublicDepartmentStepSchema(ma.Schema):
    department = fields.Text(required=True)
    name = fields.Text(required=True)
    status = fields.Text(required=True)
    status_label = fields.Text(required=True)


class PublicStageSchema(ma.Schema):
    stage = ma.fields.Integer(required=True)
    status = fields.Text(required=True, metadata={"description": "done | current | planned"})
    steps = ma.fields.List(ma.fields.Nested(PublicDepartmentStepSchema), required=True)


class PublicReplySchema(ma.Schema):
    at = LocalDateTime(required=True)
    by = fields.Text(required=True, metadata={"description": "答复单位（不含个人姓名）"})
    content = fields.Text(required=True)


class PublicProgressSchema(ma.Schema):
    type = fields.Text(required=True, metadata={
        "description": "application | ticket | prereview | appointment | …"})
    number = fields.Text(required=True)
    status = fields.Text(required=True)
    status_label = fields.Text(required=True)
    center = fields.Text(required=True)
    center_name = fields.Text(required=True)
    service_item = fields.Text(allow_none=True)
    service_item_name = fields.Text(allow_none=True)
    name = fields.Text(allow_none=True, metadata={"description": "姓名（脱敏）"})
    received_at = LocalDateTime(required=True)
    due_at = LocalDateTime(allow_none=True)
    due_at_provisional = ma.fields.Boolean()
    concluded_at = LocalDateTime(allow_none=True)
    stages = ma.fields.List(ma.fields.Nested(PublicStageSchema))
    replies = ma.fields.List(ma.fields.Nested(PublicReplySchema))
    reasons = ma.fields.List(fields.Text())
    rateable = ma.fields.Boolean(metadata={"description": "可以评价（尚未评价且已办结或已答复）"})
    details = ma.fields.Dict(keys=fields.Text(),
                             metadata={"description": "各类回执特有的内容"})
