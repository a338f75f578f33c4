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
from hub.approvals.cards import LEVELS
from hub.approvals.models import APPLICATION_STATUSES, TASK_STATUSES
from hub.directory.schemas import CODE
from hub.fields import Day, FreeText, IdNumber, Phone, Text
from hub.materials.schemas import MaterialSchema
from hub.timezones import SHANGHAI

PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")


class LocalDateTime(ma.fields.AwareDateTime):
    """An instant shown in Asia/Shanghai, with its offset (stored as UTC)."""

    def _serialize(self, value: dt.datetime | None, attr: str | None, obj: Any,
                   **kwargs: Any) -> str | None:
        if value is None:
            return None
        return super()._serialize(value.astimezone(SHANGHAI), attr, obj, **kwargs)


# -- Input -----------------------------------------------------------------------------------


class ApplicantSchema(ma.Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=50))
    id_number = IdNumber(required=True)
    phone = Phone(required=True)

    @ma.validates("id_number")
    def _id_number(self, value: str, data_key: str) -> None:
        problem = id_number_problem(value)
        if problem:
            raise ma.ValidationError(problem)

    @ma.validates("phone")
    def _phone(self, value: str, data_key: str) -> None:
        if not PHONE.match(value):
            raise ma.ValidationError("电话号码应为 11 位手机号或带区号的固定电话")


class SubmissionSchema(ma.Schema):
    service_item = Text(required=True, validate=validate.Length(min=1, max=64))
    center = Text(required=True, validate=CODE)
    applicant = ma.fields.Nested(ApplicantSchema, required=True)
    form = ma.fields.Dict(keys=Text(), required=True)


class WithdrawalSchema(ma.Schema):
    reason = FreeText(required=True, validate=validate.Length(min=1, max=500))


class ResubmissionSchema(ma.Schema):
    form = ma.fields.Dict(keys=Text(), required=True)


class DecisionSchema(ma.Schema):
    decision = Text(required=True, validate=validate.OneOf(
        ("approve", "reject", "request_supplement")))
    comment = FreeText(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    version = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1))

    @ma.validates_schema
    def _comment_when_needed(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        if data.get("decision") in ("reject", "request_supplement") \
                and not (data.get("comment") or "").strip():
            raise ma.ValidationError("不予许可或要求补正时须填写意见", "comment")


class AssignmentSchema(ma.Schema):
    assignee = Text(required=True, validate=validate.Length(min=1, max=64))
    version = ma.fields.Integer(strict=True, validate=validate.Range(min=1), metadata={
        "description": "任务的版本：给出时，任务已被他人更新则 409"})


class VersionSchema(ma.Schema):
    version = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                                metadata={"description": "任务的版本（乐观锁）"})


class ApplicationQuerySchema(ma.Schema):
    center = Text(validate=CODE)
    status = Text(validate=validate.OneOf(APPLICATION_STATUSES))
    warning = Text(validate=validate.OneOf(LEVELS))


class TaskQuerySchema(ma.Schema):
    status = Text(load_default="pending", validate=validate.OneOf(TASK_STATUSES))
    department = Text(validate=validate.Length(min=1, max=32))
    warning = Text(validate=validate.OneOf(LEVELS))
    assignee = Text(validate=validate.Length(min=1, max=64), metadata={
        "description": "me：本人名下；none：部门待领（无人领取）；或一个登录名"})


class CalendarYearInputSchema(ma.Schema):
    holidays = ma.fields.List(Day(), required=True)
    workdays = ma.fields.List(Day(), load_default=list)


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
    source = ma.fields.String(metadata={
        "description": "hub：在数据中心受理；sync：由中心自有业务系统受理并同步（只读）"})
    external_id = ma.fields.String(allow_none=True, metadata={
        "description": "同步办件在中心业务系统中的编号"})
    read_only = ma.fields.Boolean(metadata={
        "description": "true：同步办件，撤回、补正等须在中心业务系统中办理"})
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
    worst_warning = ma.fields.String(allow_none=True, metadata={
        "description": "办件及其进行中环节最严重的预警（某环节超期而办件未超期时为 red）"})
    result = ma.fields.Nested(ResultSchema, allow_none=True)
    version = ma.fields.Integer()
    tasks = ma.fields.List(ma.fields.Nested(TaskSchema), required=True)
    materials = ma.fields.List(ma.fields.Nested(MaterialSchema), metadata={
        "description": "网上预审收到的材料（转为正式受理时随办件保存）"})
    receipt_code = ma.fields.String(metadata={
        "description": "回执码：仅在受理（201）的响应中出现一次，只保存其散列"})
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
