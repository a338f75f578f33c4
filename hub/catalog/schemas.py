"""A service item's definition: the one form (一张表) and the approval stages."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import validate

from hub.directory.schemas import CODE
from hub import fields
from hub.fields import Text

FIELD_TYPES = ("string", "text", "integer", "number", "date", "boolean", "choice", "credit_code")
NUMERIC_TYPES = ("integer", "number")
STAGE_MODES = ("all", "any")


class FormFieldSchema(ma.Schema):
    """A field of the one form. Its checks (``hub.approvals.forms``) follow from what is
    declared here, for the API, the pages and the public site alike."""

    name = Text(required=True, validate=validate.Regexp(
        r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", error="字段名只能使用字母、数字和下划线"))
    label = Text(required=True, validate=validate.Length(min=1, max=100))
    type = Text(load_default="string", validate=validate.OneOf(FIELD_TYPES),
                metadata={"description": "credit_code：统一社会信用代码（GB 32100-2015，含校验位）"})
    required = ma.fields.Boolean(load_default=False)
    departments = ma.fields.List(Text(validate=validate.Length(min=1, max=32)),
                                 load_default=list)
    options = ma.fields.List(Text(validate=validate.Length(min=1, max=100)))
    max_length = ma.fields.Integer(validate=validate.Range(min=1, max=10000))
    min = ma.fields.Float(allow_nan=False, validate=validate.Range(min=-1e12, max=1e12),
                          metadata={"description": "数字字段的最小值（含）"})
    max = ma.fields.Float(allow_nan=False, validate=validate.Range(min=-1e12, max=1e12),
                          metadata={"description": "数字字段的最大值（含）"})
    not_past = ma.fields.Boolean(metadata={"description": "日期字段：不得早于受理当日"})
    company = ma.fields.Boolean(metadata={
        "description": "单位（企业）名称：窗口可按它查找办件；每个事项至多一个"})

    @ma.validates_schema
    def _fits_its_type(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        kind = data.get("type")
        if kind == "choice" and not data.get("options"):
            raise ma.ValidationError("选择题字段需要 options", "options")
        for bound in ("min", "max"):
            if bound in data and kind not in NUMERIC_TYPES:
                raise ma.ValidationError("只有整数或数字字段可以设置取值范围", bound)
        low, high = data.get("min"), data.get("max")
        if low is not None and high is not None and low > high:
            raise ma.ValidationError("最小值不能大于最大值", "max")
        if kind == "integer":
            for bound in ("min", "max"):
                if data.get(bound) is not None and not float(data[bound]).is_integer():
                    raise ma.ValidationError("整数字段的范围应为整数", bound)
        if data.get("not_past") and kind != "date":
            raise ma.ValidationError("只有日期字段可以要求不早于受理当日", "not_past")
        if data.get("company") and kind != "string":
            raise ma.ValidationError("单位名称应为单行文本字段", "company")

    @ma.post_load
    def _whole_bounds(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        # JSON keeps 20 as 20, not 20.0: a whole bound is stored and shown as an integer.
        for bound in ("min", "max"):
            if isinstance(data.get(bound), float) and data[bound].is_integer():
                data[bound] = int(data[bound])
        return data


class StageTaskSchema(ma.Schema):
    department = Text(required=True, validate=validate.Length(min=1, max=32))
    days = ma.fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=365, error="办理时限须为 1–365 个工作日"))


class StageSchema(ma.Schema):
    mode = Text(required=True, validate=validate.OneOf(STAGE_MODES))
    tasks = ma.fields.List(ma.fields.Nested(StageTaskSchema), required=True,
                           validate=validate.Length(min=1, error="每个阶段至少需要一个部门"))

    @ma.validates_schema
    def _departments_once(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        departments = [t["department"] for t in data.get("tasks", [])]
        if len(departments) != len(set(departments)):
            raise ma.ValidationError("同一阶段中部门不能重复", "tasks")


class MaterialSpecSchema(ma.Schema):
    """One material of a guide: what to bring, how many, original or copy."""

    name = fields.Text(required=True, validate=validate.Length(min=1, max=100))
    copies = ma.fields.Integer(load_default=1, strict=True, validate=validate.Range(
        min=1, max=99, error="份数须为 1–99"))
    original = ma.fields.Boolean(load_default=False, metadata={
        "description": "true：须带原件；false：复印件即可"})
    note = fields.FreeText(load_default="", validate=validate.Length(max=300))


class GuideSchema(ma.Schema):
    """The guide (办事指南) of a service item, as the administrator keeps it. Where to go
    is not here: it comes from the centers' windows that handle the item."""

    legal_days = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                   validate=validate.Range(min=1, max=365, error=(
                                       "法定时限须为 1–365 个工作日")))
    fee = fields.Text(load_default=None, allow_none=True,
                           validate=validate.Length(min=1, max=200),
                           metadata={"example": "不收费"})
    basis = fields.FreeText(load_default=None, allow_none=True,
                             validate=validate.Length(min=1, max=2000),
                             metadata={"description": "设定依据（法律法规）"})
    materials = ma.fields.List(ma.fields.Nested(MaterialSpecSchema), required=True,
                               validate=validate.Length(max=50))

    @ma.validates_schema
    def _materials_once(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        names = [m["name"] for m in data.get("materials", [])]
        if len(names) != len(set(names)):
            raise ma.ValidationError("材料名称不能重复", "materials")


class ServiceItemSchema(ma.Schema):
    code = Text(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_-]{0,63}$", error="事项代码只能使用小写字母、数字、下划线和连字符"))
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    promised_days = ma.fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=365, error="承诺时限须为 1–365 个工作日"))
    form = ma.fields.List(ma.fields.Nested(FormFieldSchema), load_default=list)
    stages = ma.fields.List(ma.fields.Nested(StageSchema), required=True,
                            validate=validate.Length(min=1, error="至少需要一个审批阶段"))
    yellow_days = ma.fields.Integer(load_default=1, strict=True,
                                    validate=validate.Range(min=0, max=30))
    guide = ma.fields.Nested(GuideSchema, load_default=None, allow_none=True)
    version = ma.fields.Integer(dump_only=True)

    @ma.validates_schema
    def _fields_once(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        names = [f["name"] for f in data.get("form", [])]
        if len(names) != len(set(names)):
            raise ma.ValidationError("表单字段名不能重复", "form")
        if sum(1 for f in data.get("form", []) if f.get("company")) > 1:
            raise ma.ValidationError("只能有一个字段作为单位名称", "form")


class RoutingWarningSchema(ma.Schema):
    stage = ma.fields.Integer(required=True, metadata={"description": "阶段（从 1 起）"})
    department = fields.Text(required=True)
    kind = fields.Text(required=True, metadata={
        "description": "no_active_approver：该部门没有在岗的审批人员或首席代表"})
    detail = fields.Text(required=True)


class SavedServiceItemSchema(ServiceItemSchema):
    """An item as saved, with what the administrator should know about its routing."""

    warnings = ma.fields.List(ma.fields.Nested(RoutingWarningSchema), dump_only=True,
                              metadata={"description": "保存成功，但办件将无人可办的环节"})


class ServiceItemUpdateSchema(ServiceItemSchema):
    """PUT replaces the definition; the code comes from the URL."""

    code = Text(validate=validate.Regexp(r"^[a-z][a-z0-9_-]{0,63}$"))


class DraftSchema(ma.Schema):
    """The definition the editor works on (the guide has its own page): the same fields
    and checks as the item's."""

    name = Text(required=True, validate=validate.Length(min=1, max=200))
    promised_days = ma.fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=365, error="承诺时限须为 1–365 个工作日"))
    yellow_days = ma.fields.Integer(load_default=1, strict=True,
                                    validate=validate.Range(min=0, max=30))
    form = ma.fields.List(ma.fields.Nested(FormFieldSchema), load_default=list)
    stages = ma.fields.List(ma.fields.Nested(StageSchema), required=True,
                            validate=validate.Length(min=1, error="至少需要一个审批阶段"))

    _fields_once = ServiceItemSchema._fields_once


