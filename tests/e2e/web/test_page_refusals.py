"""A page's button pressed by someone the hub refuses answers as every refused page does
(403, or 404 for what their center does not hold), not with a redirect that reads like
success; what changed meanwhile (taken by another, stale version) stays a message on the
page the button was on. Over HTTP, both backends."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.appointments.models import Appointment
from hub.approvals.models import ApprovalTask
from tests.e2e.approvals.conftest import hall  # noqa: F401 - the fixture
from tests.e2e.web.pages import csrf_token, fresh, signed_in


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request):
    return request.param


def _press(client, person, path, **data):
    """``person`` (signed in afresh) presses the button posting ``data`` to ``path``."""
    client.application.config["SESSION_COOKIE_SECURE"] = False
    if fresh(client, "GET", "/me").status_code == 200:
        fresh(client, "POST", "/logout", data={"csrf_token": csrf_token(client, "/me")})
    token = signed_in(client, person)
    return fresh(client, "POST", path, data={"csrf_token": token, **data})


def test_claiming_or_releasing_a_task_one_may_not_is_the_refusal_page(
        client, hall, people, session):  # noqa: F811
    case = hall.submitted()
    task = hall.task(case, "market")
    path = f"/tasks/{task['id']}"
    # An approver of another department: not their task to take.
    fire = hall.approvers["fire"]
    refused = _press(client, fire, f"{path}/claim", version=str(task["version"]))
    assert refused.status_code in (403, 404), refused.status_code
    assert session.scalar(select(ApprovalTask.assignee)) is None
    # Taken by one approver of market, given back by another who is no chief: refused,
    # with the reason on the refusal page.
    li = hall.approvers["market"]
    assert _press(client, li, f"{path}/claim", version=str(task["version"])).status_code == 302
    session.expire_all()
    held = session.scalars(select(ApprovalTask)).one()
    assert held.assignee == li.username
    wu = people.approver("market")
    refused = _press(client, wu, f"{path}/release", version=str(held.version))
    assert refused.status_code == 403
    assert "只有其本人或首席代表可以退回" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(ApprovalTask.assignee)) == li.username
    # A stale claim is what changed meanwhile: a message where the button was.
    stale = _press(client, li, f"{path}/release", version="99")
    assert stale.status_code == 302


def test_marking_another_centers_appointment_is_not_found(client, desk, book, session):
    number = book().json["number"]
    refused = _press(client, desk["other"], f"/appointments/{number}/arrive")
    assert refused.status_code == 404
    assert session.scalar(select(Appointment.status)) == "booked"
    # Its own clerk, before the day: the day list says why.
    early = _press(client, desk["clerk"], f"/appointments/{number}/arrive")
    assert early.status_code == 302
    assert session.scalar(select(Appointment.status)) == "booked"
