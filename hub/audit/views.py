"""The audit trail, read-only for supervisors and administrators."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from hub import db
from hub.audit.models import AuditRecord
from hub.audit.schemas import AuditQuerySchema, AuditRecordSchema
from hub.directory.auth import requires
from hub.pagination import PageArgs, page_schema, paginate

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="审计记录（只读）")


@blp.route("")
class AuditTrail(MethodView):
    @requires("audit.read")
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(AuditRecordSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """The audit trail, newest first; ``target`` filters by target id (an application's
        tasks, decisions and warnings carry the application as their target)."""
        stmt = select(AuditRecord)
        if query.get("target"):
            stmt = stmt.where(AuditRecord.target_id == query["target"])
        if query.get("actor"):
            stmt = stmt.where(AuditRecord.actor == query["actor"])
        return paginate(db.session(), stmt, [AuditRecord.id], limit=page["limit"],
                        cursor=page["cursor"], descending=True)
