"""The supervision API's boundary: query arguments in, figures out."""
from __future__ import annotations

import datetime as dt

import marshmallow as ma
from marshmallow import validate

from hub.approvals.schemas import LocalDateTime
from hub import fields
from hub.fields import FIRST_DAY, LAST_DAY, Period, Text
from hub.supervision.indicators import COMPOSITE_FORMULA
from hub.supervision.models import NOTICE_STATUSES
from hub.supervision.notices import DEFAULT_ANSWER_DAYS
from hub.timezones import SHANGHAI

FORMATS = ("json", "csv", "xlsx")


class PeriodArgs(Period):
    """``?from=&to=`` (``hub.fields.Period``; without them, all time) and the format."""

    format = Text(load_default="json", validate=ma.validate.OneOf(FORMATS),
                  metadata={"description": "json（默认）、csv（UTF-8 BOM）或 xlsx"})


class ReportArgs(ma.Schema):
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=FIRST_DAY.year,
                                                                       max=LAST_DAY.year),
                             metadata={"description": "年度（北京时间自然年）"})
    format = Text(load_default="json", validate=ma.validate.OneOf(FORMATS))


def _rate(description: str) -> ma.fields.Float:
    return ma.fields.Float(allow_none=True, required=True, metadata={"description": description})


class FiguresSchema(ma.Schema):
    received = ma.fields.Integer(required=True, metadata={"description": "受理件数"})
    concluded = ma.fields.Integer(required=True, metadata={"description": "办结件数"})
    on_time = ma.fields.Integer(required=True, metadata={"description": "按时办结件数"})
    on_time_rate = _rate("按时办结率 = 按时办结 / 办结（期内办结的件）；无办结时为 null")
    overdue = ma.fields.Integer(required=True, metadata={
        "description": "超期未办结件数：仍在办理（计时中）、办结期限落在期内且此刻已过的件，"
                       "不论何时受理（等待补正、暂停计时的件不计）"})
    timeliness_rate = _rate("办结及时率 = 按时办结 / (办结 + 超期未办结)；两者皆为 0 时为 null。"
                            "街道排名依此排序")
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
    supplement_requests = ma.fields.Integer(required=True,
                                            metadata={"description": "期内要求补正次数"})
    supplements_per_case = _rate("每件补正次数 = 期内补正次数 / 期内受理件数；无受理时为 null")


class CenterFiguresSchema(FiguresSchema):
    center = fields.Text(required=True)
    name = fields.Text(required=True)
    level = fields.Text(required=True, metadata={"description": "district | street"})


class RankedCenterSchema(CenterFiguresSchema):
    rank = ma.fields.Integer(
        allow_none=True, required=True,
        metadata={"description": "按办结及时率排名（并列同名次）；既无办结也无超期为 null"})
    satisfaction_rate = _rate("满意率（评价 3–5 级 / 评价数）；尚无评价数据时为 null，不计入综合评分")
    composite_score = _rate("综合评分（0–100）：" + COMPOSITE_FORMULA)


class DepartmentFiguresSchema(FiguresSchema):
    department = fields.Text(required=True)
    name = fields.Text(required=True)


def _items(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item), required=True),
        "generated_at": ma.fields.DateTime(required=True),
    })


CenterFiguresListSchema = _items(CenterFiguresSchema, "CenterFiguresListSchema")
DepartmentFiguresListSchema = _items(DepartmentFiguresSchema, "DepartmentFiguresListSchema")
RankingSchema = _items(RankedCenterSchema, "RankingSchema")


def _count(description: str) -> ma.fields.Integer:
    return ma.fields.Integer(required=True, metadata={"description": description})


class TicketFiguresSchema(ma.Schema):
    """The call center's three rates per center (``hub.supervision.callcenter``)."""

    center = fields.Text(required=True)
    name = fields.Text(required=True)
    level = fields.Text(required=True)
    received = _count("期内受理的群众工单（咨询、投诉、建议）")
    responded = _count("其中受理后次一工作日结束前有首次处理（交办、转办或答复）的")
    response_rate = _rate("响应率 = 按时响应 / 受理；无受理时为 null")
    answered_on_time = _count("其中已答复且在答复期限内答复的")
    overdue = _count("待答复、答复期限在期内且已超期的工单")
    resolved = _count("其中回访满意办结的")
    resolution_rate = _rate("解决率 = 满意办结 / 最近一次回访满意或不满意的（联系不上的不计）")
    ratings = _count("期内对本中心工单的评价数（申诉剔除的不计）")
    satisfaction_rate = _rate("满意率 = 3–5 级评价 / 工单评价")
    score = _rate("综合得分：响应率 10%、解决率 45%、满意率 45%（按已有的率加权）")
    rank = ma.fields.Integer(allow_none=True, required=True,
                             metadata={"description": "十五个街道按综合得分排名；区中心为 null"})


class RatingFiguresSchema(ma.Schema):
    """Satisfaction (好差评) per center or department."""

    ratings = _count("期内评价数（申诉剔除的不计）")
    satisfied = _count("其中 3–5 级（基本满意及以上）")
    satisfaction_rate = _rate("满意率 = 3–5 级 / 评价数；无评价时为 null")
    bad = _count("差评（1–2 级）")
    rectified = _count("差评中整改工单已办结的")
    rectified_on_time = _count("其中在整改期限内办结的")
    rectifications_overdue = _count("差评中整改工单已超期未答复的")
    excluded = _count("期内经申诉剔除的评价")


