"""Pre-reviews' API shapes. The data part of the upload is the window's one form
(``SubmissionSchema``): what the citizen fills at home is what the clerk would type."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import validate

from hub import fields
from hub.approvals.schemas import LocalDateTime, MaskedApplicantSchema, SubmissionSchema
from hub.directory.schemas import CODE
from hub.materials.schemas import MaterialSchema
from hub.prereviews.models import STATUSES

PreReviewDataSchema = SubmissionSchema


class UploadFormSchema(ma.Schema):
    data = fields.FreeText(required=True, metadata={
        "description": "JSON：{center, service_item, applicant: {name, id_number, phone}, form}"})


class UploadFilesSchema(ma.Schema):
    files = ma.fields.List(ma.fields.Raw(metadata={"type": "string", "format": "binary"}),
                           metadata={"description": "申请材料：PDF、JPEG 或 PNG（按内容识别），每个不超过 10 MiB"})


class PreReviewReceiptSchema(ma.Schema):
    number = fields.Text(required=True)
    code = fields.Text(required=True, metadata={"description": "查询码：只在此处显示一次"})
    due_at = LocalDateTime()


class Reasons(ma.fields.Field):
    """Reasons as a list of texts; a single text is taken as a list of one."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ma.ValidationError("应为文字或文字列表")
        items = [i.strip() for i in items if i.strip()]
        if len(items) > 20 or any(len(i) > 500 for i in items):
            raise ma.ValidationError("最多 20 条，每条不超过 500 字")
        return items


class PreReviewDecisionSchema(ma.Schema):
    decision = fields.Text(required=True, validate=validate.OneOf(("pass", "return")))
    reasons = Reasons(load_default=list, metadata={"description": "退回时必填：需要补正的内容"})

    @ma.validates_schema
    def _reasons_to_return(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        if data.get("decision") == "return" and not data.get("reasons"):
            raise ma.ValidationError("退回时须说明理由", "reasons")


class PreReviewQuerySchema(ma.Schema):
    center = fields.Text(validate=CODE)
    status = fields.Text(validate=validate.OneOf(STATUSES))
    warning = fields.Text(validate=validate.OneOf(("yellow", "red")))


class PreReviewSchema(ma.Schema):
    number = fields.Text(required=True)
    center = fields.Text(required=True)
    service_item = fields.Text(required=True)
    applicant = ma.fields.Nested(MaskedApplicantSchema, required=True)
    form = ma.fields.Dict()
    status = fields.Text(required=True, metadata={
        "description": "submitted | passed | returned | accepted"})
    reasons = ma.fields.List(fields.Text(), required=True)
    submitted_at = LocalDateTime(required=True)
    due_at = LocalDateTime(required=True)
    due_at_provisional = ma.fields.Boolean()
    warning = fields.Text(allow_none=True, metadata={"description": "null | yellow | red"})
    decided_at = LocalDateTime(allow_none=True)
    decided_by = fields.Text(allow_none=True)
    application_id = ma.fields.UUID(allow_none=True)
    materials = ma.fields.List(ma.fields.Nested(MaterialSchema), required=True)
