"""Many citizens take the last places at once, on PostgreSQL through a real threaded HTTP
server: exactly the capacity is booked, every other booking gets 409, and the count of
places taken agrees with the appointments stored."""
from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from hub.appointments.models import Appointment, AppointmentSlot
from tests.e2e.conftest import TOMORROW, booking
from tests.e2e.web.conftest import LiveServer
from tests.factories import window_definition

pytestmark = pytest.mark.postgres

CITIZENS = 24


@pytest.fixture
def backend():
    return "postgresql"


@pytest.fixture
def app_config():
    return {"rate_limit_enabled": False, "db_pool_size": 12}


@pytest.fixture
def server(app, people):
    people.service_item()
    people.guide()
    people.windows("binhe", window_definition("A01", capacity_per_slot=2),
                   window_definition("A02", capacity_per_slot=1))  # three places
    live = LiveServer(app).start()
    yield live
    live.stop()


def rush(url: str, bodies: list[dict]) -> list[int]:
    """Every booking sent at the same instant, one thread each."""
    start = threading.Barrier(len(bodies))

    def one(body: dict) -> int:
        with requests.Session() as http:
            start.wait()
            return http.post(url, json=body, timeout=60).status_code

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(one, bodies))


def placed(session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(Appointment).where(
                Appointment.day == dt.date.fromisoformat(TOMORROW), Appointment.slot == "am")),
            session.scalar(select(AppointmentSlot.taken)))


def test_many_take_the_last_place_at_once_and_exactly_one_gets_it(server, session):
    url = server.url + "/api/v1/public/appointments"
    for _ in range(2):
        assert requests.post(url, json=booking(), timeout=30).status_code == 201
    statuses = rush(url, [booking() for _ in range(CITIZENS)])
    assert sorted(set(statuses)) == [201, 409], statuses
    assert statuses.count(201) == 1
    assert placed(session) == (3, 3)


def test_many_take_every_place_at_once_and_exactly_the_capacity_is_booked(server, session):
    url = server.url + "/api/v1/public/appointments"
    statuses = rush(url, [booking() for _ in range(CITIZENS)])
    assert statuses.count(201) == 3 and statuses.count(409) == CITIZENS - 3, statuses
    assert placed(session) == (3, 3)


def test_one_person_racing_themselves_gets_one_appointment(server, session):
    url = server.url + "/api/v1/public/appointments"
    person = booking()["applicant"]
    bodies = [booking(applicant=person, slot=slot) for slot in ("am", "pm") * 6]
    statuses = rush(url, bodies)
    assert statuses.count(201) == 1 and statuses.count(409) == len(bodies) - 1, statuses
    assert session.scalar(select(func.count()).select_from(Appointment)) == 1
    assert session.scalar(select(func.sum(AppointmentSlot.taken))) == 1
