"""``hub_appointments_total`` (API.md's metrics): every booking counted as booked, then
each final outcome, per center; every center's series present from the start."""
import datetime as dt

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub.clock import SHANGHAI


@pytest.fixture
def app_config():
    return {"metrics_cache_seconds": 0}  # every scrape reads the database


def appointments_total(client):
    text = client.get("/metrics").get_data(as_text=True)
    family = next(f for f in text_string_to_metric_families(text)
                  if f.name == "hub_appointments")
    return {(s.labels["center"], s.labels["outcome"]): s.value for s in family.samples
            if s.name == "hub_appointments_total"}


def test_bookings_cancellations_and_arrivals_are_counted(client, desk, book, fresh,
                                                         frozen_clock):
    assert appointments_total(client)[("daxi", "no_show")] == 0
    first, second = book().json, book(slot="pm").json
    client.post(f"/api/v1/public/appointments/{first['number']}/cancel",
                json={"code": first["code"]})
    frozen_clock.set(dt.datetime(2026, 12, 1, 13, 30, tzinfo=SHANGHAI))
    client.post(f"/api/v1/appointments/{second['number']}/arrive",
                headers=fresh(desk["clerk"]))
    counts = appointments_total(client)
    assert [counts[("binhe", o)] for o in ("booked", "cancelled", "arrived", "no_show")] == \
        [2, 1, 1, 0]