class CenterRatingFiguresSchema(RatingFiguresSchema):
    center = fields.Text(required=True)
    name = fields.Text(required=True)
    level = fields.Text(required=True)
    rank = ma.fields.Integer(allow_none=True, required=True,
                             metadata={"description": "十五个街道按满意率排名；区中心为 null"})


class DepartmentRatingFiguresSchema(RatingFiguresSchema):
    department = fields.Text(required=True)
    name = fields.Text(required=True)


TicketFiguresListSchema = _items(TicketFiguresSchema, "TicketFiguresListSchema")
CenterRatingFiguresListSchema = _items(CenterRatingFiguresSchema, "CenterRatingFiguresListSchema")
DepartmentRatingFiguresListSchema = _items(DepartmentRatingFiguresSchema,
                                           "DepartmentRatingFiguresListSchema")


class ReportRowSchema(ma.Schema):
    received = ma.fields.Integer(required=True)
    concluded = ma.fields.Integer(required=True)
    approved = ma.fields.Integer(required=True)
    rejected = ma.fields.Integer(required=True)
    withdrawn = ma.fields.Integer(required=True)
    on_time = ma.fields.Integer(required=True)
    on_time_rate = ma.fields.Float(allow_none=True, required=True)
    overdue = ma.fields.Integer(required=True, metadata={
        "description": "超期未办结：仍在办理（计时中）、办结期限在本年度内且此刻已过的件"})
    timeliness_rate = _rate("办结及时率 = 按时办结 / (办结 + 超期未办结)")
    supplement_requests = ma.fields.Integer(required=True)


class ReportCenterSchema(ReportRowSchema):
    center = fields.Text(required=True)
    name = fields.Text(required=True)


class ReasonSchema(ma.Schema):
    reason = fields.Text(required=True)
    count = ma.fields.Integer(required=True)


class CheckSchema(ma.Schema):
    name = fields.Text(required=True)
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


# -- Supervision notices (督办) -----------------------------------------------------------------


class NoticeIssueSchema(ma.Schema):
    application_id = ma.fields.UUID(required=True, metadata={"description": "督办的办件"})
    department = Text(load_default=None, validate=validate.Length(max=32), metadata={
        "description": "须答复的部门；不填时为该办件唯一在办的部门"})
    content = Text(required=True, validate=validate.Length(max=2000),
                   metadata={"description": "督办事项：要求部门说明的情况"})
    answer_days = ma.fields.Integer(
        load_default=DEFAULT_ANSWER_DAYS, strict=True, validate=validate.Range(min=1, max=20),
        metadata={"description": "答复期限：签发之日后第 N 个工作日结束前（默认 3）"})


class NoticeAnswerSchema(ma.Schema):
    answer = Text(required=True, validate=validate.Length(max=4000),
                  metadata={"description": "部门的书面说明"})
    version = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class NoticeQuerySchema(ma.Schema):
    status = fields.Text(validate=validate.OneOf(NOTICE_STATUSES))
    department = Text(validate=validate.Length(max=32))
    center = Text(validate=validate.Length(max=32))
    application_id = ma.fields.UUID()
    overdue = ma.fields.Boolean(metadata={"description": "true：逾期未答复的；false：其余"})


class NoticeSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    number = fields.Text(required=True, metadata={"example": "DB-20261204-0001"})
    application_id = ma.fields.UUID(required=True)
    application_number = fields.Text(required=True, allow_none=True)
    center = fields.Text(required=True)
    department = fields.Text(required=True)
    content = fields.Text(required=True)
    status = fields.Text(required=True, metadata={"description": "open | answered"})
    issued_by = fields.Text(required=True)
    issued_at = LocalDateTime(required=True)
    answer_days = ma.fields.Integer(required=True)
    due_at = LocalDateTime(required=True,
                                     metadata={"description": "答复期限（该日 23:59:59 北京时间）"})
    due_at_provisional = ma.fields.Boolean(required=True)
    overdue = ma.fields.Boolean(required=True, metadata={"description": "逾期未答复"})
    answer = fields.Text(required=True, allow_none=True)
    answered_by = fields.Text(required=True, allow_none=True)
    answered_at = LocalDateTime(required=True, allow_none=True)
    answered_on_time = ma.fields.Boolean(required=True, allow_none=True)
    version = ma.fields.Integer(required=True)


# -- No one can act (无人可办) ------------------------------------------------------------------


class UnattendedQuerySchema(ma.Schema):
    department = Text(validate=validate.Length(max=32))
    center = Text(validate=validate.Length(max=32))


class UnattendedTaskSchema(ma.Schema):
    task_id = ma.fields.UUID(required=True)
    application_id = ma.fields.UUID(required=True)
    application_number = fields.Text(required=True)
    center = fields.Text(required=True)
    department = fields.Text(required=True)
    stage = ma.fields.Integer(required=True)
    assignee = fields.Text(required=True, allow_none=True)
    opened_at = LocalDateTime(required=True)
    due_at = LocalDateTime(required=True)
    warning = fields.Text(required=True, allow_none=True,
                               metadata={"description": "该环节的红黄牌：yellow | red | null"})
    reason = fields.Text(required=True, metadata={
        "description": "no_active_approver：部门没有在岗审批人员；"
                       "assignee_inactive：指派的审批人员已离岗或调离"})
