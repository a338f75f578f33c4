"""Window clerk pages (waiting for the routing services)."""
from __future__ import annotations

from typing import Any

from hub.errors import NotFound
from hub.web.blueprint import bp, page


@bp.route("/cases")
@page("applications.list")
def cases() -> Any:
    raise NotFound("建设中")


@bp.route("/cases/new")
@page("applications.list")
def new_case() -> Any:
    raise NotFound("建设中")
