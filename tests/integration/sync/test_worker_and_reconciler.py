"""Runs carried out by a real Celery worker on the real RabbitMQ, on the center's own
queue ``sync.<center>``; runs whose worker died are marked failed and run again."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.sample.data import application_records
from hub import db as hub_db
from hub.sync import services, tasks
from hub.sync.models import SyncRun
from tests.integration.sync.conftest import TOKEN_ENV, counts
from tests.processes import hub_env

ROOT = Path(__file__).resolve().parents[3]
HUB = str(Path(sys.executable).with_name("hub"))


def cases(n):
    return list(application_records("binhe", n, items=("open-restaurant",)))


def runs(session):
    session.expire_all()
    return list(session.scalars(select(SyncRun).order_by(SyncRun.id)))


# -- The reconciler (in-process) ------------------------------------------------------------


def test_a_run_without_heartbeat_is_failed_and_its_stream_run_again(app, http_center, session,
                                                                    frozen_clock):
    http_center.put_many("applications", cases(10))
    database = hub_db.get_database(app)
    with database.session_scope() as s:
        dead = services.start_run(s, "binhe", "applications", trigger="manual", requested_by="t")
    frozen_clock.advance(dt.timedelta(minutes=10))
    with database.session_scope() as s:
        assert services.reconcile_dead_runs(s) == []  # not stale yet
    frozen_clock.advance(dt.timedelta(minutes=6))
    tasks.reconcile.apply()  # in-process: the re-drive runs at once
    first, again = runs(session)
    assert first.id == dead.id and first.status == "failed" and first.error.startswith(services.DEAD)
    assert again.trigger == "reconcile" and again.status == "succeeded"
    assert counts(again) == (10, 10, 0, 0, 0)


def test_a_new_run_takes_over_from_a_dead_one_but_not_from_a_live_one(app, http_center, session,
                                                                      frozen_clock):
    database = hub_db.get_database(app)
    with database.session_scope() as s:
        services.start_run(s, "binhe", "staff", trigger="manual", requested_by="t")
    from hub.errors import Conflict

    with database.session_scope() as s, pytest.raises(Conflict):
        services.start_run(s, "binhe", "staff", trigger="manual", requested_by="t")
    frozen_clock.advance(dt.timedelta(hours=1))
    with database.session_scope() as s:
        services.start_run(s, "binhe", "staff", trigger="manual", requested_by="t")
    assert [r.status for r in runs(session)] == ["failed", "running"]


def test_a_stream_whose_runs_keep_dying_is_left_as_an_incident(app, http_center, frozen_clock):
    database = hub_db.get_database(app)
    redriven = []
    for _ in range(services.MAX_REDRIVES):
        with database.session_scope() as s:
            services.start_run(s, "binhe", "staff", trigger="reconcile", requested_by="t")
        frozen_clock.advance(dt.timedelta(hours=1))
        with database.session_scope() as s:
            redriven.append(services.reconcile_dead_runs(s))
    assert redriven[:-1] == [[("binhe", "staff")]] * (services.MAX_REDRIVES - 1)
    assert redriven[-1] == []


def test_the_nightly_fan_out_syncs_every_center_that_has_an_adapter(app, http_center, session,
                                                                   caplog):
    http_center.put_many("applications", cases(5))
    caplog.set_level("INFO", logger="hub.sync")
    from tests.integration.sync.conftest import point

    for code in ("daxi", "huangcheng", "wulihe", "wanlian", "danan", "shandongmiao", "zhujian",
                 "fengyutan", "dongling", "xinbeizhan", "beishichang", "quanyuan", "nanta",
                 "maguanqiao"):
        point(app, code, None)  # only binhe syncs here; the others say why they are skipped
    tasks.nightly.apply()
    done = runs(session)
    assert {(r.center_code, r.stream, r.status, r.trigger) for r in done} == {
        ("binhe", "staff", "succeeded", "schedule"),
        ("binhe", "applications", "succeeded", "schedule")}
    assert "sync_skipped center=district" in caplog.text


# -- A real worker on RabbitMQ ---------------------------------------------------------------


@pytest.mark.broker
@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("records, page, delay, handoff", [
    (30, 25, 0.0, False),
    # 40 pages served in no less than 8 s: the preparation process is up long before
    (400, 10, 0.2, True),
], ids=["in-the-worker", "preparation-process"])
def test_a_worker_on_the_centers_queue_carries_out_the_run(vhost_url, database_url, tmp_path,
                                                          fake_center, monkeypatch, records,
                                                          page, delay, handoff):
    from tests.conftest import build_app
    from tests.integration.sync.conftest import http_stanza, point

    app = build_app(database_url, tmp_path / "instance", broker_url=vhost_url)
    with app.app_context():
        from hub.directory.services import load_centers
        from hub.permissions import Principal
        from tests.conftest import CENTERS_FILE

        with hub_db.get_database(app).session_scope() as s:
            load_centers(s, CENTERS_FILE, Principal.system("test"))
    from tests.factories import People

    made = People(app)
    made.service_item()
    admin = made.admin()
    fake_center.put_many("applications", cases(records))
    fake_center.faults.delay_seconds = delay
    monkeypatch.setenv(TOKEN_ENV, fake_center.token)
    point(app, "binhe", http_stanza(fake_center, batch_size=page))
    env = hub_env(app, HUB_BROKER_URL=vhost_url, HUB_LOG_LEVEL="INFO",
                  HUB_SYNC_PREPARE_AFTER="1" if handoff else "0", **{TOKEN_ENV: fake_center.token})
    worker = subprocess.Popen([HUB, "worker", "--queues", "sync.binhe", "--concurrency", "1",
                               "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                               "--without-heartbeat"], env=env, cwd=ROOT, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "wb"))
    try:
        client = app.test_client()
        with app.app_context():
            response = client.post("/api/v1/sync/binhe/runs", json={"stream": "applications"},
                                   headers=admin.headers)
        assert response.status_code == 202 and response.json["status"] == "running"
        run_id = response.json["id"]
        deadline = time.monotonic() + 90  # a bound on the wait, not a timing assertion
        session = made._session
        while time.monotonic() < deadline:
            session.expire_all()
            run = session.get(SyncRun, run_id)
            if run.status != "running":
                break
            time.sleep(0.3)
        log = (tmp_path / "worker.log").read_text()
        assert run.status == "succeeded", (run.error, log)
        assert counts(run) == (records, records, 0, 0, 0)
        # a prefork child (daemonic) hands its source to a process of its own, or does not
        assert ("sync_handoff center=binhe" in log) == handoff, log
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        made.close()
        hub_db.get_database(app).dispose()
