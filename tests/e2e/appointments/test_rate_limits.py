"""The public booking endpoints are rate-limited per address (hub.throttle): what is
refused over the limit stores nothing."""
import pytest
from sqlalchemy import func, select

from hub.appointments.models import Appointment


@pytest.fixture
def app_config():
    return {"rate_limits": "public.appointments=3/3600"}


def test_booking_is_rate_limited_per_address(client, desk, book, session):
    book()
    book(slot="pm")
    book(expect=422, date="2026-11-27")  # the third counts, refused or not
    limited = book(expect=429, slot="pm", date="2026-12-02")
    assert int(limited.headers["Retry-After"]) > 0
    assert session.scalar(select(func.count()).select_from(Appointment)) == 2