class ItemStateSchema(ma.Schema):
    """An item's state in the editor: published or not, offered where, draft or not (kept
    out of the item's own representation, so that what a client GETs it can PUT back)."""

    code = fields.Text(required=True)
    version = ma.fields.Integer(required=True)
    active = ma.fields.Boolean(required=True, metadata={
        "description": "是否受理新的申请（停办后已受理的办件照常办理）"})
    centers = ma.fields.List(fields.Text(), required=True, allow_none=True, metadata={
        "description": "受理该事项的中心；null：全部中心"})
    published_at = ma.fields.AwareDateTime(required=True, allow_none=True, metadata={
        "description": "最近一次发布的时间；null：尚未发布（仅有草稿）"})
    has_draft = ma.fields.Function(lambda item: _value(item, "draft") is not None, metadata={
        "description": "是否有未发布的草稿"})


def _value(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


class DraftStateSchema(ItemStateSchema):
    """An item's draft beside what is published, and what keeps it from publication."""

    draft = ma.fields.Nested(DraftSchema, allow_none=True, required=True)
    published = ma.fields.Nested(DraftSchema, allow_none=True, required=True, metadata={
        "description": "已发布的定义；null：尚未发布"})
    problems = ma.fields.Dict(keys=fields.Text(), values=ma.fields.List(fields.Text()),
                              required=True, metadata={"description": "发布前须解决的问题"})


class AvailabilitySchema(ma.Schema):
    active = ma.fields.Boolean(required=True, metadata={"description": "是否受理新的申请"})
    centers = ma.fields.List(Text(validate=validate.Length(min=1, max=32)), allow_none=True,
                             load_default=None, metadata={
                                 "description": "受理该事项的中心；null 或空：全部中心"})


__all__ = ["AvailabilitySchema", "CODE", "DraftSchema", "DraftStateSchema", "FormFieldSchema",
           "GuideSchema", "ItemStateSchema", "MaterialSpecSchema", "RoutingWarningSchema",
           "SavedServiceItemSchema", "ServiceItemSchema", "ServiceItemUpdateSchema", "StageSchema",
           "StageTaskSchema"]
