"""A long run hands its source to the preparation process (a second Python process),
against a fake center served for real on 127.0.0.1: every record lands once, the
rollups it adds equal a recount, and a preparation process that dies fails the run
without losing what was committed."""
from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.sample.data import application_records
from hub import db as hub_db
from hub.approvals.models import Application
from hub.supervision import rollups
from hub.supervision.models import CenterDay, CenterWorkingDays
from tests.integration.sync.conftest import counts, http_stanza, point
from tests.integration.sync.conftest import sync as sync_center

RECORDS, PAGE = 400, 10


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"sync_prepare_after": 1}  # hand off as soon as the process is up


@pytest.fixture
def slow_center(app, http_center):
    """40 pages that take at least 8 s to serve: the process is up long before the end."""
    point(app, "binhe", http_stanza(http_center, batch_size=PAGE))
    http_center.put_many("applications", application_records(
        "binhe", RECORDS, items=("open-restaurant",)))
    http_center.faults.delay_seconds = 0.2
    return http_center


def preparation_processes() -> list[int]:
    """This process's children running ``hub.sync.preparation``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"hub.sync.preparation" in command and parent == os.getpid():
            found.append(int(entry.name))
    return found


def handed_off(caplog) -> bool:
    return any("sync_handoff" in r.getMessage() for r in caplog.records)


def sync(app, progress=None):
    return sync_center(app, stream="applications", progress=progress)


def rollup_rows(session) -> tuple[list[Any], list[Any]]:
    session.expire_all()
    return ([tuple(r) for r in session.execute(select(CenterDay.__table__).order_by(
                CenterDay.center_code, CenterDay.day))],
            [tuple(r) for r in session.execute(select(CenterWorkingDays.__table__).order_by(
                CenterWorkingDays.center_code, CenterWorkingDays.day,
                CenterWorkingDays.working_days))])


def test_a_long_run_is_prepared_in_a_second_process_and_lands_once(app, slow_center, session,
                                                                   caplog):
    caplog.set_level(logging.INFO, logger="hub.sync")
    [run] = sync(app)
    assert run.status == "succeeded", run.error
    assert handed_off(caplog)
    assert counts(run) == (RECORDS, RECORDS, 0, 0, 0) and run.batches == RECORDS // PAGE
    keys = session.scalars(select(Application.external_id).where(
        Application.center_code == "binhe")).all()
    assert sorted(keys) == sorted(r["external_id"] for r in slow_center.records("applications"))
    assert preparation_processes() == []
    # what the new cases added to the rollups is what a recount of the table gives
    added = rollup_rows(session)
    assert session.scalar(select(func.sum(CenterDay.submitted))) == RECORDS
    with hub_db.get_database(app).session_scope() as tx:
        rollups.rebuild(tx)
        tx.commit()
    assert rollup_rows(session) == added
    concluded = [r for r in slow_center.records("applications") if r["status"] != "in_review"]
    assert concluded and sum(r.cases for r in session.scalars(select(CenterWorkingDays))) == len(
        concluded)


def test_a_preparation_process_that_dies_fails_the_run_and_the_next_run_resumes(
        app, slow_center, session, caplog):
    caplog.set_level(logging.INFO, logger="hub.sync")
    killed: list[int] = []

    def kill_once_handed_off(_run):
        if not killed and handed_off(caplog):
            for pid in preparation_processes():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    [failed] = sync(app, progress=kill_once_handed_off)
    assert killed, "the run never handed off"
    assert failed.status == "failed" and "数据准备进程意外退出" in failed.error
    kept = failed.fetched
    assert 0 < kept < RECORDS and counts(failed) == (kept, kept, 0, 0, 0)
    assert preparation_processes() == []
    slow_center.faults.delay_seconds = 0
    [resumed] = sync(app)
    assert resumed.status == "succeeded", resumed.error
    assert resumed.cursor_start == failed.cursor_end
    assert counts(resumed) == (RECORDS - kept, RECORDS - kept, 0, 0, 0)  # no record twice
    assert len(session.scalars(select(Application.id)).all()) == RECORDS


def test_a_preparation_process_that_cannot_start_leaves_the_run_to_go_on_here(
        app, http_center, session, caplog, monkeypatch):
    import sys

    point(app, "binhe", http_stanza(http_center, batch_size=PAGE))
    http_center.put_many("applications", application_records(
        "binhe", 100, items=("open-restaurant",)))
    caplog.set_level(logging.INFO, logger="hub.sync")
    monkeypatch.setattr(sys, "executable", "/bin/false")  # a process that exits at once
    [run] = sync(app)
    assert run.status == "succeeded", run.error
    assert counts(run) == (100, 100, 0, 0, 0)
    assert "sync_prepare_unavailable" in caplog.text and not handed_off(caplog)
    assert preparation_processes() == []
