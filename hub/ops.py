"""Operations endpoints: liveness and readiness."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from sqlalchemy import text

from hub import db
from hub.api import Blueprint
from hub.errors import ServiceUnavailable

blp = Blueprint("operations", __name__, description="运行状态")


class StatusSchema(ma.Schema):
    status = ma.fields.String(required=True)
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


def check_database() -> None:
    with db.get_database().engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def check_broker() -> str:
    settings = current_app.config["HUB_SETTINGS"]
    if settings.eager_celery:
        return "in-process"
    celery_app = current_app.extensions["celery"]
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@blp.route("/healthz")
class Healthz(MethodView):
    @blp.response(200, StatusSchema)
    def get(self) -> Any:
        """The process is up."""
        return {"status": "ok"}


@blp.route("/readyz")
class Readyz(MethodView):
    @blp.response(200, StatusSchema)
    @blp.alt_response(503, description="数据库或消息服务不可达")
    def get(self) -> Any:
        """The database and the broker are reachable."""
        checks: dict[str, str] = {}
        try:
            check_database()
            checks["database"] = "ok"
        except Exception as exc:  # any failure to reach it means not ready
            raise ServiceUnavailable(f"数据库不可达：{type(exc).__name__}") from exc
        try:
            checks["broker"] = check_broker()
        except Exception as exc:  # any failure to reach it means not ready
            raise ServiceUnavailable(f"消息服务不可达：{type(exc).__name__}") from exc
        return {"status": "ok", "checks": checks}
