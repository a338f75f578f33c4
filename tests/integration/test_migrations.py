"""Alembic: one head; from empty to head on SQLite and PostgreSQL; the models match."""
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub import db as hub_db
from hub import migrate
from hub.models import metadata
from tests.conftest import ADMIN_DATABASE_URL, RUN_ID, unavailable


def test_one_head():
    assert len(migrate.heads()) == 1, migrate.heads()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = hub_db.make_engine(f"sqlite:///{tmp_path}/empty.sqlite3")
        yield engine
        engine.dispose()
        return
    admin_url = sa.make_url(ADMIN_DATABASE_URL)
    name = f"hub_migrate_{RUN_ID}_{request.node.name[-12:].strip('[]-')}".lower()
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT",
                                 connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        unavailable("PostgreSQL", exc)
    engine = hub_db.make_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def test_upgrade_from_empty_matches_the_models_and_is_repeatable(empty_engine):
    migrate.upgrade(empty_engine)
    assert migrate.current(empty_engine) == migrate.heads()[0]
    migrate.upgrade(empty_engine)  # `hub init` twice: nothing to do, no error
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_empty_and_back(empty_engine):
    migrate.upgrade(empty_engine)
    config = migrate.alembic_config()
    with empty_engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(sa.inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(empty_engine)
    assert "applications" in sa.inspect(empty_engine).get_table_names()
