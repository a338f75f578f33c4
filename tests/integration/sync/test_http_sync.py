"""The nightly sync from a center's HTTP export into the one database, against a fake
center system served for real on 127.0.0.1."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from adapters.sample.data import application_records
from hub.approvals.models import Application
from hub.sync.models import QuarantinedRecord, SyncCursor
from tests.integration.sync.conftest import counts, sync


def cases(n, **kw):
    return list(application_records("binhe", n, items=("open-restaurant",), **kw))


def stored(session):
    session.expire_all()
    return {a.external_id: a for a in session.scalars(
        select(Application).where(Application.center_code == "binhe"))}


def test_sixty_records_sharing_one_timestamp_cross_a_page_boundary(app, http_center, session):
    same = "2026-11-20T10:00:00+08:00"
    http_center.put_many("applications", [{**r, "updated_at": same} for r in cases(60)])
    http_center.put_many("applications", cases(7, seed=2, first=61, start=dt.datetime(
        2026, 11, 21, tzinfo=dt.timezone.utc)))
    [run] = sync(app, stream="applications")
    assert run.status == "succeeded", run.error
    assert counts(run) == (67, 67, 0, 0, 0)
    assert run.batches == 3  # 25 + 25 + 17 per page of 25
    rows = stored(session)
    assert len(rows) == 67
    assert all(r.source == "sync" and r.deleted_at is None for r in rows.values())


def test_a_rerun_with_nothing_new_changes_nothing(app, http_center, session):
    http_center.put_many("applications", cases(40))
    sync(app, stream="applications")
    before = {k: (a.updated_at, a.version, a.applicant_id_encrypted) for k, a in stored(session).items()}
    [again] = sync(app, stream="applications")
    assert again.status == "succeeded" and counts(again) == (0, 0, 0, 0, 0)
    [full] = sync(app, stream="applications", full=True)
    assert full.status == "succeeded" and counts(full) == (40, 0, 0, 40, 0)
    after = {k: (a.updated_at, a.version, a.applicant_id_encrypted) for k, a in stored(session).items()}
    assert after == before


def test_an_upstream_change_updates_exactly_the_changed_rows(app, http_center, session):
    records = cases(30)
    http_center.put_many("applications", records)
    sync(app, stream="applications")
    before = {k: (a.version, a.updated_at) for k, a in stored(session).items()}
    first, second = records[3]["external_id"], records[17]["external_id"]
    http_center.change("applications", first, status="approved",
                       concluded_at="2026-11-29T10:00:00+08:00")
    http_center.change("applications", second, applicant_name="李堃")
    # touched upstream but with the same content: comes again, changes nothing
    http_center.change("applications", records[20]["external_id"])
    [run] = sync(app, stream="applications")
    assert counts(run) == (3, 0, 2, 1, 0), run.error
    after = stored(session)
    changed = {k for k in after if (after[k].version, after[k].updated_at) != before[k]}
    assert changed == {first, second}
    assert after[first].status == "approved" and after[first].version == 2
    assert after[second].applicant_name == "李堃"


def test_a_500_after_the_first_page_keeps_it_and_the_next_run_resumes(app, http_center, session):
    http_center.put_many("applications", cases(60))
    http_center.faults.fail_after_pages = 1
    [failed] = sync(app, stream="applications")
    assert failed.status == "failed" and "HTTP 500" in failed.error
    assert counts(failed) == (25, 25, 0, 0, 0)
    assert len(stored(session)) == 25
    cursor = session.get(SyncCursor, ("binhe", "applications")).cursor
    assert cursor == failed.cursor_end and "|" in cursor
    http_center.faults.fail_after_pages = None
    [resumed] = sync(app, stream="applications")
    assert resumed.status == "succeeded" and resumed.cursor_start == cursor
    assert counts(resumed) == (35, 35, 0, 0, 0)  # no record twice
    assert len(stored(session)) == 60


def test_a_401_fails_the_run_with_a_clear_error_and_writes_nothing(app, http_center, session):
    http_center.put_many("applications", cases(5))
    http_center.faults.unauthorized = True
    [run] = sync(app, stream="applications")
    assert run.status == "failed" and "401" in run.error and "HUB_TEST_CENTER_TOKEN" in run.error
    assert counts(run) == (0, 0, 0, 0, 0) and stored(session) == {}
    assert len(http_center.requests) == 1  # refused credentials are not retried


def test_bad_records_are_quarantined_with_their_reasons_and_the_run_goes_on(app, http_center,
                                                                          session):
    good = cases(10)
    bad = [
        {**cases(1, seed=3, first=101)[0], "external_id": "BAD1", "service_item": "no-such-item"},
        {**cases(1, seed=4, first=102)[0], "external_id": "BAD2", "applicant_id_number": "12345"},
        {**cases(1, seed=5, first=103)[0], "external_id": "BAD3", "status": "approved", "concluded_at": None},
        {**cases(1, seed=6, first=104)[0], "external_id": "BAD4", "submitted_at": "yesterday"},
    ]
    http_center.put_many("applications", good + bad)
    [run] = sync(app, stream="applications")
    assert run.status == "succeeded" and counts(run) == (14, 10, 0, 0, 4)
    rows = {q.external_id: q for q in session.scalars(select(QuarantinedRecord))}
    assert set(rows) == {"BAD1", "BAD2", "BAD3", "BAD4"}
    assert "service_item" in rows["BAD1"].reasons
    assert "applicant_id_number" in rows["BAD2"].reasons
    assert "concluded_at" in rows["BAD3"].reasons
    assert "submitted_at" in rows["BAD4"].reasons
    assert rows["BAD2"].record["applicant_id_number"] == "*****"
    assert "*" in rows["BAD1"].record["applicant_id_number"]  # masked, never in clear
    assert all(r.run_id == run.id for r in rows.values())
    # fixed upstream: accepted, and its quarantine entry resolved
    http_center.change("applications", "BAD1", service_item="open-restaurant")
    [again] = sync(app, stream="applications")
    assert counts(again) == (1, 1, 0, 0, 0)
    session.expire_all()
    assert session.get(QuarantinedRecord, rows["BAD1"].id).resolved_at is not None
    assert session.get(QuarantinedRecord, rows["BAD2"].id).resolved_at is None


def test_upstream_deletions_are_tombstones(app, http_center, session):
    records = cases(8)
    http_center.put_many("applications", records)
    sync(app, stream="applications")
    gone = records[2]["external_id"]
    http_center.delete("applications", gone)
    [run] = sync(app, stream="applications")
    assert counts(run) == (1, 0, 1, 0, 0)
    rows = stored(session)
    assert len(rows) == 8 and rows[gone].deleted_at is not None
    assert [k for k, a in rows.items() if a.deleted_at is not None] == [gone]


def test_synced_cases_get_due_dates_masked_ids_and_count_in_supervision(app, http_center,
                                                                       session):
    from hub.privacy import cipher
    from hub.supervision.models import CenterDay

    records = cases(12)
    http_center.put_many("applications", records)
    sync(app, stream="applications")
    row = stored(session)[records[0]["external_id"]]
    assert row.applicant_id_masked.startswith("2101") and "*" in row.applicant_id_masked
    assert cipher().decrypt(row.applicant_id_encrypted) == records[0]["applicant_id_number"]
    assert row.applicant_id_encrypted != records[0]["applicant_id_number"]
    assert row.due_at > row.submitted_at and row.yellow_at <= row.due_at
    submitted = session.scalar(select(func.sum(CenterDay.submitted)).where(
        CenterDay.center_code == "binhe"))
    assert submitted == 12


def test_a_full_reread_prepares_only_the_new_and_changed_records_whole(app, http_center, session):
    from hub.privacy import cipher

    records = cases(20)
    http_center.put_many("applications", records)
    sync(app, stream="applications")
    changed = records[5]["external_id"]
    http_center.change("applications", changed, applicant_name="王小二")
    [extra] = http_center.put_many("applications", cases(1, seed=9, first=201))
    [full] = sync(app, stream="applications", full=True)
    assert full.status == "succeeded" and counts(full) == (21, 1, 1, 19, 0), full.error
    rows = stored(session)
    assert rows[changed].applicant_name == "王小二" and rows[changed].version == 2
    new = rows[extra["external_id"]]
    assert cipher().decrypt(new.applicant_id_encrypted) == extra["applicant_id_number"]
    assert new.due_at > new.submitted_at and new.number.startswith("S")
