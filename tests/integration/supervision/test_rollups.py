"""The rollups kept in each change's transaction give the same figures as the formulas
applied case by case; the sync's set-based recount and the full rebuild agree."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.approvals.calendar_services import load_calendar
from hub.supervision import indicators as ind
from hub.supervision import rollups, services
from hub.supervision.models import CenterDay, CenterWorkingDays
from tests.integration.supervision.cases import (
    application,
    at,
    change,
    decide,
    due,
    plain,
    plain_task,
    task,
)

FIELDS = ("received", "concluded", "on_time", "on_time_rate", "overdue", "timeliness_rate",
          "early", "early_rate", "last_day", "last_day_rate", "avg_working_days",
          "median_working_days", "p90_working_days", "in_progress", "yellow", "red",
          "supplement_requests", "supplements_per_case")


@pytest.fixture
def week(tx: Session, people) -> list:  # type: ignore[no-untyped-def]
    """Cases of the fortnight before Monday 30 November 2026 09:00 (the frozen now)."""
    people.service_item()
    return [
        # binhe: on time and early; concluded in the due date's last second; one second
        # late; withdrawn early; open and overdue; open and due today; waiting for a
        # supplement (no card).
        application(tx, "binhe", at("2026-11-16"), status="approved", due_at=due("2026-11-20"),
                    concluded_at=at("2026-11-19", "15:00:00")),
        application(tx, "binhe", at("2026-11-16"), status="rejected", due_at=due("2026-11-20"),
                    concluded_at=at("2026-11-20", "23:59:59"), reason="材料不全"),
        application(tx, "binhe", at("2026-11-17"), status="approved", due_at=due("2026-11-20"),
                    concluded_at=at("2026-11-21", "00:00:00")),
        application(tx, "binhe", at("2026-11-18"), status="withdrawn", due_at=due("2026-11-25"),
                    concluded_at=at("2026-11-19"), reason="申请人撤回"),
        application(tx, "binhe", at("2026-11-20"), due_at=due("2026-11-27"),
                    yellow_at=at("2026-11-27", "00:00:00")),
        application(tx, "binhe", at("2026-11-25"), due_at=due("2026-11-30"),
                    yellow_at=at("2026-11-30", "00:00:00")),
        application(tx, "binhe", at("2026-11-26"), status="supplement_requested",
                    due_at=due("2026-11-27"), paused_at=at("2026-11-27")),
        # daxi: two paused working days do not count as days used.
        application(tx, "daxi", at("2026-11-16"), status="approved", due_at=due("2026-11-27"),
                    concluded_at=at("2026-11-24"), paused_working_days=2),
        # district: a synced case without a deadline.
        application(tx, "district", at("2026-11-10"), status="approved",
                    concluded_at=at("2026-11-12"), source="sync"),
    ]


def _expected(session: Session, rows: list, center: str, now: dt.datetime,
              start: dt.date | None = None, end: dt.date | None = None) -> dict:
    cal = load_calendar(session)
    cases = [plain(r) for r in rows if r.center_code == center]
    return ind.figures(ind.tally(cases, cal, now, start, end))


def test_center_figures_equal_the_formulas_case_by_case(session, week, frozen_clock) -> None:
    now = frozen_clock.now()
    rows = {r["center"]: r for r in services.center_figures(session, now)}
    assert len(rows) == 16
    for center in ("binhe", "daxi", "district", "wulihe"):
        assert {k: rows[center][k] for k in FIELDS} == _expected(session, week, center, now)
    binhe = rows["binhe"]
    assert (binhe["received"], binhe["concluded"], binhe["on_time"]) == (7, 4, 3)
    assert binhe["on_time_rate"] == 0.75 and binhe["early"] == 2 and binhe["last_day"] == 1
    assert (binhe["in_progress"], binhe["yellow"], binhe["red"]) == (3, 1, 1)
    # Open past its deadline: overdue (the paused one is not); 3 on time / (4 + 1).
    assert binhe["overdue"] == 1 and binhe["timeliness_rate"] == 0.6
    assert rows["daxi"]["avg_working_days"] == 4.0  # Mon 16 → Tue 24: 6 days, 2 paused
    silent = rows["wulihe"]
    assert silent["received"] == 0 and silent["on_time_rate"] is None


def test_a_period_counts_each_event_on_its_own_day(session, week, frozen_clock) -> None:
    now, day = frozen_clock.now(), dt.date(2026, 11, 20)
    rows = {r["center"]: r for r in services.center_figures(session, now, day, day)}
    assert {k: rows["binhe"][k] for k in FIELDS} == _expected(session, week, "binhe", now,
                                                                day, day)
    # Received on the 20th: the overdue case; concluded on the 20th: the last-second one.
    binhe = rows["binhe"]
    assert (binhe["received"], binhe["concluded"], binhe["red"]) == (1, 1, 1)
    # Due on the 20th: the three concluded ones; the overdue case fell due on the 27th.
    assert binhe["overdue"] == 0
    due_27 = {r["center"]: r for r in services.center_figures(
        session, now, dt.date(2026, 11, 27), dt.date(2026, 11, 27))}["binhe"]
    assert (due_27["received"], due_27["overdue"], due_27["timeliness_rate"]) == (0, 1, 0.0)


def test_a_conclusion_is_counted_when_it_happens(tx, session, week, frozen_clock) -> None:
    open_case = week[5]
    frozen_clock.advance(dt.timedelta(hours=3))
    change(tx, open_case, status="approved", concluded_at=frozen_clock.now())
    rows = {r["center"]: r for r in services.center_figures(session, frozen_clock.now())}
    assert (rows["binhe"]["concluded"], rows["binhe"]["on_time"]) == (5, 4)
    assert rows["binhe"]["in_progress"] == 2
    # Moving between in review and supplement requested changes no count but the requests.
    change(tx, week[4], status="supplement_requested", paused_at=frozen_clock.now())
    again = {r["center"]: r for r in services.center_figures(session, frozen_clock.now())}
    assert again["binhe"]["concluded"] == 5
    requested = session.scalar(select(CenterDay.supplement_requests).where(
        CenterDay.center_code == "binhe", CenterDay.day == dt.date(2026, 11, 30)))
    assert requested == 1


def _snapshot(session: Session) -> tuple[list, list]:
    days = session.execute(select(CenterDay).order_by(CenterDay.center_code, CenterDay.day)
                           ).scalars().all()
    dist = session.execute(select(CenterWorkingDays).order_by(
        CenterWorkingDays.center_code, CenterWorkingDays.day, CenterWorkingDays.working_days)
    ).scalars().all()
    return ([{c.name: getattr(r, c.name) for c in CenterDay.__table__.c} for r in days
             if r.submitted or any(getattr(r, n) for n in rollups.CENTER_COUNTS)],
            [(r.center_code, r.day, r.working_days, r.cases) for r in dist if r.cases])


def test_rebuild_recounts_what_the_transactions_counted(tx, session, week) -> None:
    before = _snapshot(session)
    with tx.begin():  # spoil the rollups
        tx.execute(update(CenterDay).values(submitted=99, approved_on_time=7))
        tx.execute(update(CenterWorkingDays).values(cases=42))
    assert _snapshot(session) != before
    with tx.begin():
        assert rollups.rebuild(tx) >= 3
    assert _snapshot(session) == before


def test_refresh_counts_synced_cases_and_follows_their_changes(tx, session, people,
                                                              frozen_clock) -> None:
    people.service_item()
    now = frozen_clock.now()
    synced = [application(tx, "dongling", at("2026-11-02"), status="approved", source="sync",
                          due_at=due("2026-11-06"), concluded_at=at("2026-11-05"), track=False),
              application(tx, "dongling", at("2026-11-02"), status="in_review", source="sync",
                          due_at=due("2026-11-06"), track=False)]
    figures = lambda: {r["center"]: r for r in services.center_figures(session, now)}["dongling"]  # noqa: E731
    assert figures()["received"] == 0  # not counted until the batch's refresh
    days = {dt.date(2026, 11, 2), dt.date(2026, 11, 5)}
    for _ in range(2):  # a re-run of the same batch changes nothing
        with tx.begin():
            rollups.refresh(tx, "dongling", days)
        assert {k: figures()[k] for k in FIELDS} == _expected(session, synced, "dongling", now)
    # Upstream, the open case concluded on the 9th and the other was deleted: the batch
    # passes the days it touched, old and new.
    with tx.begin():
        moved = tx.merge(synced[1])
        moved.status, moved.concluded_at = "rejected", at("2026-11-09")
        gone = tx.merge(synced[0])
        gone.deleted_at = now
        tx.flush()
        rollups.refresh(tx, "dongling", {dt.date(2026, 11, 2), dt.date(2026, 11, 5),
                                         dt.date(2026, 11, 9)})
    row = figures()
    assert (row["received"], row["concluded"], row["on_time"], row["in_progress"]) == (1, 1, 0, 0)




def test_department_figures_and_decision_histogram(tx, session, people, frozen_clock) -> None:
    people.service_item()
    now = frozen_clock.now()
    case = application(tx, "binhe", at("2026-11-16"), due_at=due("2026-11-30"))
    paused_case = application(tx, "binhe", at("2026-11-16"), status="supplement_requested",
                              due_at=due("2026-11-20"), paused_at=at("2026-11-18"))
    tasks = [
        task(tx, case, "market", at("2026-11-16"), status="approved", due_at=due("2026-11-19"),
             decided_at=at("2026-11-16", "11:00:00")),  # 2 h, early
        task(tx, case, "market", at("2026-11-16"), status="rejected", due_at=due("2026-11-19"),
             decided_at=at("2026-11-20", "10:00:00"), stage=2),  # late
        task(tx, case, "market", at("2026-11-23"), due_at=due("2026-11-26"), stage=3),  # red
        task(tx, paused_case, "market", at("2026-11-16"), due_at=due("2026-11-19")),  # paused
        task(tx, case, "fire", at("2026-11-16"), status="approved", due_at=due("2026-11-19"),
             decided_at=at("2026-11-19", "18:00:00")),  # on the last day
    ]
    # A supplement request, then the decision after resubmission (two paused days).
    asked = task(tx, case, "fire", at("2026-11-23"), due_at=due("2026-11-26"), stage=2)
    asked = decide(tx, asked, "supplement_requested", at("2026-11-24"))
    with tx.begin():
        asked = tx.merge(asked)
        asked.status, asked.decided_at, asked.paused_working_days = "pending", None, 2
        rollups.track_task(tx, asked, "supplement_requested")
    asked = decide(tx, asked, "approved", at("2026-11-27", "10:00:00"))
    tasks.append(asked)

    rows = {r["department"]: r for r in services.department_figures(session, now)}
    cal = load_calendar(session)
    for department in ("market", "fire"):
        cases = [plain_task(t, t.application_id == paused_case.id,
                            supplements=(at("2026-11-24"),) if t.id == asked.id else ())
                 for t in tasks if t.department_code == department]
        expected = ind.figures(ind.tally(cases, cal, now,
                                         concluded_statuses=ind.TASK_CONCLUDED))
        assert {k: rows[department][k] for k in FIELDS} == expected
    market, fire = rows["market"], rows["fire"]
    assert (market["received"], market["concluded"], market["on_time"]) == (4, 2, 1)
    assert (market["in_progress"], market["red"]) == (2, 1)
    # The red step is overdue, the paused one is not: 1 on time / (2 decided + 1 overdue).
    assert (market["overdue"], market["timeliness_rate"]) == (1, 0.3333)
    assert (fire["supplement_requests"], fire["supplements_per_case"]) == (1, 0.5)
    assert fire["last_day"] == 1 and fire["concluded"] == 2
    assert fire["avg_working_days"] == 2.5  # Mon 16 → Thu 19: 3; Mon 23 → Fri 27: 4 − 2 paused

    histograms = services.decision_histograms(session)
    buckets, seconds = histograms["market"]
    cumulative = dict(buckets)
    assert cumulative["3600.0"] == 0 and cumulative["14400.0"] == 1  # the 2-hour approval
    assert cumulative["+Inf"] == 2
    assert seconds == pytest.approx(2 * 3600 + (4 * 86400 + 3600))
    fire_buckets = dict(histograms["fire"][0])
    assert fire_buckets["+Inf"] == 3  # approve, supplement request, approve


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_concurrent_submissions_of_one_center_day_are_all_counted(app, people) -> None:
    """Increments, not read-modify-write: eight transactions at once lose nothing
    (PostgreSQL only: SQLite runs one writer at a time)."""
    from hub import db as hub_db

    people.service_item()

    def submit(session: Session, _n: int) -> None:
        for _ in range(5):
            application(session, "huangcheng", at("2026-11-27"))

    _at_once(app, 8, submit)
    with hub_db.get_database(app).session_scope() as session:
        assert session.scalar(select(CenterDay.submitted).where(
            CenterDay.center_code == "huangcheng")) == 40


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_writers_counting_the_same_rows_of_several_tables_in_their_own_orders(app, people
                                                                              ) -> None:
    """A transaction's increments are written in one statement on PostgreSQL, its tables
    and rows taken in one order whatever the order they were counted in: eight writers,
    each concluding cases whose five tables' rows (two days, four departments) the others
    count too, in an order of its own, neither deadlock nor lose a count."""
    import random
    import uuid

    from sqlalchemy import func

    from hub import db as hub_db
    from hub.approvals.models import Application, ApprovalTask
    from hub.supervision.models import DecisionDuration, DepartmentDay, DepartmentWorkingDays

    people.service_item()
    departments = ["market", "food", "fire", "environment"]

    def conclude(session: Session, shuffle: random.Random) -> None:
        day = shuffle.choice(["2026-11-26", "2026-11-27"])
        submitted, concluded = at("2026-11-25"), at(day, "16:00:00")
        with session.begin():
            case = Application(
                id=uuid.uuid4(), number=f"W{uuid.uuid4().hex[:12]}", center_code="huangcheng",
                service_item_code="open-restaurant", status="approved", stage=1, source="hub",
                applicant_name="张*", form={}, submitted_at=submitted, due_at=due("2026-11-30"),
                concluded_at=concluded, paused_working_days=0, created_at=submitted,
                updated_at=concluded)
            rows = [ApprovalTask(
                id=uuid.uuid4(), application_id=case.id, stage=1, department_code=d, days=5,
                status="approved", opened_at=submitted, due_at=due("2026-11-30"),
                yellow_at=due("2026-11-29"), decided_at=concluded, paused_working_days=0,
                created_at=submitted, updated_at=concluded) for d in departments]
            session.add(case)
            session.add_all(rows)
            session.flush()
            shuffle.shuffle(rows)
            for row in rows[:2]:
                rollups.track_task(session, row, "pending")
            rollups.track_application(session, case, "in_review")
            for row in rows[2:]:
                rollups.track_task(session, row, "pending")

    def writer(session: Session, seed: int) -> None:
        for _ in range(4):
            conclude(session, random.Random(seed))
            seed += 8

    _at_once(app, 8, writer)
    with hub_db.get_database(app).session_scope() as session:
        def total(column) -> int:  # type: ignore[no-untyped-def]
            return session.scalar(select(func.sum(column)))

        assert total(CenterDay.approved_on_time) == 32
        assert total(CenterWorkingDays.cases) == 32
        assert total(DepartmentDay.approved_on_time) == 128
        assert total(DepartmentWorkingDays.cases) == 128
        assert total(DecisionDuration.decisions) == 128


def _at_once(app, count: int, work) -> None:  # type: ignore[no-untyped-def]
    """``work(session, n)`` in ``count`` threads started together, each on a session of its
    own; fails on any error of any of them."""
    import threading

    from hub import db as hub_db

    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            with app.app_context():
                session = hub_db.get_database(app).sessionmaker()
                barrier.wait(timeout=10)
                work(session, n)
                session.close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
