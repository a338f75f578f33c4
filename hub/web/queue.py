"""Approver and chief pages (waiting for the routing services)."""
from __future__ import annotations

from typing import Any

from hub.errors import NotFound
from hub.web.blueprint import bp, page


@bp.route("/queue")
@page("tasks.list")
def queue() -> Any:
    raise NotFound("建设中")
