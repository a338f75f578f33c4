"""E-supervision API: figures per center and department, the street ranking, the annual
report; each also as a spreadsheet (``?format=csv`` or ``?format=xlsx``)."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from flask import Response
from flask.views import MethodView

from hub import clock, db
from hub.api import Blueprint
from hub.approvals import cards, staffing
from hub.approvals.models import ApprovalTask
from hub.directory import auth, deciders
from hub.directory.auth import requires
from hub.pagination import PageArgs, page_schema, paginate
from hub.supervision import callcenter_figures, exports, notices, report, services
from hub.supervision.models import SupervisionNotice
from hub.supervision.schemas import (
    CenterFiguresListSchema,
    CenterRatingFiguresListSchema,
    DepartmentFiguresListSchema,
    DepartmentRatingFiguresListSchema,
    NoticeAnswerSchema,
    NoticeIssueSchema,
    NoticeQuerySchema,
    NoticeSchema,
    PeriodArgs,
    RankingSchema,
    ReportArgs,
    ReportSchema,
    TicketFiguresListSchema,
    UnattendedQuerySchema,
    UnattendedTaskSchema,
    shown,
)

blp = Blueprint("supervision", __name__, url_prefix="/api/v1/supervision",
                description="电子监察：各中心、各部门的办件效能指标，街道排名与年度报告，"
                            "督办，无人可办的审批环节")


def _with_spreadsheets(schema: str) -> dict[str, Any]:
    """The 200 response's three forms, for the OpenAPI document (``?format=``)."""
    return {"200": {"description": "JSON（默认）；format=csv 或 xlsx 时为电子表格", "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}},
        "text/csv": {"schema": {"type": "string"},
                     "example": "\ufeff中心编码,中心名称,受理件数,…"},
        exports.XLSX_MIMETYPE: {"schema": {"type": "string", "format": "binary"}},
    }}}


def _period_name(args: dict[str, Any]) -> str:
    start, end = args.get("start"), args.get("end")
    return f"{start or '始'}_{end or '今'}"


def _respond(args: dict[str, Any], body: dict[str, Any], stem: str,
             sheets: Callable[[], Sequence[exports.Sheet]]) -> Any:
    """The JSON body, or the same figures as CSV (first sheet) or XLSX (every sheet)."""
    kind = args.get("format", "json")
    if kind == "json":
        return body
    content, mimetype = exports.render(kind, sheets())
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = exports.content_disposition(f"{stem}.{kind}")
    return response


def _now() -> dt.datetime:
    return clock.now()


@blp.route("/centers")
class Centers(MethodView):
    @requires("supervision.read")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, CenterFiguresListSchema)
    @blp.doc(responses=_with_spreadsheets("CenterFiguresList"))
    def get(self, args: dict[str, Any]) -> Any:
        """Figures of the sixteen centers over ``from``–``to`` (Asia/Shanghai dates,
        inclusive; all time without them). See ``hub.supervision.indicators`` for each
        definition: on_time_rate = concluded on or before due_at / concluded, over the
        applications concluded in the period; null when none concluded. overdue = cases
        still open (clock running) whose due_at lies in the period and has passed now;
        timeliness_rate = on_time / (concluded + overdue), null when both are 0."""
        now = _now()
        items = services.center_figures(db.session(), now, args["start"], args["end"])
        return _respond(args, {"items": items, "generated_at": shown(now)},
                        f"各中心办件效能_{_period_name(args)}",
                        lambda: [("各中心办件效能", exports.CENTER_COLUMNS, items)])


@blp.route("/departments")
class Departments(MethodView):
    @requires("supervision.read")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, DepartmentFiguresListSchema)
    @blp.doc(responses=_with_spreadsheets("DepartmentFiguresList"))
    def get(self, args: dict[str, Any]) -> Any:
        """The same figures per department, over its approval tasks (received = tasks
        opened; concluded = tasks approved or rejected), plus the share of decisions
        made on the due day itself."""
        now = _now()
        items = services.department_figures(db.session(), now, args["start"], args["end"])
        return _respond(args, {"items": items, "generated_at": shown(now)},
                        f"各部门办件效能_{_period_name(args)}",
                        lambda: [("各部门办件效能", exports.DEPARTMENT_COLUMNS, items)])


