"""Two ratings of one case at the same moment, on the real PostgreSQL: exactly one wins,
the other gets 409, and the loser leaves nothing behind (no rating, no rectification, no
audit record). PostgreSQL only: SQLite runs one writer at a time."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from hub.audit.models import AuditRecord
from hub.ratings import services as rating_services
from hub.ratings.models import Rating
from hub.tickets.models import Ticket
from tests.conftest import autocommit_session
from tests.e2e.ratings.conftest import concluded

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgresql"])]


def _race(app, number: str, code: str, levels: list[int]) -> list[int]:
    barrier = threading.Barrier(len(levels))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def one(level: int, address: str) -> None:
        try:
            client = app.test_client()
            barrier.wait(timeout=10)
            response = client.post("/api/v1/public/ratings",
                                   json={"number": number, "code": code, "level": level},
                                   environ_base={"REMOTE_ADDR": address})
            statuses.append(response.status_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(level, f"203.0.113.{n}"))
               for n, level in enumerate(levels)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return sorted(statuses)


def _counts(app) -> tuple[int, int, int]:
    session = autocommit_session(app)
    try:
        return (session.scalar(select(func.count()).select_from(Rating)),
                session.scalar(select(func.count()).select_from(Ticket)),
                session.scalar(select(func.count()).select_from(AuditRecord).where(
                    AuditRecord.action == "rating.received")))
    finally:
        session.close()


def test_both_past_the_check_then_the_unique_constraint_decides(app, hall, monkeypatch):
    """Each request waits, after finding no rating yet, until the other has looked too:
    both insert, and the UNIQUE constraint lets exactly one commit."""
    case = concluded(hall)
    looked = threading.Barrier(2)
    real = rating_services.existing

    def existing_then_wait(session, subject):
        found = real(session, subject)
        looked.wait(timeout=10)
        return found

    monkeypatch.setattr(rating_services, "existing", existing_then_wait)
    assert _race(app, case["number"], case["receipt_code"], [1, 2]) == [201, 409]
    # One rating; one rectification (the loser's was rolled back with it); one record.
    assert _counts(app) == (1, 1, 1)


def test_many_at_once_still_one(app, hall):
    case = concluded(hall)
    assert _race(app, case["number"], case["receipt_code"], [5, 4, 3, 2, 1, 5]) == \
        [201, 409, 409, 409, 409, 409]
    ratings, tickets, records = _counts(app)
    assert (ratings, records) == (1, 1) and tickets in (0, 1)
