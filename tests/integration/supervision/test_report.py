"""The annual report: counted from the applications in SQL, and its checks catch a
rollup that disagrees."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from hub.approvals.models import Application
from hub.supervision import rollups
from hub.supervision.models import CenterDay
from hub.supervision.report import NO_REASON, annual_report
from tests.integration.supervision.cases import application, at, due, task

NOW = at("2027-01-15")  # the report of 2026, written in January


@pytest.fixture
def year(tx, people):  # type: ignore[no-untyped-def]
    people.service_item()
    people.department("market")
    rows = [
        # Received in 2025, concluded on New Year's Day 2026 00:30 Shanghai (still 2025 in UTC).
        application(tx, "binhe", at("2025-12-29"), status="approved", due_at=due("2026-01-09"),
                    concluded_at=at("2026-01-01", "00:30:00")),
        # Concluded on 31 December 2026 23:30 Shanghai: 2026, though 2026-12-31 15:30 UTC.
        application(tx, "binhe", at("2026-12-01"), status="approved", due_at=due("2026-12-15"),
                    concluded_at=at("2026-12-31", "23:30:00")),
        application(tx, "binhe", at("2026-03-02"), status="rejected", due_at=due("2026-03-13"),
                    concluded_at=at("2026-03-05"), reason="材料不全"),
        application(tx, "daxi", at("2026-03-02"), status="rejected", due_at=due("2026-03-13"),
                    concluded_at=at("2026-03-05"), reason="材料不全", source="sync"),
        application(tx, "daxi", at("2026-03-02"), status="rejected", due_at=due("2026-03-03"),
                    concluded_at=at("2026-03-05"), reason="  "),
        application(tx, "daxi", at("2026-04-01"), status="withdrawn", due_at=due("2026-04-10"),
                    concluded_at=at("2026-04-02"), reason="申请人撤回"),
        application(tx, "district", at("2026-05-06"), due_at=due("2026-05-20")),
    ]
    # A hub case rejected by a department: its reason is the decision's comment.
    by_department = application(tx, "district", at("2026-06-01"), due_at=due("2026-06-12"))
    rejecting = task(tx, by_department, "market", at("2026-06-01"), due_at=due("2026-06-04"),
                     status="rejected", decided_at=at("2026-06-02"))
    with tx.begin():
        tx.merge(rejecting).comment = "经营范围不符"
        case = tx.merge(by_department)
        case.status, case.concluded_at = "rejected", at("2026-06-02")
        rollups.track_application(tx, case, "in_review")
    # A case deleted upstream counts nowhere.
    application(tx, "daxi", at("2026-07-01"), status="approved", due_at=due("2026-07-10"),
                concluded_at=at("2026-07-02"), source="sync")
    with tx.begin():
        tx.execute(update(Application).where(Application.center_code == "daxi",
                                             Application.submitted_at == at("2026-07-01"))
                   .values(deleted_at=at("2026-07-03")))
        rollups.refresh(tx, "daxi", {dt.date(2026, 7, 1), dt.date(2026, 7, 2)})
    return rows


def test_the_years_figures_and_their_checks(session, year) -> None:
    report = annual_report(session, 2026, NOW)
    assert report["ok"], [c for c in report["checks"] if not c["ok"]]
    centers = {row["center"]: row for row in report["centers"]}
    binhe, daxi = centers["binhe"], centers["daxi"]
    assert (binhe["received"], binhe["concluded"], binhe["approved"], binhe["rejected"]) == (
        2, 3, 2, 1)
    assert binhe["on_time"] == 2 and binhe["on_time_rate"] == 0.6667  # 31 Dec was late
    assert (daxi["received"], daxi["concluded"], daxi["withdrawn"], daxi["on_time"]) == (
        3, 3, 1, 2)
    total = report["total"]
    assert (total["received"], total["concluded"], total["rejected"]) == (7, 7, 4)
    assert report["rejection_reasons"] == [{"reason": "材料不全", "count": 2},
                                           {"reason": NO_REASON, "count": 1},
                                           {"reason": "经营范围不符", "count": 1}]
    last_year = annual_report(session, 2025, NOW)
    assert last_year["total"]["received"] == 1 and last_year["total"]["concluded"] == 0


def test_a_rollup_that_disagrees_fails_its_check(tx, session, year) -> None:
    with tx.begin():
        tx.execute(update(CenterDay).where(CenterDay.center_code == "binhe")
                   .values(submitted=CenterDay.submitted + 1))
    report = annual_report(session, 2026, NOW)
    assert not report["ok"]
    failed = [check for check in report["checks"] if not check["ok"]]
    assert [check["name"] for check in failed] == ["binhe：统计表受理件数 = 办件库"]
