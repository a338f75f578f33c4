from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from hub.fields import Period, Text


class AuditQuerySchema(Period):
    """Who, what, on which target, in which days (``hub.fields.Period``)."""

    target = Text(validate=validate.Length(min=1, max=64),
                  metadata={"description": "target_id（办件的记录以办件 id 为目标）"})
    actor = Text(validate=validate.Length(min=1, max=64))
    action = Text(
        validate=[validate.Length(min=1, max=64),
                  validate.Regexp(r"^[a-z_]+(\.[a-z_]+)*(\.\*)?$",
                                  error="动作应形如 task.approved，或以 .* 结尾表示一类（如 task.*）")],
        metadata={"description": "动作，如 application.applicant_viewed；以 .* 结尾为一类，如 task.*"})


class AuditRecordSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    at = ma.fields.AwareDateTime(required=True)
    actor = ma.fields.String(required=True)
    action = ma.fields.String(required=True)
    target_type = ma.fields.String(required=True)
    target_id = ma.fields.String(required=True)
    center = ma.fields.String(allow_none=True)
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)
    request_id = ma.fields.String(allow_none=True)
    chain = ma.fields.String()
    seq = ma.fields.Integer()
    hash = ma.fields.String()