@blp.route("/ranking")
class Ranking(MethodView):
    @requires("supervision.read")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, RankingSchema)
    @blp.doc(responses=_with_spreadsheets("Ranking"))
    def get(self, args: dict[str, Any]) -> Any:
        """The fifteen street centers ranked by timeliness rate (on time / (concluded +
        overdue)), best first, never by on-time rate alone; equal rates share a rank (then
        more concluded cases first); a street with nothing concluded nor overdue in the
        period comes last with ``rank: null``. Beside it the composite score (综合评分,
        its formula in ``composite_score``'s description)."""
        now = _now()
        session = db.session()
        items = services.street_ranking(
            session, now, args["start"], args["end"],
            satisfaction=callcenter_figures.satisfaction_rates(session, now, args["start"],
                                                               args["end"]))
        return _respond(args, {"items": items, "generated_at": shown(now)},
                        f"街道办结及时率排名_{_period_name(args)}",
                        lambda: [("街道排名", exports.RANKING_COLUMNS, items)])


@blp.route("/report")
class AnnualReport(MethodView):
    @requires("supervision.read")
    @blp.arguments(ReportArgs, location="query")
    @blp.response(200, ReportSchema)
    @blp.doc(responses=_with_spreadsheets("Report"))
    def get(self, args: dict[str, Any]) -> Any:
        """The year's figures for the annual report, counted from the applications in SQL:
        received and concluded per center and in total, on-time rate, the cases still open
        past a deadline that fell in the year (``overdue``) and the timeliness rate (on time /
        (concluded + overdue)), supplement requests, withdrawals, rejections by reason;
        ``checks`` shows that the totals add up and that the rollups agree (``ok`` when every
        check holds). The disclosure report's text (三) states the same figures."""
        now = _now()
        year = args["year"]
        body = report.annual_report(db.session(), year, now)
        body["generated_at"] = shown(now)
        total_row = {"center": "合计", "name": "全区", **body["total"]}
        return _respond(args, body, f"{year}年度电子监察报告", lambda: [
            (f"{year}年度办件统计", exports.REPORT_COLUMNS, [*body["centers"], total_row]),
            ("不予许可理由", exports.REASON_COLUMNS, body["rejection_reasons"]),
            ("合计核对", exports.CHECK_COLUMNS, body["checks"]),
        ])


# -- Supervision notices (督办) -----------------------------------------------------------------


def _presented(session: Any, found: list[Any]) -> list[dict[str, Any]]:
    now = _now()
    numbers = notices.case_numbers(session, found)
    return [notices.present_notice(n, now, numbers.get(n.application_id)) for n in found]


