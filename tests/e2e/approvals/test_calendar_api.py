"""The working-day calendar over HTTP: the official 2026 schedule with National Day
and its make-up working day, a December case reaching into the unpublished 2027, and
the recomputation when 2027 is published."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from hub.approvals.models import Application
from hub.audit.models import AuditRecord
from hub.timezones import SHANGHAI

# A plausible official 2027 schedule, as the State Council might publish it: New Year
# 1–3 January with no make-up day, the Spring Festival 5–11 February with make-up
# days on Sunday 14 and Saturday 20 February, and so on.
HOLIDAYS_2027 = ["2027-01-01", "2027-01-02", "2027-01-03", "2027-02-05", "2027-02-06",
                 "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11"]
WORKDAYS_2027 = ["2027-02-14", "2027-02-20"]


def test_get_official_and_provisional_years(hall):
    official = hall.client.get("/api/v1/calendar/2026", headers=hall.clerk.headers)
    assert official.status_code == 200
    body = official.json
    assert body["year"] == 2026 and body["status"] == "official"
    assert "2026-10-01" in body["holidays"] and "2026-10-07" in body["holidays"]
    assert body["workdays"] == ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09",
                                "2026-09-20", "2026-10-10"]
    provisional = hall.client.get("/api/v1/calendar/2027", headers=hall.approvers["fire"].headers)
    assert provisional.json["status"] == "provisional" and provisional.json["workdays"] == []
    assert provisional.json["holidays"][:5] == ["2027-01-01", "2027-02-05", "2027-02-06",
                                                "2027-02-07", "2027-02-08"]
    assert hall.client.get("/api/v1/calendar/1800", headers=hall.clerk.headers).status_code == 422
    assert hall.client.get("/api/v1/calendar/abc", headers=hall.clerk.headers).status_code == 404
    assert hall.client.get("/api/v1/calendar/2026").status_code == 401


def test_national_day_and_its_make_up_working_day(hall, frozen_clock):
    # Accepted on Wednesday 30 September 2026: 1–7 October are holidays; Saturday
    # 10 October is a make-up working day, so market's 3 days end on it.
    frozen_clock.set(dt.datetime(2026, 9, 30, 10, tzinfo=SHANGHAI))
    case = hall.submitted()
    assert hall.task(case, "market")["due_at"] == "2026-10-10T23:59:59+08:00"
    # The case: 8, 9, 10, 12–16, 19, 20 October.
    assert case["due_at"] == "2026-10-20T23:59:59+08:00"
    assert case["due_at_provisional"] is False
    # Approved on the Saturday make-up day: the next stage's 5 days are 12–16 October.
    frozen_clock.set(dt.datetime(2026, 10, 10, 11, tzinfo=SHANGHAI))
    case = hall.decided(hall.task(case, "market"))["application"]
    assert hall.task(case, "fire")["due_at"] == "2026-10-16T23:59:59+08:00"


def test_december_case_reaching_into_2027_is_recomputed_when_2027_is_published(
        hall, frozen_clock, session):
    frozen_clock.set(dt.datetime(2026, 12, 21, 10, tzinfo=SHANGHAI))
    case = hall.submitted()
    # 22–25 and 28–31 December, then (provisionally) 1 January is the only holiday:
    # 4 and 5 January.
    assert case["due_at"] == "2027-01-05T23:59:59+08:00" and case["due_at_provisional"] is True
    assert hall.task(case, "market")["due_at_provisional"] is False  # 24 December
    frozen_clock.set(dt.datetime(2026, 12, 28, 10, tzinfo=SHANGHAI))
    case = hall.decided(hall.task(case, "market"))["application"]
    fire = hall.task(case, "fire")
    # 29, 30, 31 December, 4 and 5 January.
    assert fire["due_at"] == "2027-01-05T23:59:59+08:00" and fire["due_at_provisional"] is True
    provisional = hall.client.get("/api/v1/applications", headers=hall.clerk.headers).json
    assert provisional["items"][0]["due_at_provisional"] is True

    # Only an administrator publishes, with a valid schedule.
    url = "/api/v1/calendar/2027"
    body = {"holidays": HOLIDAYS_2027, "workdays": WORKDAYS_2027}
    assert hall.client.put(url, json=body, headers=hall.supervisor.headers).status_code == 403
    bad = hall.client.put(url, json={"holidays": ["2028-01-01"], "workdays": ["2027-02-15"]},
                          headers=hall.admin.headers)
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"holidays", "workdays"}
    assert hall.get(case["id"])["due_at_provisional"] is True

    published = hall.client.put(url, json=body, headers=hall.admin.headers)
    assert published.status_code == 200
    assert published.json["status"] == "official" and published.json["workdays"] == WORKDAYS_2027
    assert published.json["published_by"] == hall.admin.username
    after = hall.get(case["id"])
    # 1–3 January off (the 3rd a Sunday anyway): the due dates do not move, but they are
    # official now.
    assert after["due_at"] == "2027-01-05T23:59:59+08:00"
    assert after["due_at_provisional"] is False
    assert hall.task(after, "fire")["due_at_provisional"] is False
    recomputed = [h for h in after["history"] if h["action"] == "application.deadline_recomputed"]
    assert len(recomputed) == 1 and recomputed[0]["after"]["calendar_year"] == 2027
    assert recomputed[0]["before"]["due_at_provisional"] is True

    # A correction that adds 4 January moves every open due date one working day later.
    corrected = hall.client.put(url, json={"holidays": HOLIDAYS_2027 + ["2027-01-04"],
                                           "workdays": WORKDAYS_2027},
                                headers=hall.admin.headers)
    assert corrected.status_code == 200 and corrected.json["version"] == 2
    after = hall.get(case["id"])
    assert after["due_at"] == "2027-01-06T23:59:59+08:00"
    assert hall.task(after, "fire")["due_at"] == "2027-01-06T23:59:59+08:00"
    assert hall.task(after, "market")["due_at"] == "2026-12-24T23:59:59+08:00"  # decided
    assert [h["action"] for h in after["history"]].count("application.deadline_recomputed") == 2
    row = session.get(Application, uuid.UUID(case["id"]))
    assert row.due_at == dt.datetime(2027, 1, 6, 23, 59, 59, tzinfo=SHANGHAI)
    published_records = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "calendar.published").order_by(AuditRecord.id)).all()
    assert [r.target_id for r in published_records] == ["2027", "2027"]
    assert published_records[1].before["holidays"] == HOLIDAYS_2027


def test_concluded_cases_keep_their_due_dates(hall, frozen_clock):
    frozen_clock.set(dt.datetime(2026, 12, 21, 10, tzinfo=SHANGHAI))
    case = hall.submitted()
    withdrawn = hall.client.post(f"/api/v1/applications/{case['id']}/withdraw",
                                 json={"reason": "撤回"}, headers=hall.clerk.headers).json
    assert hall.client.put("/api/v1/calendar/2027", json={
        "holidays": HOLIDAYS_2027 + ["2027-01-04"], "workdays": []},
        headers=hall.admin.headers).status_code == 200
    after = hall.get(case["id"])
    assert after["due_at"] == withdrawn["due_at"] and after["due_at_provisional"] is True
    assert "application.deadline_recomputed" not in [h["action"] for h in after["history"]]
