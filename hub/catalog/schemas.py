"""A service item's definition: the one form (一张表) and the approval stages."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import validate

from hub.directory.schemas import CODE

FIELD_TYPES = ("string", "text", "integer", "number", "date", "boolean", "choice")
STAGE_MODES = ("all", "any")


class FormFieldSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", error="字段名只能使用字母、数字和下划线"))
    label = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    type = ma.fields.String(load_default="string", validate=validate.OneOf(FIELD_TYPES))
    required = ma.fields.Boolean(load_default=False)
    departments = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=32)),
                                 load_default=list)
    options = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=100)))
    max_length = ma.fields.Integer(validate=validate.Range(min=1, max=10000))

    @ma.validates_schema
    def _choice_has_options(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        if data.get("type") == "choice" and not data.get("options"):
            raise ma.ValidationError("选择题字段需要 options", "options")


class StageTaskSchema(ma.Schema):
    department = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    days = ma.fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=365, error="办理时限须为 1–365 个工作日"))


class StageSchema(ma.Schema):
    mode = ma.fields.String(required=True, validate=validate.OneOf(STAGE_MODES))
    tasks = ma.fields.List(ma.fields.Nested(StageTaskSchema), required=True,
                           validate=validate.Length(min=1, error="每个阶段至少需要一个部门"))

    @ma.validates_schema
    def _departments_once(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        departments = [t["department"] for t in data.get("tasks", [])]
        if len(departments) != len(set(departments)):
            raise ma.ValidationError("同一阶段中部门不能重复", "tasks")


class ServiceItemSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_-]{0,63}$", error="事项代码只能使用小写字母、数字、下划线和连字符"))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    promised_days = ma.fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=365, error="承诺时限须为 1–365 个工作日"))
    form = ma.fields.List(ma.fields.Nested(FormFieldSchema), load_default=list)
    stages = ma.fields.List(ma.fields.Nested(StageSchema), required=True,
                            validate=validate.Length(min=1, error="至少需要一个审批阶段"))
    yellow_days = ma.fields.Integer(load_default=1, strict=True,
                                    validate=validate.Range(min=0, max=30))
    guide = ma.fields.Dict(load_default=None, allow_none=True)
    version = ma.fields.Integer(dump_only=True)

    @ma.validates_schema
    def _fields_once(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        names = [f["name"] for f in data.get("form", [])]
        if len(names) != len(set(names)):
            raise ma.ValidationError("表单字段名不能重复", "form")


class ServiceItemUpdateSchema(ServiceItemSchema):
    """PUT replaces the definition; the code comes from the URL."""

    code = ma.fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_-]{0,63}$"))


__all__ = ["CODE", "FormFieldSchema", "ServiceItemSchema", "ServiceItemUpdateSchema",
           "StageSchema", "StageTaskSchema"]
