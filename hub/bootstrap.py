"""Bringing a database up to a working hub: the newest schema, the centers of the centers
file and the official working-day calendars (``hub init``, the demo). Safe to re-run."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from hub import migrate
from hub.approvals.calendar_services import seed_official_years
from hub.config import Settings
from hub.db import Database
from hub.directory.services import load_centers
from hub.permissions import Principal


def default_centers_file() -> Path:
    """The centers file shipped with the hub (the sixteen centers of 沈河区)."""
    return Path(str(resources.files("adapters").joinpath("centers.toml")))


def centers_file(settings: Settings) -> Path:
    """The centers file the settings name (``HUB_CENTERS_CONFIG``), else the shipped one."""
    return Path(settings.centers_config) if settings.centers_config else default_centers_file()


def initialise(database: Database, path: Path, actor: Principal) -> dict[str, int]:
    """Migrate the database to the newest schema, load the centers file at ``path`` and
    the official working-day calendars the ``chinese-calendar`` package knows. Returns
    the centers ``created``/``updated``/``unchanged`` and the ``calendar_years`` added;
    raises ``ValueError`` naming what is wrong with the centers file. Run it inside the
    app context, so the records take the app's clock."""
    migrate.upgrade(database.engine)
    with database.session_scope() as session:
        counts = load_centers(session, path, actor)
        counts["calendar_years"] = len(seed_official_years(session, actor))
    return counts
