"""Appointments over HTTP on both backends: slots of working days only, booking and
cancelling without signing in, bad input refused with nothing stored, one live
appointment per ID number and item (refused without telling a stranger anything of it),
the clerk's day list with arrivals and no-shows, the officials' no-show figures."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from hub.appointments.models import Appointment, AppointmentSlot
from hub.audit.models import AuditRecord
from hub.clock import SHANGHAI
from tests.e2e.conftest import TOMORROW, booking, id_number


def stored(session):
    return (session.scalar(select(func.count()).select_from(Appointment)),
            session.scalar(select(func.coalesce(func.sum(AppointmentSlot.taken), 0))))


def slots(client, date=TOMORROW, **query):
    params = {"center": "binhe", "service_item": "open-restaurant", "date": date, **query}
    return client.get("/api/v1/public/appointments/slots", query_string=params)


def test_a_citizen_books_a_half_day_and_the_places_go_down(client, desk, book, session):
    before = slots(client)
    assert before.status_code == 200, before.json
    assert before.json == [
        {"date": TOMORROW, "slot": "am", "capacity": 2, "free": 2, "provisional": False},
        {"date": TOMORROW, "slot": "pm", "capacity": 2, "free": 2, "provisional": False}]
    # Today at 09:00 the morning has begun: only the afternoon is left.
    assert [s["slot"] for s in slots(client, "2026-11-30").json] == ["pm"]

    body = booking()
    made = client.post("/api/v1/public/appointments", json=body)
    assert made.status_code == 201, made.json
    number, code = made.json["number"], made.json["code"]
    assert number.startswith("YY-BINHE-20261130-") and len(code.replace("-", "")) == 8
    assert slots(client).json[0]["free"] == 1

    row = session.scalars(select(Appointment)).one()
    assert row.status == "booked" and row.code_hash != code
    assert body["applicant"]["id_number"] not in (row.applicant_id_encrypted or "")
    assert row.applicant_id_masked == body["applicant"]["id_number"][:4] + "*" * 10 + \
        body["applicant"]["id_number"][-4:]
    audit = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "appointment.booked")).one()
    assert audit.target_id == number and audit.actor == "citizen"
    assert body["applicant"]["id_number"] not in str(audit.after)

    # Progress by number and code, as for any receipt.
    progress = client.get(f"/api/v1/public/progress/{number}", query_string={"code": code})
    assert progress.status_code == 200, progress.json
    assert progress.json["type"] == "appointment" and progress.json["status"] == "booked"
    assert progress.json["name"] == "王**"
    assert client.get(f"/api/v1/public/progress/{number}",
                      query_string={"code": "ABCD-EFGH"}).status_code == 404


@pytest.mark.parametrize("overrides, field", [
    ({"date": 20261201}, "date"),
    ({"date": "2026-12-32"}, "date"),
    ({"slot": "evening"}, "slot"),
    ({"slot": ["am"]}, "slot"),
    ({"center": 7}, "center"),
    ({"applicant": "王小明"}, "applicant"),
    ({"applicant": {"name": "王小明", "id_number": "210102199001011230",
                    "phone": "13812345678"}}, "applicant.id_number"),
    ({"applicant": {"name": "王小明", "id_number": "21010219900101123",
                    "phone": "13812345678"}}, "applicant.id_number"),
    ({"applicant": {"name": "王小明", "id_number": id_number(), "phone": "12345"}},
     "applicant.phone"),
    ({"applicant": {"name": "", "id_number": id_number(), "phone": "13812345678"}},
     "applicant.name"),
    ({"date": "2026-12-05"}, "date"),  # a Saturday
    ({"date": "2026-10-01"}, "date"),  # past (and National Day)
    ({"date": "2026-11-27"}, "date"),  # past working day
    ({"date": "2026-11-30", "slot": "am"}, "slot"),  # this morning has begun
    ({"date": "2027-02-01"}, "date"),  # beyond the booking horizon
    ({"center": "atlantis"}, "center"),
    ({"service_item": "no-such-item"}, "service_item"),
    ({"center": "daxi"}, "service_item"),  # no window of daxi handles it
])
def test_bad_bookings_are_422_and_store_nothing(client, desk, book, session, overrides, field):
    response = book(expect=None, **overrides)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert response.headers["Content-Type"] == "application/problem+json"
    assert stored(session) == (0, 0)
    assert session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action.like("appointment.%"))) == 0


@pytest.mark.parametrize("query, field", [
    ({"date": "2026-12-05"}, "date"), ({"date": "2026-11-27"}, "date"),
    ({"date": "tomorrow"}, "date"), ({"center": "atlantis"}, "center"),
    ({"service_item": "no-such-item"}, "service_item"),
])
def test_slots_of_a_day_that_cannot_be_booked_are_422(client, desk, query, field):
    response = slots(client, **query)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]


def test_malformed_json_is_400_and_stores_nothing(client, desk, session):
    response = client.post("/api/v1/public/appointments", data="{not json",
                           content_type="application/json")
    assert response.status_code == 400
    assert stored(session) == (0, 0)


def test_a_full_slot_is_409(client, desk, book, session):
    book()
    book()
    full = book(expect=409)
    assert "约满" in full.json["detail"]
    assert stored(session) == (2, 2)
    assert slots(client).json[0]["free"] == 0
    book(slot="pm")


def test_one_live_appointment_per_id_number_and_item_without_telling_a_stranger(
        client, desk, book, session):
    person = {"name": "王小明", "id_number": id_number(), "phone": "13812345678"}
    first = book(applicant=person).json
    # Someone else types the same ID number, another day, another half-day.
    stranger = {**person, "name": "李四", "phone": "13900001111"}
    refused = book(expect=409, applicant=stranger, date="2026-12-02", slot="pm")
    text = refused.get_data(as_text=True)
    for leak in (first["number"], "2026-12-01", "12月1日", "上午", "滨河", "binhe", "王"):
        assert leak not in text, leak
    assert refused.json["detail"] == refused.json["detail"]  # the rule, and only the rule
    assert "同一证件号码同一事项只能保留一个有效预约" in refused.json["detail"]
    assert stored(session) == (1, 1)
    # The holder cancels with the code, and may book again.
    cancelled = client.post(f"/api/v1/public/appointments/{first['number']}/cancel",
                            json={"code": first["code"]})
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["status"] == "cancelled"
    book(applicant=person, date="2026-12-02")


def test_cancel_with_the_code_gives_the_place_back(client, desk, book, session):
    made = book().json
    url = f"/api/v1/public/appointments/{made['number']}/cancel"
    wrong = client.post(url, json={"code": "ABCD-EFGH"})
    unknown = client.post("/api/v1/public/appointments/YY-BINHE-20261130-9999/cancel",
                          json={"code": made["code"]})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json["detail"] == unknown.json["detail"]
    assert client.post(url, json={"code": 12345678}).status_code == 422
    assert client.post(url, json={}).status_code == 422
    assert session.scalar(select(Appointment.status)) == "booked"
    assert slots(client).json[0]["free"] == 1
    # As typed on a phone: lower case, no hyphen, full-width.
    typed = made["code"].replace("-", "").lower()
    assert client.post(url, json={"code": typed}).status_code == 200
    assert slots(client).json[0]["free"] == 2
    again = client.post(url, json={"code": made["code"]})
    assert again.status_code == 409
    assert session.scalar(select(AppointmentSlot.taken)) == 0
    assert session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "appointment.cancelled")) == 1


def test_no_cancelling_once_the_half_day_has_begun(client, desk, book, frozen_clock):
    made = book().json
    frozen_clock.set(dt.datetime(2026, 12, 1, 8, 31, tzinfo=SHANGHAI))
    response = client.post(f"/api/v1/public/appointments/{made['number']}/cancel",
                           json={"code": made["code"]})
    assert response.status_code == 409


def test_idempotency_key_replays_the_booking_with_a_new_code(client, desk, session):
    body = booking()
    headers = {"Idempotency-Key": "booking-7f3a"}
    first = client.post("/api/v1/public/appointments", json=body, headers=headers)
    replay = client.post("/api/v1/public/appointments", json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json["number"] == first.json["number"]
    assert stored(session) == (1, 1)
    url = f"/api/v1/public/appointments/{first.json['number']}/cancel"
    assert client.post(url, json={"code": first.json["code"]}).status_code == 404  # void
    other = client.post("/api/v1/public/appointments", json=booking(), headers=headers)
    assert other.status_code == 409
    assert stored(session) == (1, 1)
    bad = client.post("/api/v1/public/appointments", json=booking(),
                      headers={"Idempotency-Key": "bad key with spaces"})
    assert bad.status_code == 422 and "Idempotency-Key" in bad.json["errors"]
    assert client.post(url, json={"code": replay.json["code"]}).status_code == 200


def test_the_clerk_keeps_the_day_list_with_arrivals_and_no_shows(
        client, desk, book, session, frozen_clock, fresh):
    morning = book().json
    afternoon = book(slot="pm").json
    clerk, other = desk["clerk"].headers, desk["other"].headers
    arrive = f"/api/v1/appointments/{morning['number']}/arrive"
    assert client.post(arrive, headers=clerk).status_code == 409  # not the day yet
    frozen_clock.set(dt.datetime(2026, 12, 1, 8, 45, tzinfo=SHANGHAI))
    clerk, other = fresh(desk["clerk"]), fresh(desk["other"])
    day = client.get("/api/v1/appointments", query_string={"date": TOMORROW}, headers=clerk)
    assert day.status_code == 200, day.json
    assert [a["number"] for a in day.json["items"]] == [morning["number"], afternoon["number"]]
    assert day.json["items"][0]["applicant"]["id_number"].count("*") == 10
    assert day.json["items"][0]["applicant"]["phone"] == "138****5678"
    assert client.get("/api/v1/appointments", query_string={"center": "binhe"},
                      headers=other).status_code == 403
    assert client.post(arrive, headers=other).status_code == 404
    no_show_pm = f"/api/v1/appointments/{afternoon['number']}/no-show"
    assert client.post(no_show_pm, headers=clerk).status_code == 409  # afternoon not begun
    marked = client.post(arrive, headers=clerk)
    assert marked.status_code == 200 and marked.json["status"] == "arrived"
    assert client.post(arrive, headers=clerk).status_code == 409
    frozen_clock.set(dt.datetime(2026, 12, 1, 14, 0, tzinfo=SHANGHAI))
    assert client.post(no_show_pm, headers=clerk).json["status"] == "no_show"
    assert client.post("/api/v1/appointments/YY-BINHE-20261130-9999/arrive",
                       headers=clerk).status_code == 404
    actions = session.scalars(select(AuditRecord.action).where(
        AuditRecord.target_type == "appointment").order_by(AuditRecord.id)).all()
    assert actions == ["appointment.booked", "appointment.booked", "appointment.arrived",
                       "appointment.no_show"]

    figures = client.get("/api/v1/supervision/appointments",
                         query_string={"from": "2026-12-01", "to": "2026-12-01"},
                         headers=fresh(desk["supervisor"]))
    assert figures.status_code == 200, figures.json
    binhe = next(r for r in figures.json["items"] if r["center"] == "binhe")
    assert (binhe["booked"], binhe["arrived"], binhe["no_show"], binhe["no_show_rate"]) == \
        (2, 1, 1, 0.5)
    assert len(figures.json["items"]) == 16
    assert client.get("/api/v1/supervision/appointments", headers=clerk).status_code == 403


def test_a_booking_left_unmarked_counts_as_a_no_show_and_frees_the_person(
        client, desk, book, frozen_clock, session, fresh):
    person = {"name": "王小明", "id_number": id_number(), "phone": "13812345678"}
    book(applicant=person)
    frozen_clock.set(dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI))
    figures = client.get("/api/v1/supervision/appointments",
                         headers=fresh(desk["supervisor"])).json["items"]
    assert next(r for r in figures if r["center"] == "binhe")["no_show"] == 1
    book(applicant=person, date="2026-12-03")
    assert sorted(session.scalars(select(Appointment.status))) == ["booked", "no_show"]


def test_provisional_years_are_booked_on_the_computed_holidays(client, desk, frozen_clock):
    # 28 December 2026: the horizon reaches into 2027, whose schedule is not published.
    frozen_clock.set(dt.datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI))
    assert slots(client, "2027-01-01").status_code == 422  # New Year's Day
    days = slots(client, "2027-01-04").json
    assert [d["provisional"] for d in days] == [True, True]


