from __future__ import annotations

from typing import Any

import pytest

# The approval walks' cast (clerk, approvers, supervisor) and its helpers.
from tests.e2e.approvals.conftest import hall  # noqa: F401


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Every scrape reads the database afresh: the tests change it between scrapes.
    return {"metrics_cache_seconds": 0}
