"""The API's applications, tasks and calendar: one schema per boundary (validation,
serialisation and the OpenAPI document). Times are shown in Asia/Shanghai."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import validate

from hub.approvals.forms import id_number_problem
from hub.approvals.models import APPLICATION_STATUSES, TASK_STATUSES, WARNING_LEVELS
from hub.clock import SHANGHAI
from hub.directory.schemas import CODE

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class LocalDateTime(ma.fields.AwareDateTime):
    """An instant shown in Asia/Shanghai, with its offset (stored as UTC)."""

    def _serialize(self, value: dt.datetime | None, attr: str | None, obj: Any,
                   **kwargs: Any) -> str | None:
        if value is None:
            return None
        return super()._serialize(value.astimezone(SHANGHAI), attr, obj, **kwargs)


# -- Input -----------------------------------------------------------------------------------


class ApplicantSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=50))
    id_number = ma.fields.String(required=True)
    phone = ma.fields.String(required=True)

    @ma.validates("id_number")
    def _id_number(self, value: str, data_key: str) -> None:
        problem = id_number_problem(value)
        if problem:
            raise ma.ValidationError(problem)

    @ma.validates("phone")
    def _phone(self, value: str, data_key: str) -> None:
        if not PHONE.match("".join(value.split())):
            raise ma.ValidationError("电话号码应为 11 位手机号或带区号的固定电话")


class SubmissionSchema(ma.Schema):
    service_item = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    center = ma.fields.String(required=True, validate=CODE)
    applicant = ma.fields.Nested(ApplicantSchema, required=True)
    form = ma.fields.Dict(keys=ma.fields.String(), required=True)


class WithdrawalSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))


class ResubmissionSchema(ma.Schema):
    form = ma.fields.Dict(keys=ma.fields.String(), required=True)


class DecisionSchema(ma.Schema):
    decision = ma.fields.String(required=True, validate=validate.OneOf(
        ("approve", "reject", "request_supplement")))
    comment = ma.fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(max=2000))
    version = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1))

    @ma.validates_schema
    def _comment_when_needed(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        if data.get("decision") in ("reject", "request_supplement") \
                and not (data.get("comment") or "").strip():
            raise ma.ValidationError("不予许可或要求补正时须填写意见", "comment")


class AssignmentSchema(ma.Schema):
    assignee = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))


class ApplicationQuerySchema(ma.Schema):
    center = ma.fields.String(validate=CODE)
    status = ma.fields.String(validate=validate.OneOf(APPLICATION_STATUSES))
    warning = ma.fields.String(validate=validate.OneOf(WARNING_LEVELS))


class TaskQuerySchema(ma.Schema):
    status = ma.fields.String(load_default="pending", validate=validate.OneOf(TASK_STATUSES))
    department = ma.fields.String(validate=validate.Length(min=1, max=32))
    warning = ma.fields.String(validate=validate.OneOf(WARNING_LEVELS))


class CalendarYearInputSchema(ma.Schema):
    holidays = ma.fields.List(ma.fields.Date(), required=True)
    workdays = ma.fields.List(ma.fields.Date(), load_default=list)


# -- Output ----------------------------------------------------------------------------------


class MaskedApplicantSchema(ma.Schema):
    name = ma.fields.String(allow_none=True)
    id_number = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)


class ResultSchema(ma.Schema):
    number = ma.fields.String(required=True)
    issued_at = LocalDateTime(required=True)


class TaskSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    application_id = ma.fields.UUID(required=True)
    application_number = ma.fields.String()
    service_item = ma.fields.String()
    center = ma.fields.String()
    department = ma.fields.String(required=True)
    stage = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    assignee = ma.fields.String(allow_none=True)
    opened_at = LocalDateTime(required=True)
    due_at = LocalDateTime(required=True)
    yellow_at = LocalDateTime()
    due_at_provisional = ma.fields.Boolean()
    paused_working_days = ma.fields.Integer()
    warning = ma.fields.String(allow_none=True)
    decided_at = LocalDateTime(allow_none=True)
    decided_by = ma.fields.String(allow_none=True)
    comment = ma.fields.String(allow_none=True)
    version = ma.fields.Integer(required=True)


class HistorySchema(ma.Schema):
    at = LocalDateTime(required=True)
    actor = ma.fields.String(required=True)
    action = ma.fields.String(required=True)
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)


class WarningSchema(ma.Schema):
    level = ma.fields.String(required=True)
    task_id = ma.fields.UUID(allow_none=True)
    department = ma.fields.String(allow_none=True)
    due_at = LocalDateTime(required=True)
    raised_at = LocalDateTime(required=True)


class ApplicationSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    number = ma.fields.String(required=True)
    service_item = ma.fields.String(required=True)
    center = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    stage = ma.fields.Integer(required=True)
    source = ma.fields.String()
    applicant = ma.fields.Nested(MaskedApplicantSchema, required=True)
    form = ma.fields.Dict(required=True)
    submitted_at = LocalDateTime(required=True)
    due_at = LocalDateTime(allow_none=True)
    yellow_at = LocalDateTime(allow_none=True)
    due_at_provisional = ma.fields.Boolean(required=True)
    paused = ma.fields.Boolean()
    paused_working_days = ma.fields.Integer()
    concluded_at = LocalDateTime(allow_none=True)
    status_reason = ma.fields.String(allow_none=True)
    warning = ma.fields.String(allow_none=True)
    result = ma.fields.Nested(ResultSchema, allow_none=True)
    version = ma.fields.Integer()
    tasks = ma.fields.List(ma.fields.Nested(TaskSchema), required=True)
    warnings = ma.fields.List(ma.fields.Nested(WarningSchema))
    history = ma.fields.List(ma.fields.Nested(HistorySchema))


class ApplicantInClearSchema(ma.Schema):
    name = ma.fields.String(allow_none=True)
    id_number = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)


class DecisionResultSchema(ma.Schema):
    task = ma.fields.Nested(TaskSchema, required=True)
    application = ma.fields.Nested(ApplicationSchema, required=True)


class CalendarYearSchema(ma.Schema):
    year = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    holidays = ma.fields.List(ma.fields.Date(), required=True)
    workdays = ma.fields.List(ma.fields.Date(), required=True)
    source = ma.fields.String(allow_none=True)
    published_at = LocalDateTime(allow_none=True)
    published_by = ma.fields.String(allow_none=True)
    version = ma.fields.Integer(allow_none=True)


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    center = ma.fields.String(attribute="center_code", allow_none=True)
    department = ma.fields.String(attribute="department_code", allow_none=True)
    application_id = ma.fields.UUID(allow_none=True)
    text = ma.fields.String(required=True)
    created_at = LocalDateTime(required=True)
