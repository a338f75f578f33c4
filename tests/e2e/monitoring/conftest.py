from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Every scrape reads the database afresh: the tests change it between scrapes.
    return {"metrics_cache_seconds": 0}
