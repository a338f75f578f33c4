"""The sync's pre-select of a batch's stored rows probes the (center, external id)
unique index once per key whatever PostgreSQL's statistics say. With ``= ANY(:keys)``
on a table analysed while empty (a first load) it took the center's index and filtered
every row of the center for every batch, so each batch cost as much as all before it."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from adapters.sample.data import application_records
from hub.sync.writers import _PRESELECT_PG, _existing
from tests.integration.sync.conftest import counts, http_stanza, point
from tests.integration.sync.conftest import sync as sync_center

pytestmark = pytest.mark.postgres


@pytest.fixture
def backend() -> str:
    return "postgresql"  # a PostgreSQL plan


def insert_cases(conn, center: str, n: int, prefix: str = "EXT") -> None:
    conn.execute(text("""
        INSERT INTO applications (id, number, center_code, service_item_code, status,
          stage, source, external_id, applicant_name, form, submitted_at, due_at,
          yellow_at, due_at_provisional, paused_working_days, version, created_at,
          updated_at)
        SELECT md5(:center || :prefix || g)::uuid, 'S' || left(md5(:prefix || :center || g), 20),
          :center, 'open-restaurant', 'in_review', 1, 'sync', :prefix || g, '张*', '{}', now(),
          now() + interval '10 days',
          now() + interval '9 days', false, 0, 1, now(), now()
        FROM generate_series(1, :n) AS g"""), {"center": center, "n": n, "prefix": prefix})


def preselect_plan(session, center: str, keys: list[str]) -> str:
    return "\n".join(session.execute(text("EXPLAIN " + _PRESELECT_PG.element.text),
                                      {"keys": json.dumps(keys), "center": center}).scalars())


def assert_probes_the_unique_index(plan: str) -> None:
    assert "uq_applications_center_code_external_id" in plan, plan
    assert "ix_applications_center_submitted" not in plan, plan


def test_the_preselect_probes_the_unique_index_on_stale_statistics(app, people):
    people.service_item()
    database = app.extensions["hub.db"]
    with database.engine.connect() as conn:
        conn.execute(text("ANALYZE applications"))  # analysed empty, as at a first load
        insert_cases(conn, "binhe", 5000)
        insert_cases(conn, "binhe", 1, prefix='办件"\\ \t𠀀')  # the keys go as JSON text
        conn.commit()
    keys = [f"EXT{n}" for n in range(1, 5001, 5)] + ['办件"\\ \t𠀀1', "NEW1", "NEW2"]
    with database.session_scope() as session:
        found = {row.external_id for row in _existing(session, "binhe", keys)}
        assert found == set(keys) - {"NEW1", "NEW2"}
        assert_probes_the_unique_index(preselect_plan(session, "binhe", keys))


def test_a_centers_first_load_puts_it_in_the_statistics(app, http_center):
    # The statistics know another center only (as when a street center joins a running
    # hub): after the first batch of the newcomer's first load, they know it too, and
    # the next batches probe by key. Before, each probe read every row of the center.
    database = app.extensions["hub.db"]
    with database.engine.connect() as conn:
        insert_cases(conn, "daxi", 3000)
        conn.commit()
        conn.execute(text("ANALYZE applications"))
        conn.commit()
    point(app, "binhe", http_stanza(http_center, batch_size=300))
    http_center.put_many("applications", application_records(
        "binhe", 900, items=("open-restaurant",)))
    [run] = sync_center(app, "binhe", stream="applications")
    assert counts(run) == (900, 900, 0, 0, 0)
    with database.session_scope() as session:
        centers = session.scalar(text(
            "SELECT CAST(most_common_vals AS text) FROM pg_stats WHERE tablename = "
            "'applications' AND attname = 'center_code' AND schemaname = current_schema()"))
        assert "binhe" in centers
        assert_probes_the_unique_index(preselect_plan(
            session, "binhe", [f"NEW{n}" for n in range(300)]))
