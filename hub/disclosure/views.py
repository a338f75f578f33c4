"""HTTP views of government information disclosure: they translate, the services decide."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from hub import db, idempotency
from hub.api import path_id, path_year
from hub.approvals.calendar_services import load_calendar
from hub.directory.auth import current_principal, requires
from hub.disclosure import annual, rendering, services
from hub.disclosure.categories import OUTCOMES
from hub.disclosure.models import DisclosureRequest
from hub.disclosure.schemas import (
    DisclosureAnswerSchema,
    DisclosureRequestSchema,
    DisclosureExtensionSchema,
    DisclosureOutcomeSchema,
    DisclosureRegistrationSchema,
    DisclosureReportQuerySchema,
    DisclosureReportSchema,
    DisclosureRequesterInClearSchema,
    DisclosureRequestQuerySchema,
    DisclosureResubmissionSchema,
    DisclosureSupplementSchema,
    DisclosureYearFiguresSchema,
)
from hub.pagination import PageArgs, page_schema, paginate

blp = Blueprint("disclosure", __name__, url_prefix="/api/v1/disclosure",
                description="政府信息公开：依申请公开的登记、期限与答复；年度报告（2021 年国家格式）")


def _shown(req: DisclosureRequest, *, detail: bool = False) -> dict[str, Any]:
    session = db.session()
    return services.present(req, services.today(), load_calendar(session),
                            history_of=session if detail else None)


@blp.route("/requests")
class Requests(MethodView):
    @requires("disclosure_requests.list")
    @blp.arguments(DisclosureRequestQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(DisclosureRequestSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """Requests of one status (``open`` by default, most urgent first; waiting for a
        completed request in the order they were sent back; answered, newest first):
        the caller's center's, every center's for officials and administrators."""
        columns, descending = services.ORDER[query["status"]]
        stmt = services.requests_query(current_principal(), services.today(), **query)
        result = paginate(db.session(), stmt, columns, limit=page["limit"],
                          cursor=page["cursor"], descending=descending)
        result["items"] = [_shown(r) for r in result["items"]]
        return result

    @requires("disclosure_requests.register")
    @blp.arguments(DisclosureRegistrationSchema)
    @blp.response(201, DisclosureRequestSchema)
    @blp.alt_response(409, description="同一 Idempotency-Key 已用于另一份申请")
    @blp.alt_response(422, description="渠道、申请人、内容或收到日期有误（不能晚于今天）")
    def post(self, body: dict[str, Any]) -> Any:
        """Register a request received at the caller's center (clerk, operator): due 20
        working days after receipt. With an ``Idempotency-Key`` a replay returns it."""
        req, replayed = services.register_request(db.session(), current_principal(), body,
                                                  idempotency_key=idempotency.key_from_request())
        headers = {"Location": f"/api/v1/disclosure/requests/{req.id}"}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return _shown(req), 201, headers


@blp.route("/requests/<string:request_id>")
class RequestItem(MethodView):
    @requires("disclosure_requests.list")
    @blp.response(200, DisclosureRequestSchema)
    def get(self, request_id: str) -> Any:
        """A request with its history (the audit records)."""
        req = services.readable_request(db.session(), current_principal(), path_id(request_id))
        return _shown(req, detail=True)


@blp.route("/requests/<string:request_id>/requester")
class RequesterInClear(MethodView):
    @requires("disclosure_requests.read_requester")
    @blp.response(200, DisclosureRequesterInClearSchema)
    def get(self, request_id: str) -> Any:
        """The requester unmasked, to send the answer (the center's clerks, operators and
        chiefs): the look is audited."""
        return services.requester_in_clear(db.session(), current_principal(), path_id(request_id))


@blp.route("/requests/<string:request_id>/extend")
class Extension(MethodView):
    @requires("disclosure_requests.extend")
    @blp.arguments(DisclosureExtensionSchema)
    @blp.response(200, DisclosureRequestSchema)
    @blp.alt_response(409, description="已延长过、等待补正或已答复")
    def post(self, body: dict[str, Any], request_id: str) -> Any:
        """Extend the limit once by 20 working days (a chief of the center, or an
        administrator), no later than the day it falls due."""
        req = services.extend_request(db.session(), current_principal(), path_id(request_id),
                                      body["reason"], body["on"])
        return _shown(req)


