"""The request's database session: a connection that dies under a request (PostgreSQL
restarted, the backend terminated) must not turn the answer already made into a 500."""
import logging

import pytest
import sqlalchemy as sa

from hub import db as hub_db
from tests.conftest import ADMIN_DATABASE_URL

pytestmark = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def admin_engine():
    engine = sa.create_engine(ADMIN_DATABASE_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def test_a_connection_killed_during_the_request_is_dropped_not_a_500(app, client, admin_engine,
                                                                      caplog):
    killed = []

    @app.get("/_test/kill-my-connection")
    def kill_my_connection():
        # The request's transaction is open (autobegin) when its backend goes away,
        # as when PostgreSQL restarts between a request's last query and its teardown.
        pid = hub_db.session().execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with admin_engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killed.append(pid)
        return {"pid": pid}

    with caplog.at_level(logging.WARNING, logger="hub.db"):
        response = client.get("/_test/kill-my-connection")

    assert response.status_code == 200
    assert response.get_json() == {"pid": killed[0]}
    assert any("session_close_failed" in r.getMessage() for r in caplog.records)
    # The dead connection left the pool: the next request gets a live one.
    assert client.get("/readyz").status_code == 200
    with hub_db.get_database(app).engine.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() != killed[0]


def test_a_task_whose_connection_died_ends_its_session_without_raising(app, admin_engine, caplog):
    database = hub_db.get_database(app)
    with caplog.at_level(logging.WARNING, logger="hub.db"):
        with database.session_scope() as session:
            pid = session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            with admin_engine.connect() as conn:
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert any("session_close_failed" in r.getMessage() for r in caplog.records)
    with database.session_scope() as session:
        assert session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() != pid
