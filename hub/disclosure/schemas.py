"""The API's disclosure requests, outcomes, yearly figures and report: one schema per
boundary (validation, serialisation and the OpenAPI document). Inputs are normalised
here, once: text trimmed, control characters refused, fullwidth digits in a contact
made plain."""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import validate

from hub import fields
from hub.approvals.schemas import LocalDateTime
from hub.disclosure.categories import (
    CHANNELS,
    ORGANISATION,
    ORGANISATION_KINDS,
    OUTCOMES,
    REQUESTER_KINDS,
)
from hub.disclosure.models import REQUEST_STATUSES
from hub.disclosure.report import REVIEW_KINDS

MAX_COUNT = 10**9


class Contact(fields.Text):
    """A phone, e-mail or postal address; fullwidth characters (１３８…, ＠) made plain."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        return " ".join(unicodedata.normalize("NFKC", text).split())


# -- Input -----------------------------------------------------------------------------------


class DisclosureRequesterSchema(ma.Schema):
    kind = fields.Text(required=True, validate=validate.OneOf(REQUESTER_KINDS))
    # The form's organisation column (商业企业, 科研机构, …); "other" when not given.
    organisation_kind = fields.Text(load_default=None, allow_none=True,
                                         validate=validate.OneOf(ORGANISATION_KINDS))
    name = fields.Text(required=True, validate=validate.Length(max=200))
    contact = Contact(required=True, validate=validate.Length(min=5, max=200))

    @ma.validates_schema
    def _organisation_kind_for_organisations(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("organisation_kind") and data.get("kind") != ORGANISATION:
            raise ma.ValidationError("只有法人或其他组织才有组织类别", "organisation_kind")


class DisclosureRegistrationSchema(ma.Schema):
    channel = fields.Text(required=True, validate=validate.OneOf(CHANNELS))
    requester = ma.fields.Nested(DisclosureRequesterSchema, required=True)
    description = fields.FreeText(required=True, validate=validate.Length(max=5000))
    received_on = fields.Day(required=True)


class _Dated(ma.Schema):
    on = fields.Day(load_default=None, metadata={"description": "日期，默认为今天"})


class DisclosureExtensionSchema(_Dated):
    reason = fields.FreeText(required=True, validate=validate.Length(max=2000))


class DisclosureSupplementSchema(_Dated):
    reason = fields.FreeText(required=True, validate=validate.Length(max=2000))


class DisclosureResubmissionSchema(_Dated):
    pass


class DisclosureAnswerSchema(ma.Schema):
    outcome = fields.Text(required=True, validate=validate.OneOf([o.code for o in OUTCOMES]))
    reason = fields.Text(load_default=None, allow_none=True,
                              validate=validate.Length(max=32))
    answered_on = fields.Day(required=True)

    @ma.validates_schema
    def _reason_as_the_form_asks(self, data: Mapping[str, Any], **_: Any) -> None:
        outcome = next((o for o in OUTCOMES if o.code == data.get("outcome")), None)
        if outcome is None:
            return
        reason = data.get("reason") or None
        if outcome.needs_reason and reason is None:
            raise ma.ValidationError(f"“{outcome.label}”须选择理由（见 /api/v1/disclosure/outcomes）",
                                     "reason")
        if outcome.needs_reason and outcome.reason(reason) is None:
            raise ma.ValidationError(
                "应为以下之一：" + "、".join(r.code for r in outcome.reasons), "reason")
        if not outcome.needs_reason and reason is not None:
            raise ma.ValidationError(f"“{outcome.label}”无需理由", "reason")


class DisclosureRequestQuerySchema(ma.Schema):
    status = fields.Text(load_default="open", validate=validate.OneOf(REQUEST_STATUSES))
    warning = fields.Text(validate=validate.OneOf(("yellow", "red")))


class DisclosureReportQuerySchema(ma.Schema):
    format = fields.Text(load_default="json",
                              validate=validate.OneOf(("json", "html", "docx")))


def _count(**kwargs: Any) -> ma.fields.Integer:
    return ma.fields.Integer(load_default=0, strict=True,
                             validate=validate.Range(min=0, max=MAX_COUNT), **kwargs)


class DisclosureMadeSchema(ma.Schema):
    made = _count(metadata={"description": "本年制发件数"})
    abolished = _count(metadata={"description": "本年废止件数"})
    in_force = _count(metadata={"description": "现行有效件数"})


class DisclosureProactiveSchema(ma.Schema):
    regulations = fields.Part(DisclosureMadeSchema, metadata={"description": "规章"})
    normative_documents = fields.Part(DisclosureMadeSchema,
                                      metadata={"description": "行政规范性文件"})
    licences = _count(metadata={"description": "行政许可 本年处理决定数量"})
    penalties = _count(metadata={"description": "行政处罚 本年处理决定数量"})
    coercions = _count(metadata={"description": "行政强制 本年处理决定数量"})
    fees = fields.Amount(places=4, load_default=Decimal(0),
                         metadata={"description": "行政事业性收费 本年收费金额（万元）"})
    kept = ma.fields.Boolean(dump_only=True)


class DisclosureReviewCountsSchema(ma.Schema):
    upheld = _count(metadata={"description": "结果维持"})
    corrected = _count(metadata={"description": "结果纠正"})
    other = _count(metadata={"description": "其他结果"})
    pending = _count(metadata={"description": "尚未审结"})
    total = ma.fields.Integer(dump_only=True)


ReviewsSchema = ma.Schema.from_dict(
    {kind: fields.Part(DisclosureReviewCountsSchema, metadata={"description": label})
     for kind, label in REVIEW_KINDS},
    name="DisclosureReviewsSchema")


class DisclosureYearFiguresSchema(ma.Schema):
    """What the administrator keeps for a year (PUT replaces it whole)."""

    year = ma.fields.Integer(dump_only=True)
    proactive = fields.Part(DisclosureProactiveSchema)
    reviews = fields.Part(ReviewsSchema)
    processing_fees = fields.Amount(places=2, load_default=Decimal(0),
                                    metadata={"description": "信息处理费（元）"})
    problems = fields.FreeText(load_default=None, allow_none=True,
                                validate=validate.Length(max=10000),
                                metadata={"description": "五、存在的主要问题及改进情况"})
    other_matters = fields.FreeText(load_default=None, allow_none=True,
                                     validate=validate.Length(max=10000),
                                     metadata={"description": "六、其他需要报告的事项"})
    version = ma.fields.Integer(dump_only=True)
    updated_at = LocalDateTime(dump_only=True, allow_none=True)
    updated_by = fields.Text(dump_only=True, allow_none=True)


# -- Output ----------------------------------------------------------------------------------


class DisclosureMaskedRequesterSchema(ma.Schema):
    kind = fields.Text(required=True)
    organisation_kind = fields.Text(allow_none=True)
    name = fields.Text(required=True)
    contact = fields.Text(required=True)


class DisclosureRequesterInClearSchema(ma.Schema):
    name = fields.Text(required=True)
    contact = fields.Text(required=True)


class DisclosureRequestSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    number = fields.Text(required=True)
    center = fields.Text(required=True)
    channel = fields.Text(required=True)
    requester = ma.fields.Nested(DisclosureMaskedRequesterSchema, required=True)
    description = fields.Text(required=True)
    received_on = fields.Day(required=True)
    due_on = fields.Day(allow_none=True)
    due_on_provisional = ma.fields.Boolean(required=True)
    yellow_on = fields.Day(allow_none=True)
    supplement_by = fields.Day(allow_none=True,
                                   metadata={"description": "要求补正的最后一天（收到申请后第 7 个工作日）"})
    warning = fields.Text(allow_none=True)
    status = fields.Text(required=True)
    extended = ma.fields.Boolean(required=True)
    extended_on = fields.Day(allow_none=True)
    extension_reason = fields.Text(allow_none=True)
    supplement_requested_on = fields.Day(allow_none=True)
    supplement_reason = fields.Text(allow_none=True)
    resubmitted_on = fields.Day(allow_none=True)
    outcome = fields.Text(allow_none=True)
    reason = fields.Text(allow_none=True)
    answered_on = fields.Day(allow_none=True)
    on_time = ma.fields.Boolean(allow_none=True)
    registered_by = fields.Text()
    created_at = LocalDateTime()
    history = ma.fields.List(ma.fields.Dict())


class DisclosureReasonSchema(ma.Schema):
    code = fields.Text(required=True)
    label = fields.Text(required=True)


class DisclosureOutcomeSchema(ma.Schema):
    outcome = fields.Text(required=True, attribute="code")
    label = fields.Text(required=True)
    reasons = ma.fields.List(ma.fields.Nested(DisclosureReasonSchema), required=True)


class DisclosureReportSchema(ma.Schema):
    """The year's report. ``open`` is true while the year is still in progress (the
    figures run to ``as_of``); ``requests.check`` is the form's check."""

    year = ma.fields.Integer(required=True)
    open = ma.fields.Boolean(required=True)
    as_of = fields.Day(required=True)
    generated_at = LocalDateTime(required=True)
    title = fields.Text(required=True)
    organ = fields.Text(required=True)
    requests = ma.fields.Dict(required=True)
    proactive = ma.fields.Nested(DisclosureProactiveSchema, required=True)
    reviews = ma.fields.Nested(ReviewsSchema, required=True)
    figures = ma.fields.Dict(required=True)
    sections = ma.fields.List(ma.fields.Dict(), required=True)

