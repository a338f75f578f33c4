"""Yellow and red cards (红黄牌): raised by the periodic scan (the Celery task beat
runs), recorded once per level with the time they were raised, audited, notified, and
filterable over HTTP."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from hub.approvals.models import DeadlineWarning
from hub.audit.models import AuditRecord
from hub.catalog.models import ServiceItem
from hub.timezones import SHANGHAI


def scan(app) -> dict:
    return app.extensions["celery"].tasks["approvals.scan_warnings"].apply().get()


def at(month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def listed(hall, url, who) -> list[str]:
    response = hall.client.get(url, headers=who.headers)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_a_late_step_is_flagged_while_the_case_is_on_time(hall, app, frozen_clock, session):
    case = hall.submitted()
    market = hall.task(case, "market")  # due Thursday 3 December, yellow from its start
    frozen_clock.set(at(12, 2, 12))
    assert scan(app) == {"yellow": 0, "red": 0}
    frozen_clock.set(at(12, 3, 8))
    assert scan(app) == {"yellow": 1, "red": 0}
    assert scan(app) == {"yellow": 0, "red": 0}  # once per level
    assert listed(hall, "/api/v1/tasks?warning=yellow", hall.approvers["market"]) == [market["id"]]
    assert listed(hall, "/api/v1/tasks?warning=red", hall.approvers["market"]) == []
    assert listed(hall, "/api/v1/applications?warning=yellow", hall.clerk) == []
    assert hall.task(hall.get(case["id"]), "market")["warning"] == "yellow"

    frozen_clock.set(at(12, 4, 8))
    assert scan(app) == {"yellow": 0, "red": 1}
    assert listed(hall, "/api/v1/tasks?warning=red", hall.supervisor) == [market["id"]]
    detail = hall.get(case["id"])
    assert detail["warning"] is None  # the case itself is on time until 12 December
    assert [(w["level"], w["department"], w["raised_at"]) for w in detail["warnings"]] == [
        ("yellow", "market", "2026-12-03T08:00:00+08:00"),
        ("red", "market", "2026-12-04T08:00:00+08:00")]

    frozen_clock.set(at(12, 12, 1))
    assert scan(app) == {"yellow": 1, "red": 0}
    assert listed(hall, "/api/v1/applications?warning=yellow", hall.clerk) == [case["id"]]
    frozen_clock.set(at(12, 15, 9))
    assert scan(app) == {"yellow": 0, "red": 1}
    assert listed(hall, "/api/v1/applications?warning=red", hall.supervisor) == [case["id"]]
    assert listed(hall, "/api/v1/applications?warning=yellow", hall.clerk) == []
    assert hall.get(case["id"])["warning"] == "red"

    records = session.scalars(select(AuditRecord).where(AuditRecord.action.like("warning.%"))
                              .order_by(AuditRecord.id)).all()
    assert [r.action for r in records] == ["warning.yellow", "warning.red", "warning.yellow",
                                           "warning.red"]
    assert {r.target_id for r in records} == {case["id"]}
    department_notes = hall.client.get("/api/v1/notifications",
                                       headers=hall.approvers["market"].headers).json["items"]
    assert [n["kind"] for n in department_notes][:2] == ["warning", "warning"]
    assert "红牌" in department_notes[0]["text"]
    center_notes = hall.client.get("/api/v1/notifications", headers=hall.clerk.headers).json
    assert [n["kind"] for n in center_notes["items"]] == ["warning", "warning"]
    supervisor_notes = hall.client.get("/api/v1/notifications",
                                       headers=hall.supervisor.headers).json["items"]
    assert len(supervisor_notes) == 4


def test_no_card_while_the_clock_is_stopped_or_once_decided(hall, app, frozen_clock, session):
    waiting = hall.submitted()
    hall.decided(hall.task(waiting, "market"), "request_supplement", comment="补充租赁合同")
    decided = hall.submitted()
    hall.decided(hall.task(decided, "market"))
    frozen_clock.set(at(12, 20, 9))
    result = scan(app)
    # The second case (due 14 December) and its three stage-2 tasks (due 7 December) are
    # past yellow and red; the case waiting for a supplement shows nothing.
    rows = session.scalars(select(DeadlineWarning)).all()
    assert {str(r.application_id) for r in rows} == {decided["id"]}
    assert result == {"yellow": 4, "red": 4}
    assert hall.get(waiting["id"])["warning"] is None
    assert listed(hall, "/api/v1/tasks?warning=red", hall.approvers["market"]) == []


def test_thresholds_are_set_per_service_item(hall, app, frozen_clock, session):
    item = session.get(ServiceItem, "open-restaurant")
    item.yellow_days = 3
    session.commit()
    case = hall.submitted()
    # Due 14 December; three working days or fewer left from the start of 10 December.
    assert case["yellow_at"] == "2026-12-10T00:00:00+08:00"
    assert hall.task(case, "market")["yellow_at"] == case["submitted_at"]  # 3 days: at once
    frozen_clock.set(at(12, 10, 9))
    scan(app)
    assert listed(hall, "/api/v1/applications?warning=yellow", hall.clerk) == [case["id"]]
