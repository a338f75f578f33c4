"""Fixtures of the sync tests: a fake center system served for real on 127.0.0.1, and
a center of the app pointed at it."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from adapters.sample.fake_center import FakeCenter
from hub import db as hub_db
from hub.directory.models import Center
from hub.sync import runner
from hub.sync.models import SyncRun

TOKEN_ENV = "HUB_TEST_CENTER_TOKEN"


@pytest.fixture
def fake_center() -> Iterator[FakeCenter]:
    with FakeCenter(token=secrets.token_urlsafe(16)) as fake:
        yield fake


def point(app: Flask, center: str, adapter: dict[str, Any] | None) -> None:
    """Give a center of the app another adapter stanza (as the centers file would)."""
    with hub_db.get_database(app).session_scope() as session:
        session.execute(update(Center).where(Center.code == center).values(adapter=adapter))
        session.commit()


def http_stanza(fake: FakeCenter, **overrides: Any) -> dict[str, Any]:
    return {"kind": "http_json", "base_url": fake.url, "token_env": TOKEN_ENV,
            "batch_size": 25, "retries": 2, "backoff_seconds": 0, "max_backoff_seconds": 0.05,
            "read_timeout_seconds": 5, **overrides}


@pytest.fixture
def http_center(app: Flask, fake_center: FakeCenter, monkeypatch: pytest.MonkeyPatch,
                people: Any) -> FakeCenter:
    """binhe's adapter reads ``fake_center``; the catalog holds open-restaurant."""
    monkeypatch.setenv(TOKEN_ENV, fake_center.token)
    people.service_item()
    point(app, "binhe", http_stanza(fake_center))
    return fake_center


def sync(app: Flask, center: str = "binhe", stream: str | None = None,
         full: bool = False, progress: Any = None) -> list[SyncRun]:
    return runner.sync_center(hub_db.get_database(app), center, stream=stream, trigger="cli",
                              requested_by="test", full=full, progress=progress)


def counts(run: SyncRun) -> tuple[int, int, int, int, int]:
    return (run.fetched, run.inserted, run.updated, run.unchanged, run.rejected)
