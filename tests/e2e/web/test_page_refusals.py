"""A page's button pressed by someone the hub refuses answers as every refused page does
(403, or 404 for what their center does not hold), not with a redirect that reads like
success; what changed meanwhile (taken by another, stale version) stays a message on the
page the button was on. The refusal comes before the form is read: pressed with nothing
filled in, the button is still refused, never answered with what the form lacks. Over
HTTP, both backends."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.appointments.models import Appointment
from hub.approvals.models import ApprovalTask
from hub.ratings.models import Rating
from hub.tickets.models import Ticket
from tests.e2e.approvals.conftest import hall  # noqa: F401 - the fixture
from tests.e2e.disclosure.conftest import office, state  # noqa: F401 - the fixture
from tests.e2e.ratings.conftest import concluded, rate
from tests.e2e.tickets.conftest import cc  # noqa: F401 - the fixture
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


def test_a_task_button_pressed_empty_by_another_department_is_refused(
        client, hall, session):  # noqa: F811
    case = hall.submitted()
    path = f"/tasks/{hall.task(case, 'market')['id']}"
    for button in ("claim", "release", "decision", "assign"):
        refused = _press(client, hall.chiefs["fire"], f"{path}/{button}")
        assert refused.status_code == 403, (button, refused.status_code)
    assert session.scalar(select(ApprovalTask.assignee)) is None


def test_a_ticket_step_one_may_not_take_is_refused_before_the_form_is_read(
        client, cc, session):  # noqa: F811
    """binhe's clerk reads binhe's tickets, but takes none of the steps of one that another
    owns (403); daxi's operator does not find it (404). Nothing filled in, nothing changed."""
    ticket = cc.acted(cc.received(), "assign", department="market")
    path = f"/tickets/{ticket['id']}"
    for step in ("assign", "transfer", "reply", "close"):
        refused = _press(client, cc.clerk, f"{path}/{step}")
        assert refused.status_code == 403, (step, refused.status_code)
        assert _press(client, cc.other, f"{path}/{step}").status_code == 404, step
    # market's approver answers it, but neither sends it on nor calls back.
    for step in ("assign", "transfer", "close"):
        assert _press(client, cc.approvers["market"], f"{path}/{step}").status_code == 403, step
    session.expire_all()
    row = session.scalars(select(Ticket)).one()
    assert (row.version, row.status, row.owner) == (ticket["version"], "assigned", "op.binhe")


def test_a_disclosure_step_one_may_not_take_is_refused_before_the_form_is_read(
        client, office, session):  # noqa: F811
    """An official reads every request and takes no step on one (403); a street's clerk
    does not find the district's (404). Nothing filled in, nothing changed."""
    request_id = office.registered()["id"]
    before = state(session)["requests"]
    for step in ("supplement", "resubmit", "extend", "answer"):
        path = f"/disclosure/{request_id}/{step}"
        assert _press(client, office.supervisor, path).status_code == 403, step
        assert _press(client, office.street_clerk, path).status_code == 404, step
    # The district's operator reads it, and neither answers nor extends it.
    for step in ("extend", "answer"):
        path = f"/disclosure/{request_id}/{step}"
        assert _press(client, office.operator, path).status_code == 403, step
    assert state(session)["requests"] == before


def test_another_centers_rating_is_not_found_before_the_appeal_is_read(
        client, hall, people, session):  # noqa: F811
    case = concluded(hall)
    assert rate(client, case["number"], case["receipt_code"], 1, "态度差").status_code == 201
    rating_id = session.scalars(select(Rating.id)).one()
    refused = _press(client, people.clerk(center="daxi"), f"/ratings/{rating_id}/appeal")
    assert refused.status_code == 404
    session.expire_all()
    assert session.scalar(select(Rating.appeal_status)) is None
