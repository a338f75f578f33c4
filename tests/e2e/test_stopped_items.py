"""An item the administrator stopped (停办), or withdrew from a center, takes no new work
from citizens either: no appointment and no pre-review, as no case at the window; what
the citizen reads is the catalog's own reason, beside the item."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.appointments.models import Appointment
from hub.prereviews.models import PreReview
from tests.e2e.conftest import booking
from tests.e2e.prereviews.test_prereviews_api import data, upload


def available(client, admin, **body):
    response = client.put("/api/v1/service-items/open-restaurant/availability",
                          json=body, headers=admin.headers)
    assert response.status_code == 200, response.json


def stored(session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(Appointment)),
            session.scalar(select(func.count()).select_from(PreReview)))


@pytest.mark.parametrize("body, reason", [
    ({"active": False, "centers": None}, "该事项已停办，不再受理新的申请"),
    ({"active": True, "centers": ["daxi"]}, "本中心不受理该事项"),
], ids=["stopped", "not-at-this-center"])
def test_a_stopped_item_takes_no_appointment_and_no_pre_review(
        client, desk, session, body, reason):
    assert client.post("/api/v1/public/appointments", json=booking()).status_code == 201
    assert upload(client, body=data()).status_code == 201
    before = stored(session)
    available(client, desk["admin"], **body)
    slots = client.get("/api/v1/public/appointments/slots", query_string={
        "center": "binhe", "service_item": "open-restaurant", "date": booking()["date"]})
    booked = client.post("/api/v1/public/appointments", json=booking())
    sent = upload(client, body=data())
    for response in (slots, booked, sent):
        assert response.status_code == 422, response.json
        assert response.json["errors"] == {"service_item": [reason]}, response.json
    assert stored(session) == before
    # Offered again: taken again.
    available(client, desk["admin"], active=True, centers=None)
    assert client.post("/api/v1/public/appointments", json=booking()).status_code == 201
