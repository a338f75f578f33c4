"""The backoff between delivery tries."""
from __future__ import annotations

import datetime as dt

from hub.delivery.services import RetryPolicy


def test_the_wait_doubles_after_each_failed_try_up_to_an_hour() -> None:
    policy = RetryPolicy(max_retries=8, backoff_seconds=30)
    waits = [policy.delay(attempt).total_seconds() for attempt in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert RetryPolicy(max_retries=1, backoff_seconds=0).delay(1) == dt.timedelta(0)
