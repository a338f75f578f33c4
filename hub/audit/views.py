"""The audit trail, read-only for supervisors and administrators."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from hub import db
from hub.audit.models import AuditRecord
from hub.audit.schemas import AuditQuerySchema, AuditRecordSchema
from hub.audit.services import trail_query
from hub.directory.auth import requires
from hub.pagination import PageArgs, page_schema, paginate
from hub.supervision.indicators import period_bounds

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="审计记录（只读）")


@blp.route("")
class AuditTrail(MethodView):
    @requires("audit.read")
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(AuditRecordSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """The audit trail, newest first; ``target`` filters by target id (an application's
        tasks, decisions and warnings carry the application as their target), ``actor`` by
        who acted, ``action`` by what (``task.*`` for every decision), ``from``–``to`` by
        Asia/Shanghai dates, inclusive."""
        lower, upper = period_bounds(query.get("start"), query.get("end"))
        stmt = trail_query(actor=query.get("actor"), action=query.get("action"),
                           target=query.get("target"), start=lower, end=upper)
        return paginate(db.session(), stmt, [AuditRecord.id], limit=page["limit"],
                        cursor=page["cursor"], descending=True)
