"""The SQL forms of the card rule (the list filters, the counts behind the figures and
the metrics, the scan's thresholds) give the card ``hub.approvals.cards`` gives, on both
backends, at the sub-second boundaries."""
from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import db as hub_db
from hub.approvals import cards, queries
from hub.approvals.models import Application, ApprovalTask
from hub.permissions import Principal
from hub.supervision import services
from tests.integration.supervision.cases import application, at, task

DUE = at("2026-12-04", "23:59:59")
YELLOW = at("2026-12-04", "00:00:00")
SECOND, US = dt.timedelta(seconds=1), dt.timedelta(microseconds=1)
# Either side of yellow_at, the last second of the deadline and the first one after it.
NOWS = (YELLOW - US, YELLOW, DUE - US, DUE, DUE + 999_999 * US, DUE + SECOND,
        DUE + SECOND + US)
SUPERVISOR = Principal(username="supervisor", roles=frozenset({"supervisor"}))


@pytest.fixture
def tx(app: Flask) -> Iterator[Session]:
    session = hub_db.get_database(app).sessionmaker()
    yield session
    session.close()


@pytest.fixture
def open_cases(tx: Session, people) -> list[Application]:  # type: ignore[no-untyped-def]
    """Running and stopped cases, each with a pending task, due on the whole second and
    half a second after it (as a center's system may send)."""
    people.service_item()
    made = []
    for due_at in (DUE, DUE + dt.timedelta(milliseconds=500)):
        for status in ("in_review", "supplement_requested"):
            case = application(tx, "binhe", at("2026-11-30"), status=status, due_at=due_at,
                               yellow_at=YELLOW, track=False)
            task(tx, case, "market", at("2026-11-30"), due_at=due_at, yellow_at=YELLOW)
            made.append(case)
    return made


def expected(now: dt.datetime, rows: list[tuple]) -> dict:
    return {row_id: cards.card(now, due_at, yellow_at, running=running)
            for row_id, due_at, yellow_at, running in rows}


def test_the_sql_cards_agree_with_the_rule(tx: Session, open_cases: list[Application]) -> None:
    case_rows = [(a.id, a.due_at, a.yellow_at, a.status == "in_review") for a in open_cases]
    task_rows = [(t.id, t.due_at, t.yellow_at, t.application.status == "in_review")
                 for t in tx.scalars(select(ApprovalTask))]
    stopped_case = Application.status == "supplement_requested"
    for now in NOWS:
        want_cases, want_tasks = expected(now, case_rows), expected(now, task_rows)
        # The CASE the counts group by.
        shown = dict(tx.execute(select(Application.id, queries.card_column(
            now, Application.due_at, Application.yellow_at, stopped_case))).all())
        assert shown == want_cases, now
        # The list filters (?warning=yellow|red) of the API and the pages.
        for level in cards.LEVELS:
            listed = set(tx.scalars(queries.applications_query(SUPERVISOR, now, warning=level)))
            assert {a.id for a in listed} == {i for i, c in want_cases.items() if c == level}
            listed_tasks = set(tx.scalars(queries.tasks_query(SUPERVISOR, now, warning=level)))
            assert {t.id for t in listed_tasks} == {
                i for i, c in want_tasks.items() if c == level}, (now, level)
        # The counts behind the figures and the metrics.
        counted = services.open_applications(tx, now)
        assert counted == collections.Counter(("binhe", c) for c in want_cases.values())
        assert services.open_tasks(tx, now) == collections.Counter(
            ("market", c) for c in want_tasks.values())
        tx.rollback()


def test_the_scan_thresholds_agree_with_the_rule(tx: Session,
                                                 open_cases: list[Application]) -> None:
    for now in NOWS:
        for level in cards.LEVELS:
            crossed = set(tx.scalars(select(Application.id).where(queries.card_reached(
                level, now, Application.due_at, Application.yellow_at))))
            assert crossed == {a.id for a in open_cases
                               if cards.reached(level, now, a.due_at, a.yellow_at)}, (now, level)
        tx.rollback()
