"""The supervision API's boundary: query arguments in, figures out."""
from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma

from hub.clock import SHANGHAI

FORMATS = ("json", "csv", "xlsx")


class PeriodArgs(ma.Schema):
    """``?from=&to=``: Asia/Shanghai dates, inclusive; without them, all time."""

    start = ma.fields.Date(data_key="from", load_default=None,
                           metadata={"description": "起始日期（含），北京时间"})
    end = ma.fields.Date(data_key="to", load_default=None,
                         metadata={"description": "截止日期（含），北京时间"})
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(FORMATS),
                              metadata={"description": "json（默认）、csv（UTF-8 BOM）或 xlsx"})

    @ma.validates_schema
    def _ordered(self, data: dict[str, Any], **_kwargs: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ma.ValidationError("截止日期不能早于起始日期", field_name="to")


class ReportArgs(ma.Schema):
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=2000, max=2100),
                             metadata={"description": "年度（北京时间自然年）"})
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(FORMATS))


def _rate(description: str) -> ma.fields.Float:
    return ma.fields.Float(allow_none=True, required=True, metadata={"description": description})


class FiguresSchema(ma.Schema):
    received = ma.fields.Integer(required=True, metadata={"description": "受理件数"})
    concluded = ma.fields.Integer(required=True, metadata={"description": "办结件数"})
    on_time = ma.fields.Integer(required=True, metadata={"description": "按时办结件数"})
    on_time_rate = _rate("按时办结率 = 按时办结 / 办结（期内办结的件）；无办结时为 null")
    early = ma.fields.Integer(required=True, metadata={"description": "提前一个工作日以上办结件数"})
    early_rate = _rate("提前办结率 = 提前办结 / 办结")
    last_day = ma.fields.Integer(required=True,
                                 metadata={"description": "到期当日办结（决定）件数"})
    last_day_rate = _rate("末日办结占比 = 到期当日办结 / 办结")
    avg_working_days = _rate("平均办理工作日（不含补正时间）")
    median_working_days = _rate("办理工作日中位数")
    p90_working_days = _rate("办理工作日第90百分位")
    in_progress = ma.fields.Integer(required=True,
                                    metadata={"description": "期内受理、目前在办件数"})
    yellow = ma.fields.Integer(required=True, metadata={"description": "在办件中黄牌件数"})
    red = ma.fields.Integer(required=True, metadata={"description": "在办件中红牌（超期）件数"})


class CenterFiguresSchema(FiguresSchema):
    center = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    level = ma.fields.String(required=True, metadata={"description": "district | street"})


class RankedCenterSchema(CenterFiguresSchema):
    rank = ma.fields.Integer(
        allow_none=True, required=True,
        metadata={"description": "按按时办结率排名（并列同名次）；无办结为 null"})


class DepartmentFiguresSchema(FiguresSchema):
    department = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


def _items(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item), required=True),
        "generated_at": ma.fields.DateTime(required=True),
    })


CenterFiguresListSchema = _items(CenterFiguresSchema, "CenterFiguresListSchema")
DepartmentFiguresListSchema = _items(DepartmentFiguresSchema, "DepartmentFiguresListSchema")
RankingSchema = _items(RankedCenterSchema, "RankingSchema")


class ReportRowSchema(ma.Schema):
    received = ma.fields.Integer(required=True)
    concluded = ma.fields.Integer(required=True)
    approved = ma.fields.Integer(required=True)
    rejected = ma.fields.Integer(required=True)
    withdrawn = ma.fields.Integer(required=True)
    on_time = ma.fields.Integer(required=True)
    on_time_rate = ma.fields.Float(allow_none=True, required=True)
    supplement_requests = ma.fields.Integer(required=True)


class ReportCenterSchema(ReportRowSchema):
    center = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class ReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)


class CheckSchema(ma.Schema):
    name = ma.fields.String(required=True)
    expected = ma.fields.Integer(required=True)
    actual = ma.fields.Integer(required=True)
    ok = ma.fields.Boolean(required=True)


class ReportSchema(ma.Schema):
    year = ma.fields.Integer(required=True)
    centers = ma.fields.List(ma.fields.Nested(ReportCenterSchema), required=True)
    total = ma.fields.Nested(ReportRowSchema, required=True)
    rejection_reasons = ma.fields.List(ma.fields.Nested(ReasonSchema), required=True)
    checks = ma.fields.List(ma.fields.Nested(CheckSchema), required=True)
    ok = ma.fields.Boolean(required=True, metadata={"description": "全部核对项相符"})
    generated_at = ma.fields.DateTime(required=True)


def shown(moment: dt.datetime) -> dt.datetime:
    """Instants are shown in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI)
