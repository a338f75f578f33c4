"""The machine's clock moved (Debian's libfaketime): a slice that starts a gunicorn and a
Celery worker, with the working-day calendar's tests, passes whatever day the machine says
it is: the last seconds of 2026 in Shanghai (the run crosses into 2027, a year the official
calendar does not know), the first working Monday of 2027, and the middle of the 2027
Spring Festival. Issue 24: tests froze their clock while the processes they started read
the machine's, and failed once the real date passed the frozen one."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

import pytest

from tests.processes import ROOT
from tests.services import require_binary

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.slow,
              pytest.mark.timeout(600)]

MOMENTS = {
    "new-year's-eve-2026": dt.datetime(2026, 12, 31, 15, 59, 50, tzinfo=dt.timezone.utc),
    "first-monday-2027": dt.datetime(2027, 1, 4, 1, 0, tzinfo=dt.timezone.utc),
    "spring-festival-2027": dt.datetime(2027, 2, 10, 2, 0, tzinfo=dt.timezone.utc),
}
SLICE = ["tests/integration/test_shared_clock.py", "tests/unit/approvals/test_calendar.py"]


def machine_offset() -> float:
    """How far this run's own clock is already moved (the whole suite run under faketime
    with a relative offset, as issue 24's closing runs do): a nested faketime moves from
    the machine's real clock, not from the moved one."""
    outer = os.environ.get("FAKETIME", "") if "faketime" in os.environ.get("LD_PRELOAD", "") \
        else ""
    if not outer:
        return 0.0
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", outer):
        pytest.skip(f"SKIPPED LOUDLY: this run is under faketime with FAKETIME={outer!r}, "
                    "not a relative offset in seconds: a nested clock cannot be placed")
    return float(outer)


def moved(offset: float, *argv: str) -> subprocess.CompletedProcess[str]:
    # A relative offset, not a start instant: every process of the run (pytest, gunicorn's
    # workers, the Celery worker's children) shares one moved timeline.
    return subprocess.run(["faketime", "-f", f"{offset:+.0f}", *argv], cwd=ROOT, text=True,
                          capture_output=True, timeout=540,
                          env={**os.environ, "PYTEST_ADDOPTS": ""})


@pytest.mark.parametrize("moment", list(MOMENTS.values()), ids=list(MOMENTS))
def test_a_slice_that_starts_a_server_and_a_worker_passes_under_a_moved_clock(
        moment: dt.datetime) -> None:
    require_binary("faketime", "faketime")
    offset = (moment - dt.datetime.now(dt.timezone.utc)).total_seconds() + machine_offset()
    seen = moved(offset, sys.executable, "-c",
                 "import datetime as d; print(d.datetime.now(d.timezone.utc).isoformat())")
    assert abs(dt.datetime.fromisoformat(seen.stdout.strip()) - moment) < dt.timedelta(
        minutes=5), f"faketime did not move the clock: {seen.stdout} {seen.stderr}"
    result = moved(offset, sys.executable, "-m", "pytest", "-p", "no:xdist",
                   "-p", "no:cacheprovider", "-q", *SLICE)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "skipped" not in result.stdout, result.stdout[-2000:]