@blp.route("/requests/<string:request_id>/supplement")
class Supplement(MethodView):
    @requires("disclosure_requests.supplement")
    @blp.arguments(DisclosureSupplementSchema)
    @blp.response(200, DisclosureRequestSchema)
    @blp.alt_response(409, description="已要求过补正或已答复")
    def post(self, body: dict[str, Any], request_id: str) -> Any:
        """Send an unclear request back to the requester, once, within 7 working days of
        receipt; no limit runs until the completed request arrives."""
        req = services.request_supplement(db.session(), current_principal(), path_id(request_id),
                                          body["reason"], body["on"])
        return _shown(req)


@blp.route("/requests/<string:request_id>/resubmit")
class Resubmission(MethodView):
    @requires("disclosure_requests.supplement")
    @blp.arguments(DisclosureResubmissionSchema)
    @blp.response(200, DisclosureRequestSchema)
    @blp.alt_response(409, description="该申请没有在等待补正")
    def post(self, body: dict[str, Any], request_id: str) -> Any:
        """The completed request arrived on ``on``: 20 working days from then."""
        req = services.resubmit_request(db.session(), current_principal(), path_id(request_id),
                                        body["on"])
        return _shown(req)


@blp.route("/requests/<string:request_id>/answer")
class Answer(MethodView):
    @requires("disclosure_requests.answer")
    @blp.arguments(DisclosureAnswerSchema)
    @blp.response(200, DisclosureRequestSchema)
    @blp.alt_response(409, description="已答复")
    def post(self, body: dict[str, Any], request_id: str) -> Any:
        """Answer with one of the national form's outcomes, and its reason where the
        form asks (``GET /api/v1/disclosure/outcomes``)."""
        req = services.answer_request(db.session(), current_principal(), path_id(request_id),
                                      body["outcome"], body["reason"], body["answered_on"])
        return _shown(req)


@blp.route("/outcomes")
class Outcomes(MethodView):
    @requires("disclosure.outcomes")
    @blp.response(200, DisclosureOutcomeSchema(many=True))
    def get(self) -> Any:
        """The national form's outcomes and, where it asks for one, their reasons."""
        return list(OUTCOMES)


@blp.route("/report/<string:year>")
class Report(MethodView):
    @requires("disclosure.report")
    @blp.arguments(DisclosureReportQuerySchema, location="query")
    @blp.response(200, DisclosureReportSchema, description="JSON; ?format=html a page, "
                  "?format=docx a Word document in the national format")
    def get(self, query: dict[str, Any], year: str) -> Any:
        """The year's report, generated from the data; a year still in progress has
        ``open`` true and says so on every page."""
        report = annual.build_report(db.session(), current_principal(), path_year(year))
        if query["format"] == "json":
            return report
        dumped = DisclosureReportSchema().dump(report)
        if query["format"] == "html":
            return Response(rendering.html_document(dumped), mimetype="text/html")
        response = Response(rendering.docx_bytes(dumped), mimetype=rendering.DOCX_MIMETYPE)
        filename = f"{report['title']}{'（年度未结束）' if report['open'] else ''}.docx"
        response.headers["Content-Disposition"] = (
            f"attachment; filename=\"disclosure-{report['year']}.docx\"; "
            f"filename*=UTF-8''{quote(filename)}")
        return response


@blp.route("/years/<string:year>")
class Year(MethodView):
    @requires("disclosure.years.read")
    @blp.response(200, DisclosureYearFiguresSchema)
    def get(self, year: str) -> Any:
        """What the administrator keeps for the year's report: proactive disclosure
        counts, reconsiderations and lawsuits, the texts of sections 五 and 六."""
        number = path_year(year)
        annual.check_year(number, services.today())
        return annual.year_figures(db.session(), number)

    @requires("disclosure.years.write")
    @blp.arguments(DisclosureYearFiguresSchema)
    @blp.response(200, DisclosureYearFiguresSchema)
    def put(self, body: dict[str, Any], year: str) -> Any:
        """Keep (replace) the year's figures (administrator); audited."""
        return annual.keep_year(db.session(), current_principal(), path_year(year), body)
