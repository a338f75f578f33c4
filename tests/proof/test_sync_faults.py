"""A center's system failing mid-sync, and a network that stalls between it and the hub
(the fault proxy: delay past the read timeout, a connection cut mid-response, an answer
dripping one byte at a time): the runs resume from the committed cursor, and in the end
every record is in the hub exactly once, the run counts add up, the cursor is the
center's last.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.sample.data import application_records
from adapters.sample.fake_center import FakeCenter
from hub.approvals.models import Application
from hub.sync.models import SyncCursor
from tests.integration.sync.conftest import TOKEN_ENV, point, sync
from tests.proof.faultproxy import PASS, REFUSE, Cut, Delay, Drip, FaultProxy

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(240)]

RECORDS = 3000
BATCH = 100
MAX_RUNS = 6


@pytest.fixture
def center(app, people, monkeypatch) -> Iterator[FakeCenter]:
    people.service_item()
    with FakeCenter(token=secrets.token_urlsafe(16)) as fake:
        monkeypatch.setenv(TOKEN_ENV, fake.token)
        fake.put_many("applications", application_records("binhe", RECORDS,
                                                          items=("open-restaurant",)))
        yield fake


def stanza(url: str) -> dict[str, Any]:
    return {"kind": "http_json", "base_url": url, "token_env": TOKEN_ENV,
            "batch_size": BATCH, "retries": 4, "backoff_seconds": 0.05,
            "max_backoff_seconds": 0.2, "connect_timeout_seconds": 2,
            "read_timeout_seconds": 1.0, "total_timeout_seconds": 3.0}


def sync_until_done(app) -> list[Any]:
    """Sync again after a failed run, as the next night (or the reconciler) would."""
    runs = []
    for _ in range(MAX_RUNS):
        (run,) = sync(app, stream="applications")
        runs.append(run)
        if run.status == "succeeded":
            break
    return runs


def reconcile(session, fake: FakeCenter, runs: list[Any]) -> dict[str, Any]:
    """Everything once: the rows, the run counts, the cursor."""
    rows = session.scalar(select(func.count()).select_from(Application)
                          .where(Application.center_code == "binhe"))
    distinct = session.scalar(select(func.count(func.distinct(Application.external_id)))
                              .where(Application.center_code == "binhe"))
    cursor = session.scalar(select(SyncCursor.cursor).where(
        SyncCursor.center_code == "binhe", SyncCursor.stream == "applications"))
    last = fake.records("applications")[-1]
    assert runs[-1].status == "succeeded", [(r.status, r.error) for r in runs]
    assert rows == distinct == RECORDS
    assert sum(r.inserted for r in runs) == RECORDS
    assert sum(r.updated for r in runs) == 0
    assert sum(r.fetched for r in runs) == sum(r.inserted + r.updated + r.unchanged + r.rejected
                                               for r in runs)
    assert cursor is not None and last["external_id"] in cursor
    return {"records": RECORDS, "in_hub": rows, "duplicates": rows - distinct,
            "runs": [{"status": r.status, "fetched": r.fetched, "inserted": r.inserted,
                      "error": r.error} for r in runs]}


def test_the_center_failing_mid_sync_then_the_next_run_resumes(app, center, session, figures):
    point(app, "binhe", stanza(center.url))
    center.faults.fail_after_pages = 7  # every page after the seventh answers 500
    first = sync_until_done(app)
    assert all(r.status == "failed" for r in first)
    assert first[0].inserted == 7 * BATCH  # what was committed stays
    center.faults.fail_after_pages = None
    runs = first + sync_until_done(app)
    figures.write("sync_center_fails", injected="HTTP 500 on every page after the 7th",
                  **reconcile(session, center, runs))


PLANS = {
    # The first three connections answer 1.5 s late (the read timeout is 1 s).
    "delay": lambda n: Delay(1.5) if n < 3 else PASS,
    # Every connection is cut 75 kB into what it answers (in its third page or so).
    "cut": lambda n: Cut(after=75_000),
    # The first connection drips its answer a byte every 10 ms: never silent for the
    # read timeout, never done (a 30 kB page would take five minutes).
    "drip": lambda n: Drip(0.01) if n == 0 else PASS,
    # Connections refused now and then.
    "refuse": lambda n: REFUSE if n % 2 == 0 else Cut(after=150_000),
}


@pytest.mark.parametrize("fault", sorted(PLANS))
def test_a_stalling_network_loses_and_doubles_nothing(app, center, session, figures, fault):
    with FaultProxy(("127.0.0.1", center.port), PLANS[fault]) as proxy:
        point(app, "binhe", stanza(proxy.url))
        runs = sync_until_done(app)
    result = reconcile(session, center, runs)
    figures.write(f"sync_network_{fault}", injected=fault, proxy_connections=proxy.connections,
                  behaviours=sorted(set(proxy.applied)), **result)
