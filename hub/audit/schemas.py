from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


class AuditQuerySchema(ma.Schema):
    target = ma.fields.String(validate=validate.Length(min=1, max=64))
    actor = ma.fields.String(validate=validate.Length(min=1, max=64))


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
