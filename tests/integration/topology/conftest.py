"""What the compose file's processes run against here: a throwaway database on the real
PostgreSQL and a virtual host of their own on the real RabbitMQ (its queues go with it)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.conftest import ADMIN_DATABASE_URL, unavailable


@pytest.fixture
def throwaway_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (``hub init`` migrates it), dropped afterwards."""
    admin = sa.make_url(ADMIN_DATABASE_URL).set(drivername="postgresql+psycopg")
    name = f"hub_topology_{uuid.uuid4().hex[:10]}"
    try:
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT",
                                  connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        unavailable("PostgreSQL", exc)
    yield admin.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = :n"), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()