@blp.route("/notices")
class Notices(MethodView):
    @requires("notices.read")
    @blp.arguments(NoticeQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(NoticeSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """Supervision notices, newest first: officials see all, a department's approvers
        and chiefs their department's, a window clerk their center's. ``overdue=true``:
        the open ones past their answer deadline."""
        session = db.session()
        stmt = notices.notices_query(auth.current_principal(), _now(), **query)
        result = paginate(session, stmt, [SupervisionNotice.issued_at, SupervisionNotice.id],
                          limit=page["limit"], cursor=page["cursor"], descending=True)
        return {**result, "items": _presented(session, result["items"])}

    @requires("notices.issue")
    @blp.arguments(NoticeIssueSchema)
    @blp.response(201, NoticeSchema)
    @blp.alt_response(404, description="办件不存在")
    @blp.alt_response(409, description="办件已办结，或该部门已有未答复的督办")
    def post(self, body: dict[str, Any]) -> Any:
        """Issue a notice (supervisor): the department handling the case must explain it in
        writing by the end of the ``answer_days``-th working day; audited on the case."""
        session = db.session()
        notice = notices.issue_notice(session, auth.current_principal(), body["application_id"],
                                      content=body["content"], department=body["department"],
                                      answer_days=body["answer_days"])
        return _presented(session, [notice])[0]


@blp.route("/notices/<uuid:notice_id>")
class NoticeItem(MethodView):
    @requires("notices.read")
    @blp.response(200, NoticeSchema)
    @blp.alt_response(404, description="督办通知不存在（或无权查看）")
    def get(self, notice_id: uuid.UUID) -> Any:
        """One notice."""
        session = db.session()
        return _presented(session, [notices.get_notice(session, auth.current_principal(),
                                                       notice_id)])[0]


@blp.route("/notices/<uuid:notice_id>/answer")
class NoticeAnswer(MethodView):
    @requires("notices.answer")
    @blp.arguments(NoticeAnswerSchema)
    @blp.response(200, NoticeSchema)
    @blp.alt_response(404, description="督办通知不存在（或无权查看）")
    @blp.alt_response(409, description="已答复，或版本已过期")
    def post(self, body: dict[str, Any], notice_id: uuid.UUID) -> Any:
        """The department's written answer (its approvers and chiefs), once; audited on
        the case, with whether it came in time."""
        session = db.session()
        notice = notices.answer_notice(session, auth.current_principal(), notice_id,
                                       answer=body["answer"], version=body["version"])
        return _presented(session, [notice])[0]


# -- No one can act (无人可办) ------------------------------------------------------------------


@blp.route("/unattended")
class Unattended(MethodView):
    @requires("staffing.read")
    @blp.arguments(UnattendedQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(UnattendedTaskSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """Pending approval steps nobody can act on (无人可办), most urgent first: their
        department has no active approver or chief (``no_active_approver``), or they are
        assigned to someone who has left it (``assignee_inactive``). Their clocks run."""
        session = db.session()
        now = _now()
        staffed = deciders.staffed_departments(session)
        result = paginate(session, staffing.unattended_query(session, **query),
                          [ApprovalTask.due_at, ApprovalTask.id], limit=page["limit"],
                          cursor=page["cursor"])
        items = [{"task_id": t.id, "application_id": t.application_id,
                  "application_number": t.application.number,
                  "center": t.application.center_code, "department": t.department_code,
                  "stage": t.stage, "assignee": t.assignee, "opened_at": t.opened_at,
                  "due_at": t.due_at, "reason": staffing.reason(t, staffed),
                  "warning": cards.card(now, t.due_at, t.yellow_at,
                                        running=t.application.status == "in_review")}
                 for t in result["items"]]
        return {**result, "items": items}


@blp.route("/tickets")
class TicketFigures(MethodView):
    @requires("supervision.read")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, TicketFiguresListSchema)
    @blp.doc(responses=_with_spreadsheets("TicketFiguresList"))
    def get(self, args: dict[str, Any]) -> Any:
        """The call center's three rates per center over ``from``–``to``: response_rate =
        responded (a first action by the end of the first working day after receipt) /
        received; resolution_rate = closed as satisfied / closed as satisfied or
        unsatisfied (unreachable left out); satisfaction_rate = ticket ratings 3–5 /
        ticket ratings; the streets ranked on the three (``hub.supervision.callcenter``)."""
        now = _now()
        items = callcenter_figures.ticket_figures(db.session(), now, args["start"], args["end"])
        return _respond(args, {"items": items, "generated_at": shown(now)},
                        f"呼叫中心三率_{_period_name(args)}",
                        lambda: [("呼叫中心三率", exports.TICKET_COLUMNS, items)])


@blp.route("/ratings")
class RatingFigures(MethodView):
    @requires("supervision.read")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, CenterRatingFiguresListSchema)
    @blp.doc(responses=_with_spreadsheets("CenterRatingFiguresList"))
    def get(self, args: dict[str, Any]) -> Any:
        """Satisfaction (好差评) per center over ``from``–``to`` (by the day of rating):
        ratings, satisfied (levels 3–5), satisfaction_rate = satisfied / ratings (null when
        none), bad (1–2), rectified (bad whose rectification ticket is closed),
        rectified_on_time; ratings excluded on appeal are left out."""
        now = _now()
        items = callcenter_figures.rating_figures(db.session(), now, args["start"], args["end"])
        return _respond(args, {"items": items, "generated_at": shown(now)},
                        f"好差评_各中心_{_period_name(args)}",
                        lambda: [("好差评（各中心）", exports.RATING_COLUMNS, items)])


@blp.route("/ratings/departments")
class DepartmentRatingFigures(MethodView):
    @requires("supervision.read")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, DepartmentRatingFiguresListSchema)
    @blp.doc(responses=_with_spreadsheets("DepartmentRatingFiguresList"))
    def get(self, args: dict[str, Any]) -> Any:
        """The same satisfaction figures per department: the ratings of the tickets it
        answered and of the cases it concluded."""
        now = _now()
        items = callcenter_figures.department_rating_figures(db.session(), now, args["start"],
                                                             args["end"])
        return _respond(args, {"items": items, "generated_at": shown(now)},
                        f"好差评_各部门_{_period_name(args)}",
                        lambda: [("好差评（各部门）", exports.DEPARTMENT_RATING_COLUMNS, items)])
