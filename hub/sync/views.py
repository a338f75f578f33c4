"""HTTP views of the sync: start a center's sync, list runs and quarantined records."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from hub import db
from hub.directory import auth
from hub.directory.auth import requires
from hub.pagination import PageArgs, page_schema, paginate
from hub.sync import services, tasks
from hub.sync.models import QuarantinedRecord, SyncRun
from hub.sync.schemas import (
    QuarantinedRecordSchema,
    QuarantineQuerySchema,
    RunQuerySchema,
    StartedRunsSchema,
    StartSyncSchema,
    SyncRunSchema,
)

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync",
                description="数据同步：各中心业务系统每晚同步到统一数据库")


class _Started:
    """The first run started, with every run of the request in ``runs``."""

    def __init__(self, runs: list[SyncRun]) -> None:
        self.runs = runs

    def __getattr__(self, name: str) -> Any:
        return getattr(self.runs[0], name)


@blp.route("/<string:center>/runs")
class CenterRuns(MethodView):
    @requires("sync.run")
    @blp.arguments(StartSyncSchema(), required=False)
    @blp.response(202, StartedRunsSchema)
    @blp.alt_response(404, description="中心不存在")
    @blp.alt_response(409, description="该中心的同步正在运行，或未配置适配器")
    def post(self, body: dict[str, Any] | None, center: str) -> Any:
        """Start a sync of a center now (admin): one run per stream, handed to the
        center's workers; the first is returned, with every one in ``runs``."""
        body = body or {}
        session = db.session()
        runs = services.request_runs(session, auth.current_principal(), center,
                                     body.get("stream"), body.get("full", False))
        for run in runs:
            tasks.dispatch_run(run)
        ids = [run.id for run in runs]
        session.expire_all()
        fresh = [session.get(SyncRun, run_id) for run_id in ids]
        return _Started(fresh)


@blp.route("/runs")
class Runs(MethodView):
    @requires("sync.read")
    @blp.arguments(RunQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(SyncRunSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """Sync runs, newest first: one per center and stream each time a sync runs."""
        return paginate(db.session(), services.runs_query(**query), [SyncRun.id],
                        limit=page["limit"], cursor=page["cursor"], descending=True)


@blp.route("/quarantine")
class Quarantine(MethodView):
    @requires("sync.read")
    @blp.arguments(QuarantineQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(QuarantinedRecordSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """Records that failed validation, with their reasons (personal data masked)."""
        return paginate(db.session(), services.quarantine_query(**query),
                        [QuarantinedRecord.id], limit=page["limit"], cursor=page["cursor"],
                        descending=True)
