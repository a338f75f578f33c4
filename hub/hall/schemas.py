"""The hall's API shapes: windows, the public guide, the centers as citizens read them,
and the coverage figures (四个全覆盖) officials read."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import validate

from hub import fields
from hub.catalog.schemas import MaterialSpecSchema

WINDOW_NUMBER = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$",
                                error="窗口号为 1–16 位字母、数字或连字符，如 A03")


class WindowSchema(ma.Schema):
    window = fields.Text(required=True, validate=WINDOW_NUMBER)
    floor = ma.fields.Integer(required=True, strict=True,
                              validate=validate.Range(min=-5, max=99, error="楼层须为 -5–99"))
    name = fields.Text(required=True, validate=validate.Length(min=1, max=100))
    service_items = ma.fields.List(fields.Text(validate=validate.Length(min=1, max=64)),
                                   required=True, validate=validate.Length(max=100))
    capacity_per_slot = ma.fields.Integer(load_default=0, strict=True, validate=validate.Range(
        min=0, max=500, error="每半天预约量须为 0–500"), metadata={
        "description": "这个窗口每个半天可接待的预约人数"})

    @ma.validates_schema
    def _items_once(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        items = data.get("service_items", [])
        if len(items) != len(set(items)):
            raise ma.ValidationError("事项不能重复", "service_items")


class PublicWindowSchema(ma.Schema):
    window = fields.Text(required=True)
    floor = ma.fields.Integer(required=True)
    name = fields.Text(required=True)
    service_items = ma.fields.List(fields.Text(), required=True)


class GuideWindowSchema(ma.Schema):
    center = fields.Text(required=True)
    center_name = fields.Text()
    floor = ma.fields.Integer(required=True)
    window = fields.Text(required=True)
    name = fields.Text()


class GuideStageTaskSchema(ma.Schema):
    department = fields.Text(required=True)
    department_name = fields.Text()
    days = ma.fields.Integer(required=True)


class GuideStageSchema(ma.Schema):
    mode = fields.Text(required=True)
    tasks = ma.fields.List(ma.fields.Nested(GuideStageTaskSchema), required=True)


class PublicGuideSchema(ma.Schema):
    code = fields.Text(required=True)
    name = fields.Text(required=True)
    promised_days = ma.fields.Integer(required=True)
    legal_days = ma.fields.Integer(allow_none=True, required=True)
    fee = fields.Text(allow_none=True, required=True)
    basis = fields.Text(allow_none=True, required=True)
    materials = ma.fields.List(ma.fields.Nested(MaterialSpecSchema), required=True)
    windows = ma.fields.List(ma.fields.Nested(GuideWindowSchema), required=True)
    stages = ma.fields.List(ma.fields.Nested(GuideStageSchema), required=True)
    complete = ma.fields.Boolean(metadata={"description": "指南要素齐全（法定时限、收费、依据、材料、窗口）"})
    bookable = ma.fields.Boolean(metadata={"description": "可网上预约（有窗口设了预约量）"})


class PublicCenterSchema(ma.Schema):
    code = fields.Text(required=True)
    name = fields.Text(required=True)
    level = fields.Text(required=True)
    address = fields.Text(allow_none=True)
    phone = fields.Text(allow_none=True)
    hours = fields.Text(allow_none=True)


class CoverageSchema(ma.Schema):
    items = ma.fields.Integer(required=True, metadata={"description": "事项总数"})
    complete_guides = ma.fields.Integer(required=True)
    prereview_online = ma.fields.Integer(required=True)
    booking_online = ma.fields.Integer(required=True)
    incomplete = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "指南不全的事项及所缺要素"})
