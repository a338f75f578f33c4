"""E-supervision API: figures per center and department, the street ranking, the annual
report; each also as a spreadsheet (``?format=csv`` or ``?format=xlsx``)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from hub import clock, db
from hub.directory.auth import requires
from hub.supervision import exports, report, services
from hub.supervision.schemas import (
    CenterFiguresListSchema,
    DepartmentFiguresListSchema,
    PeriodArgs,
    RankingSchema,
    ReportArgs,
    ReportSchema,
    shown,
)

blp = Blueprint("supervision", __name__, url_prefix="/api/v1/supervision",
                description="电子监察：各中心、各部门的办件效能指标，街道排名与年度报告")

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


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    return response


def _respond(args: dict[str, Any], body: dict[str, Any], stem: str,
             sheets: Callable[[], Sequence[tuple[str, Sequence[exports.Column], Any]]]) -> Any:
    """The JSON body, or the same figures as CSV (first sheet) or XLSX (every sheet)."""
    kind = args.get("format", "json")
    if kind == "csv":
        _, columns, rows = sheets()[0]
        return _download(exports.to_csv(columns, rows), exports.CSV_MIMETYPE, f"{stem}.csv")
    if kind == "xlsx":
        return _download(exports.to_xlsx(sheets()), exports.XLSX_MIMETYPE, f"{stem}.xlsx")
    return body


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
        applications concluded in the period; null when none concluded."""
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
        """The fifteen street centers ranked by on-time rate, best first; equal rates share
        a rank (then more concluded cases first); a street with nothing concluded in the
        period comes last with ``rank: null``."""
        now = _now()
        items = services.street_ranking(db.session(), now, args["start"], args["end"])
        return _respond(args, {"items": items, "generated_at": shown(now)},
                        f"街道按时办结率排名_{_period_name(args)}",
                        lambda: [("街道排名", exports.RANKING_COLUMNS, items)])


@blp.route("/report")
class AnnualReport(MethodView):
    @requires("supervision.read")
    @blp.arguments(ReportArgs, location="query")
    @blp.response(200, ReportSchema)
    @blp.doc(responses=_with_spreadsheets("Report"))
    def get(self, args: dict[str, Any]) -> Any:
        """The year's figures for the annual report, counted from the applications in SQL:
        received and concluded per center and in total, on-time rate, supplement requests,
        withdrawals, rejections by reason; ``checks`` shows that the totals add up and that
        the rollups agree (``ok`` when every check holds)."""
        now = _now()
        year = args["year"]
        body = report.annual_report(db.session(), year)
        body["generated_at"] = shown(now)
        total_row = {"center": "合计", "name": "全区", **body["total"]}
        return _respond(args, body, f"{year}年度电子监察报告", lambda: [
            (f"{year}年度办件统计", exports.REPORT_COLUMNS, [*body["centers"], total_row]),
            ("不予许可理由", exports.REASON_COLUMNS, body["rejection_reasons"]),
            ("合计核对", exports.CHECK_COLUMNS, body["checks"]),
        ])
