"""`hub init` loads the official calendars once; `hub worker` and `hub beat` wrap Celery
with the hub's settings (beat also runs embedded, without a broker). Real subprocesses,
on each backend."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub import db as hub_db

HUB = str(Path(sys.executable).with_name("hub"))


def hub_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "HUB_DATABASE_URL": database_url, "HUB_ENV": "development",
           "HUB_INSTANCE_PATH": str(tmp_path / "inst"), "HUB_LOG_LEVEL": "WARNING"}
    env.pop("HUB_BROKER_URL", None)
    env.update(extra)
    return env


def scalar(url: str, sql: str) -> object:
    engine = hub_db.make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(sa.text(sql)).scalar_one()
    engine.dispose()
    return value


def test_init_seeds_the_official_calendars_once_and_keeps_a_published_correction(
        database_url, tmp_path):
    env = hub_env(database_url, tmp_path)
    first = subprocess.run([HUB, "init"], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "working-day calendar: 23 official years added" in first.stdout
    assert scalar(database_url, "SELECT count(*) FROM calendar_years") == 23  # 2004–2026
    assert scalar(database_url, "SELECT kind FROM calendar_days WHERE day = '2026-10-10'") \
        == "workday"
    # An administrator's correction of 2026 survives a later `hub init`.
    engine = hub_db.make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE calendar_years SET source = 'admin', version = 2 "
                             "WHERE year = 2026"))
        conn.execute(sa.text("DELETE FROM calendar_days WHERE day = '2026-10-10'"))
    engine.dispose()
    again = subprocess.run([HUB, "init"], env=env, capture_output=True, text=True, timeout=120)
    assert "working-day calendar: 0 official years added" in again.stdout
    assert scalar(database_url, "SELECT count(*) FROM calendar_days WHERE day = '2026-10-10'") == 0
    assert scalar(database_url,
                  "SELECT count(*) FROM audit_records WHERE action = 'calendar.seeded'") == 1


def test_a_worker_needs_a_broker(database_url, tmp_path):
    result = subprocess.run([HUB, "worker"], env=hub_env(database_url, tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "HUB_BROKER_URL" in result.stderr


@pytest.mark.broker
def test_a_worker_stopped_by_an_unrecoverable_error_exits_non_zero(database_url, tmp_path):
    """A supervisor that restarts on failure (systemd's ``Restart=on-failure``) and an
    operator reading ``docker compose ps`` learn from the exit status: here RabbitMQ refuses
    the worker's queue declaration (a queue of that name exists with other arguments),
    which Celery cannot recover from."""
    import uuid

    from kombu import Connection

    from tests.conftest import BROKER_URL, unavailable

    queue = f"hub_test_refused_{uuid.uuid4().hex[:8]}"
    try:
        with Connection(BROKER_URL, connect_timeout=3) as connection:
            connection.default_channel.queue_declare(queue, durable=True, auto_delete=False)
    except Exception as exc:  # unreachable broker: say so loudly
        unavailable("RabbitMQ", exc)
    try:
        result = subprocess.run(
            [HUB, "worker", "--queues", queue, "--concurrency", "1"],
            env=hub_env(database_url, tmp_path, HUB_BROKER_URL=BROKER_URL),
            capture_output=True, text=True, timeout=120)
    finally:
        with Connection(BROKER_URL, connect_timeout=3) as connection:
            connection.default_channel.queue_delete(queue)
    output = result.stdout + result.stderr
    assert "Unrecoverable error" in output and "PRECONDITION_FAILED" in output, output[-3000:]
    assert result.returncode == 1, output[-3000:]


@pytest.mark.parametrize("broker", ["embedded",
                                    pytest.param("rabbitmq", marks=pytest.mark.broker)])
def test_beat_starts_with_the_hub_schedule(database_url, tmp_path, broker):
    """With RabbitMQ beat publishes the due tasks; embedded, it runs them in-process."""
    from kombu import Connection

    from tests.conftest import BROKER_URL, unavailable

    extra = {}
    if broker == "rabbitmq":
        try:
            with Connection(BROKER_URL, connect_timeout=3) as connection:
                connection.ensure_connection(max_retries=1)
        except Exception as exc:  # unreachable broker: say so loudly
            unavailable("RabbitMQ", exc)
        extra["HUB_BROKER_URL"] = BROKER_URL
    env = hub_env(database_url, tmp_path, **extra)
    log = tmp_path / "beat.log"
    process = subprocess.Popen([HUB, "beat", "--loglevel", "INFO"], env=env,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "beat: Starting" not in log.read_text():
            assert process.poll() is None, log.read_text()
            time.sleep(0.2)
        text = log.read_text()
        assert "beat: Starting" in text
        assert any((tmp_path / "inst").glob("celerybeat-schedule*"))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)
