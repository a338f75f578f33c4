"""A page offers only what can be done, and a refusal is said beside the field it is
about, over HTTP on both backends: booking lists only the items some window takes
appointments for, and an item that cannot be booked is refused beside 事项 with nothing
stored; a disclosure request past its supplement window (the domain's rule,
hub/disclosure/limits.py) shows no 告知补正 form; the rating form chooses no level, and the
API has no default level (a rating without one is refused in Chinese, nothing stored)."""
from __future__ import annotations

import datetime as dt

import pytest
from lxml import html as lxml_html
from sqlalchemy import func, select

from hub.appointments.models import Appointment
from hub.approvals.calendar_services import load_calendar
from hub.disclosure import limits
from hub.ratings.models import Rating
from tests.e2e.conftest import TOMORROW, id_number
from tests.e2e.disclosure.conftest import office  # noqa: F401 - the fixture
from tests.e2e.ratings.conftest import concluded
from tests.e2e.approvals.conftest import hall  # noqa: F401 - the fixture
from tests.e2e.web.pages import backend, csrf_token, fresh, signed_in  # noqa: F401
from tests.e2e.web.test_public_site import site  # noqa: F401 - the fixture
from tests.factories import window_definition


def tree(response):
    return lxml_html.fromstring(response.get_data(as_text=True))


def words(elements):
    return [" ".join(e.text_content().split()) for e in elements]


@pytest.fixture
def citizen(client, people, site):  # noqa: F811
    """The site, and an item with a guide whose only window takes no appointments."""
    people.service_item(code="civil-defence-works", name="人防工程竣工验收备案")
    people.guide("civil-defence-works")
    people.windows("daxi", window_definition("C01", service_items=["civil-defence-works"],
                                             capacity_per_slot=0))
    client.application.config["SESSION_COOKIE_SECURE"] = False
    return client


def test_booking_offers_only_bookable_items_and_refuses_another_beside_the_item(
        citizen, session):
    page = fresh(citizen, "GET", "/book")
    assert page.status_code == 200
    offered = tree(page).xpath("//select[@id='book-item']/option/@value")
    assert offered == ["", "open-restaurant"]  # not the item no window takes bookings for

    refused = fresh(citizen, "GET", "/book?item=civil-defence-works")
    assert refused.status_code == 422
    doc = tree(refused)
    assert words(doc.xpath("//div[@data-field='item']//p[@class='field-error']")) == [
        "人防工程竣工验收备案暂不接受网上预约，请按办事指南到窗口办理（查看办事指南）"]
    assert doc.xpath("//select[@id='book-item']/@aria-invalid") == ["true"]
    assert doc.xpath("//a[@href='/guide/civil-defence-works']")
    assert not doc.xpath("//select[@id='book-center']")  # no center to choose for it
    assert len(doc.xpath("//p[@class='field-error']")) == 1  # said once, beside 事项

    unknown = fresh(citizen, "GET", "/book?item=no-such-item")
    assert unknown.status_code == 422
    assert words(tree(unknown).xpath("//div[@data-field='item']//p[@class='field-error']")) \
        == ["没有这个可网上预约的事项，请从列表中选择"]

    # Posted all the same (a form kept from before): refused beside 事项, nothing booked.
    posted = fresh(citizen, "POST", "/book", data={
        "csrf_token": csrf_token(citizen, "/book/cancel"), "item": "civil-defence-works",
        "center": "daxi", "date": TOMORROW, "slot": "am", "applicant.name": "王小明",
        "applicant.id_number": id_number(), "applicant.phone": "13812345678"})
    assert posted.status_code == 422
    assert "暂不接受网上预约" in words(tree(posted).xpath(
        "//div[@data-field='item']//p[@class='field-error']"))[0]
    assert session.scalar(select(func.count()).select_from(Appointment)) == 0

    # The bookable item goes on to the center and the day, as before.
    chosen = fresh(citizen, "GET", "/book?item=open-restaurant")
    assert chosen.status_code == 200
    assert tree(chosen).xpath("//select[@id='book-center']/option/@value") == ["", "binhe"]


def test_a_request_past_its_supplement_window_offers_no_supplement_form(
        app, office, session):  # noqa: F811
    cal = load_calendar(session)
    today = dt.date(2026, 11, 30)  # the frozen clock's day
    late = office.registered(received_on="2026-11-10")
    timely = office.registered(received_on="2026-11-25")
    assert not limits.supplement_possible(cal, dt.date(2026, 11, 10), today)
    assert limits.supplement_possible(cal, dt.date(2026, 11, 25), today)
    pages = app.test_client()
    app.config["SESSION_COOKIE_SECURE"] = False
    signed_in(pages, office.clerk)

    closed = tree(fresh(pages, "GET", f"/disclosure/{late['id']}"))
    assert not closed.xpath("//section[@id='supplement']")
    assert not closed.xpath("//form[contains(@action, '/supplement')]")
    last = limits.supplement_deadline(cal, dt.date(2026, 11, 10)).isoformat()
    assert words(closed.xpath("//dd[@class='supplement-closed']")) == [
        f"未告知补正；期限已于 {last}（周四） 届满，不能再要求补正"]
    # The steps still open to it are still offered.
    assert closed.xpath("//section[@id='answer']//form")

    open_ = tree(fresh(pages, "GET", f"/disclosure/{timely['id']}"))
    assert open_.xpath("//section[@id='supplement']//form[contains(@action, '/supplement')]")
    assert not open_.xpath("//dd[@class='supplement-closed']")
    # The domain refuses the late step all the same (the page only stops offering it).
    refused = office.act(late["id"], "supplement", reason="请写明文件名称", on="2026-11-30")
    assert refused.status_code == 422 and f"最迟 {last}" in refused.get_json()["errors"]["on"][0]


def test_the_rating_form_chooses_no_level(citizen):
    page = tree(fresh(citizen, "GET", "/rate"))
    assert len(page.xpath("//input[@name='level']")) == 5
    assert page.xpath("//input[@name='level'][@checked]") == []


def test_a_rating_without_a_level_is_refused_in_chinese_and_stores_nothing(
        hall, session):  # noqa: F811
    case = concluded(hall)
    for level in ({}, {"level": None}):
        body = {"number": case["number"], "code": case["receipt_code"], **level}
        refused = hall.client.post("/api/v1/public/ratings", json=body)
        assert refused.status_code == 422, refused.json
        assert refused.json["errors"] == {"level": ["请选择评价等级"]}
    assert session.scalar(select(func.count()).select_from(Rating)) == 0
    # The level given is the level kept: 3 is 3, nothing put in its place.
    rated = hall.client.post("/api/v1/public/ratings", json={
        "number": case["number"], "code": case["receipt_code"], "level": 3})
    assert rated.status_code == 201 and rated.json["level"] == 3
    assert session.scalars(select(Rating.level)).one() == 3
