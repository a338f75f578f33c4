"""HTTP views of the sync: start a center's sync, list runs and quarantined records."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from hub import clock, db
from hub.api import Blueprint
from hub.directory import auth
from hub.directory.auth import requires
from hub.pagination import PageArgs, page_schema, paginate
from hub.sync import services, tasks
from hub.sync.models import QuarantinedRecord, SyncRun
from hub.sync.schemas import (
    FreshnessListSchema,
    QuarantinedRecordSchema,
    QuarantineQuerySchema,
    ResolveSchema,
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


@blp.route("/runs/<id:run_id>/retry")
class RetryRun(MethodView):
    @requires("sync.run")
    @blp.response(202, SyncRunSchema)
    @blp.alt_response(404, description="同步运行不存在")
    @blp.alt_response(409, description="该运行未失败，或此后已再次同步")
    def post(self, run_id: int) -> Any:
        """Run a failed run's stream again (admin), from the cursor it committed; audited
        with the run it retries."""
        session = db.session()
        run = services.retry_run(session, auth.current_principal(), run_id)
        tasks.dispatch_run(run)
        session.expire_all()
        return session.get(SyncRun, run.id)


@blp.route("/quarantine/<id:record_id>/resolve")
class ResolveQuarantined(MethodView):
    @requires("sync.review")
    @blp.arguments(ResolveSchema)
    @blp.response(200, QuarantinedRecordSchema)
    @blp.alt_response(404, description="隔离记录不存在")
    @blp.alt_response(409, description="已处理")
    def post(self, body: dict[str, Any], record_id: int) -> Any:
        """Close a quarantined record after review (admin), with a note; audited. To take
        it in instead, fix it at the center (or add what the catalog lacks) and re-read the
        stream: ``POST /api/v1/sync/{center}/runs`` with ``{"stream": …, "full": true}``."""
        return services.resolve_quarantined(db.session(), auth.current_principal(), record_id,
                                            body["note"])


@blp.route("/freshness")
class Freshness(MethodView):
    @requires("sync.read")
    @blp.response(200, FreshnessListSchema)
    def get(self) -> Any:
        """How fresh each syncing center's data is, per stream: the last success, its age,
        and the nightly runs missed since (two hours' grace after each night's start)."""
        return {"items": services.data_freshness(db.session(), clock.now())}
