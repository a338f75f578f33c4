"""The call center's metrics (API.md names): tickets received by center, kind and channel;
tickets not closed, overdue or not; ratings by center and level; every center initialised,
the figures read from the database, no caller in sight."""
from __future__ import annotations

from tests.e2e.monitoring.exposition import samples, value
from tests.e2e.ratings.conftest import concluded, rate
from tests.e2e.tickets.conftest import PHONE, later
from tests.e2e.approvals.conftest import hall as hall  # noqa: F401 - the fixture, reused
from tests.e2e.tickets.conftest import cc as cc  # noqa: F401 - the fixture, reused


def _found(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert PHONE not in text and "赵六" not in text
    return samples(text)


def test_tickets_and_ratings_as_the_database_has_them(app, cc, hall):
    found = _found(cc.client)
    for center in ("district", "binhe", "daxi", "dongling"):
        assert value(found, "hub_tickets_received_total", center=center, kind="complaint",
                     channel="hotline") == 0
        assert value(found, "hub_tickets_open", center=center, kind="rectification",
                     overdue="true") == 0
        assert value(found, "hub_ratings_total", center=center, level="5") == 0
    cc.received(kind="consultation")
    cc.received(kind="consultation")
    cc.received(cc.clerk, channel="walk_in")
    cc.client.post("/api/v1/public/tickets", json={
        "kind": "suggestion", "center": "daxi", "subject": "建议延长午间办理时间",
        "content": "上班族中午办事难", "caller": {"name": "孙八", "phone": "13700001111"}})
    case = concluded(hall)
    assert rate(hall.client, case["number"], case["receipt_code"], 2).status_code == 201
    later(app, days=4)  # Friday: the consultations (3 working days) are overdue
    found = _found(cc.client)
    assert value(found, "hub_tickets_received_total", center="binhe", kind="consultation",
                 channel="hotline") == 2
    assert value(found, "hub_tickets_received_total", center="binhe", kind="complaint",
                 channel="walk_in") == 1
    assert value(found, "hub_tickets_received_total", center="daxi", kind="suggestion",
                 channel="web") == 1
    assert value(found, "hub_tickets_received_total", center="binhe", kind="rectification",
                 channel="rating") == 1
    assert value(found, "hub_tickets_open", center="binhe", kind="consultation",
                 overdue="true") == 2
    assert value(found, "hub_tickets_open", center="binhe", kind="complaint",
                 overdue="false") == 1
    assert value(found, "hub_tickets_open", center="binhe", kind="rectification",
                 overdue="false") == 1
    assert value(found, "hub_ratings_total", center="binhe", level="2") == 1
