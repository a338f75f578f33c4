"""The HTTP sender refuses, without a request, what no retry can fix."""
from __future__ import annotations

import pytest

from adapters.outbound import send
from hub.delivery.port import PermanentFailure


@pytest.mark.parametrize("endpoint", [{}, {"url": "ftp://127.0.0.1/tasks"},
                                      {"url": "http://127.0.0.1/tasks", "timeout_seconds": 0},
                                      {"url": "http://127.0.0.1/tasks", "token_env": "lower"}])
def test_a_configuration_that_cannot_work_is_a_permanent_failure(endpoint) -> None:
    with pytest.raises(PermanentFailure, match="部门系统配置有误"):
        send(endpoint, "task-1-v1", {})


def test_a_missing_token_is_a_permanent_failure(monkeypatch) -> None:
    monkeypatch.delenv("HUB_NO_SUCH_TOKEN", raising=False)
    with pytest.raises(PermanentFailure, match="HUB_NO_SUCH_TOKEN"):
        send({"url": "http://127.0.0.1:9/tasks", "token_env": "HUB_NO_SUCH_TOKEN"},
             "task-1-v1", {})
