"""The sync's pre-select of a batch's stored rows probes the (center, external id)
unique index once per key whatever PostgreSQL's statistics say. With ``= ANY(:keys)``
on a table analysed while empty (a first load) it took the center's index and filtered
every row of the center for every batch, so each batch cost as much as all before it."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from hub.sync.writers import _PRESELECT_PG, _existing

pytestmark = pytest.mark.postgres


@pytest.fixture
def backend() -> str:
    return "postgresql"  # a PostgreSQL plan


def test_the_preselect_probes_the_unique_index_on_stale_statistics(app, people):
    people.service_item()
    database = app.extensions["hub.db"]
    with database.engine.connect() as conn:
        conn.execute(text("ANALYZE applications"))  # analysed empty, as at a first load
        conn.execute(text("""
            INSERT INTO applications (id, number, center_code, service_item_code, status,
              stage, source, external_id, applicant_name, form, submitted_at, due_at,
              yellow_at, due_at_provisional, paused_working_days, version, created_at,
              updated_at)
            SELECT md5('s' || g)::uuid, 'S' || g, 'binhe', 'open-restaurant', 'in_review',
              1, 'sync', 'EXT' || g, '张*', '{}', now(), now() + interval '10 days',
              now() + interval '9 days', false, 0, 1, now(), now()
            FROM generate_series(1, 5000) AS g"""))
        conn.commit()
    keys = [f"EXT{n}" for n in range(1, 5001, 5)] + ["NEW1", "NEW2"]
    with database.session_scope() as session:
        found = {row.external_id for row in _existing(session, "binhe", keys)}
        assert found == set(keys) - {"NEW1", "NEW2"}
        plan = "\n".join(session.execute(
            text("EXPLAIN " + _PRESELECT_PG.element.text),
            {"keys": keys, "center": "binhe"}).scalars())
    assert "uq_applications_center_code_external_id" in plan, plan
    assert "ix_applications_center_submitted" not in plan, plan
