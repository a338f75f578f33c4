from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Every scrape reads the database afresh: the tests change it between scrapes.
    return {"metrics_cache_seconds": 0}


@pytest.fixture
def tx(app):  # type: ignore[no-untyped-def]
    """A session with real transactions, for writing cases the way services do."""
    from hub import db as hub_db

    session = hub_db.get_database(app).sessionmaker()
    yield session
    session.close()
