"""Officials' pages (waiting for the supervision services)."""
from __future__ import annotations

from typing import Any

from hub.errors import NotFound
from hub.web.blueprint import bp, page


@bp.route("/dashboard")
@page("supervision.read")
def dashboard() -> Any:
    raise NotFound("建设中")


@bp.route("/warnings")
@page("supervision.read")
def warnings() -> Any:
    raise NotFound("建设中")


@bp.route("/sync")
@page("sync.read")
def sync_status() -> Any:
    raise NotFound("建设中")
