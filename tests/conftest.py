"""Shared fixtures: the app on SQLite and on the real PostgreSQL, clients, a frozen clock.

PostgreSQL: one throwaway database per test run and xdist worker, migrated once;
each test starts from truncated tables. SQLite: a migrated template file per
worker, copied for each test. HUB_REQUIRE_SERVICES=1 turns "service unreachable"
from a loud skip into a failure.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hub import audit
from hub import db as hub_db
from hub import migrate
from hub.clock import FrozenClock
from hub.models import metadata
from hub.timezones import SHANGHAI
from tests import factories
from tests.processes import vhost
from tests.services import (  # noqa: F401  (tests import them from here)
    ADMIN_DATABASE_URL, BROKER_URL, REQUIRE_SERVICES, unavailable)

ROOT = Path(__file__).resolve().parent.parent
CENTERS_FILE = ROOT / "adapters" / "centers.toml"
RUN_ID = uuid.uuid4().hex[:8]
# Monday 30 November 2026, 09:00 in the hall.
DEFAULT_NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


# -- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this run and worker, migrated to head."""
    admin = sa.make_url(ADMIN_DATABASE_URL)
    if admin.drivername == "postgresql":
        admin = admin.set(drivername="postgresql+psycopg")
    name = f"hub_test_{RUN_ID}_{_worker()}"
    try:
        # pre_ping: the proof restarts PostgreSQL under the session (tests/proof/).
        admin_engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", pool_pre_ping=True,
                                        connect_args={"connect_timeout": 3})
        with admin_engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        unavailable("PostgreSQL", exc)
    url = admin.set(database=name).render_as_string(hide_password=False)
    engine = hub_db.make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin_engine.connect() as conn:
        conn.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin_engine.dispose()


def truncate_postgres(engine: sa.Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        # replica role: the audit log's append-only triggers guard the application,
        # not a test resetting its own throwaway database.
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


# -- SQLite ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "hub.sqlite3"
    engine = hub_db.make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


# -- The application ----------------------------------------------------------------------


def build_app(database_url: str, instance: Path, **overrides: Any) -> Flask:
    from hub.app import create_app

    config = {"env": "test", "database_url": database_url, "instance_path": str(instance),
              "centers_config": str(CENTERS_FILE), "secret_key": "test-secret-key",
              "pii_key": "test-pii-key", "audit_key": "test-audit-key", "log_level": "WARNING",
              **overrides}
    return create_app(config)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_url")
        engine = hub_db.make_engine(url)
        truncate_postgres(engine)
        engine.dispose()
        return url
    path = tmp_path / "hub.sqlite3"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def vhost_url() -> Iterator[str]:
    """A RabbitMQ virtual host of this test's own (deleting it purges its queues)."""
    with vhost() as url:
        yield url


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra settings for the app of one test module (override the fixture)."""
    return {}


@pytest.fixture
def frozen_clock() -> FrozenClock:
    return FrozenClock(DEFAULT_NOW)


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict[str, Any],
        frozen_clock: FrozenClock) -> Iterator[Flask]:
    """The hub on one backend, its centers and official calendars loaded, its clock frozen
    at DEFAULT_NOW."""
    from hub.approvals.calendar_services import seed_official_years
    from hub.directory.services import load_centers
    from hub.permissions import Principal

    application = build_app(database_url, tmp_path / "instance", **app_config)
    application.extensions["hub.clock"] = frozen_clock
    application.test_client_class = IsolatedClient
    with application.app_context():
        with hub_db.get_database(application).session_scope() as session:
            load_centers(session, CENTERS_FILE, Principal.system("test"))
            # As `hub init` does: the official working-day calendars up to 2026.
            seed_official_years(session, Principal.system("test"))
        yield application
    hub_db.get_database(application).dispose()


class IsolatedClient(FlaskClient):
    """Each request in its own application context, as a server gives it.

    The test itself runs inside the app context the ``app`` fixture pushes (for the
    frozen clock and direct service calls); without this, Flask would reuse that context
    for every request, sharing ``g`` and its database session from one request to the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


def autocommit_session(app: Flask) -> sa.orm.Session:
    """A session for a test's own reads and writes: each statement commits, so the
    test never holds a lock (or, on SQLite, an old snapshot) while the app works."""
    engine = hub_db.get_database(app).engine.execution_options(isolation_level="AUTOCOMMIT")
    session = sa.orm.Session(engine, expire_on_commit=False)
    audit.listen(session)  # what it records is written as the app's sessions write it
    return session


@pytest.fixture
def session(app: Flask) -> Iterator[sa.orm.Session]:
    s = autocommit_session(app)
    yield s
    s.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def people(app: Flask) -> Iterator[factories.People]:
    """Factory of staff accounts with ready bearer tokens (see tests/factories.py)."""
    made = factories.People(app)
    yield made
    made.close()
