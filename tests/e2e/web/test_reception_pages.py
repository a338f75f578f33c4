"""The window's pages for the public site's work (hub/web/reception.py), over HTTP on both
backends: the day's appointments (``/appointments``) with arrivals and no-shows marked by
the buttons and shown afterwards, only the clerk's own center; the pre-reviews
(``/prereviews``) with their cards, a pre-review's page with the decision form (pass, or
return with reasons), as API.md allows it: the clerk of the pre-review's center, nobody
else."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hub.appointments.models import Appointment
from hub.audit.models import AuditRecord
from hub.clock import SHANGHAI
from hub.prereviews.models import PreReview
from tests.e2e.conftest import TOMORROW, id_number
from tests.e2e.prereviews.test_prereviews_api import data as prereview_data
from tests.e2e.prereviews.test_prereviews_api import upload
from tests.e2e.web.pages import backend  # noqa: F401  (both backends)
from tests.e2e.web.staff import (
    Workstation,
    field_errors,
    flashes,
    having_class,
    table_rows,
    text,
    tree,
)
from tests.factories import JPEG_BYTES, pdf_bytes, png_bytes, window_definition

DAY_LIST = "//table[@id='day-list']"


def applicant(name: str) -> dict[str, str]:
    return {"name": name, "id_number": id_number(), "phone": "13812345678"}


def statuses(session) -> dict[str, str]:
    session.expire_all()
    return dict(session.execute(select(Appointment.number, Appointment.status)).all())


@pytest.fixture
def day(desk, book, people, frozen_clock):
    """Tomorrow's appointments at binhe (two in the morning, one in the afternoon), one
    the day after, and one at daxi the same day; then the clock moves on to tomorrow
    afternoon, when the clerk keeps the list."""
    people.windows("daxi", window_definition("D01", name="综合窗口", capacity_per_slot=1))
    made = {
        "zhao": book(applicant=applicant("赵一")).json,
        "qian": book(applicant=applicant("钱二")).json,
        "sun": book(slot="pm", applicant=applicant("孙三")).json,
        "later": book(date="2026-12-02", applicant=applicant("李四")).json,
        "daxi": book(center="daxi", applicant=applicant("周五")).json,
    }
    frozen_clock.set(dt.datetime(2026, 12, 1, 14, 0, tzinfo=SHANGHAI))
    return made


def test_the_day_list_shows_the_centers_appointments_and_marks_arrivals_and_no_shows(
        app, desk, day, session):
    clerk = Workstation(app, desk["clerk"])
    page = clerk.get(f"/appointments?date={TOMORROW}")
    assert page.status_code == 200
    assert "预约到场：2026-12-01" in text(tree(page).xpath("//h1")[0])
    rows = table_rows(page, DAY_LIST)
    # Binhe's three of that day, the morning first; not the day after's, not daxi's.
    assert [(r[0], r[1], r[3], r[6]) for r in rows] == [
        ("上午", day["zhao"]["number"], "赵*", "已预约"),
        ("上午", day["qian"]["number"], "钱*", "已预约"),
        ("下午", day["sun"]["number"], "孙*", "已预约")]
    assert all(r[2] == "开办餐饮店" for r in rows)
    assert all(r[4].count("*") == 10 and r[5].count("*") > 0 for r in rows)  # masked
    # Today (the clock's day) is the list by default.
    assert table_rows(clerk.get("/appointments"), DAY_LIST) == rows

    arrived = clerk.post(f"/appointments/{day['zhao']['number']}/arrive")
    assert arrived.status_code == 302
    assert arrived.headers["Location"].endswith(f"/appointments?date={TOMORROW}")
    missed = clerk.post(f"/appointments/{day['sun']['number']}/no-show", follow_redirects=True)
    assert f"预约 {day['sun']['number']}：爽约" in flashes(missed)

    rows = table_rows(missed, DAY_LIST)
    assert [(r[1], r[6]) for r in rows] == [
        (day["zhao"]["number"], f"已到场 {desk['clerk'].user.display_name}"),  # a name, not a login
        (day["qian"]["number"], "已预约"),
        (day["sun"]["number"], f"爽约 {desk['clerk'].user.display_name}")]
    # Buttons only where there is still something to mark.
    assert [r[7] for r in rows] == ["—", "到场 爽约", "—"]
    assert statuses(session) == {day["zhao"]["number"]: "arrived",
                                 day["qian"]["number"]: "booked",
                                 day["sun"]["number"]: "no_show",
                                 day["later"]["number"]: "booked",
                                 day["daxi"]["number"]: "booked"}
    marks = session.scalars(select(AuditRecord.action).where(
        AuditRecord.actor == desk["clerk"].username).order_by(AuditRecord.id)).all()
    assert [m for m in marks if m.startswith("appointment.")] == [
        "appointment.arrived", "appointment.no_show"]

    # Marked already: said on the list, nothing changes.
    again = clerk.post(f"/appointments/{day['zhao']['number']}/no-show", follow_redirects=True)
    assert again.status_code == 200
    assert any("已是" in m for m in flashes(again))
    # The day after has not come: no arrival yet.
    early = clerk.post(f"/appointments/{day['later']['number']}/arrive", follow_redirects=True)
    assert "还没到预约的日子" in flashes(early)
    assert statuses(session)[day["later"]["number"]] == "booked"
    assert [r[1] for r in table_rows(clerk.get("/appointments?date=2026-12-02"), DAY_LIST)] \
        == [day["later"]["number"]]


def test_an_afternoon_not_begun_cannot_be_a_no_show(app, desk, day, session, frozen_clock):
    frozen_clock.set(dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    clerk = Workstation(app, desk["clerk"])
    answer = clerk.post(f"/appointments/{day['sun']['number']}/no-show", follow_redirects=True)
    assert "预约时段还没开始，不能记为爽约" in flashes(answer)
    assert statuses(session)[day["sun"]["number"]] == "booked"


def test_only_the_centers_clerk_keeps_its_day_list(app, desk, day, people, session):
    other = Workstation(app, desk["other"])  # daxi's clerk
    rows = table_rows(other.get(f"/appointments?date={TOMORROW}"), DAY_LIST)
    assert [r[1] for r in rows] == [day["daxi"]["number"]]
    assert other.post(f"/appointments/{day['zhao']['number']}/arrive").status_code == 404
    for person in (desk["supervisor"], desk["admin"], people.approver("market"),
                   people.make("operator", center="binhe")):
        refused = Workstation(app, person).get(f"/appointments?date={TOMORROW}")
        assert refused.status_code == 403, person.username
        assert "当前账号无权查看预约" in refused.get_data(as_text=True)
        assert day["zhao"]["number"] not in refused.get_data(as_text=True)
    anonymous = app.test_client().get("/appointments")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert set(statuses(session).values()) == {"booked"}


# -- Pre-reviews ---------------------------------------------------------------------------

PREREVIEW_LIST = f"//section[{having_class('panel')}]//table"


@pytest.fixture
def prereviews(desk, client):
    """Two pre-reviews at binhe, the second with three files."""
    first = upload(client, body=prereview_data(applicant=applicant("王小明")))
    second = upload(client, body=prereview_data(applicant=applicant("李四")),
                    files=[("营业执照.pdf", pdf_bytes("licence")), ("平面图.png", png_bytes()),
                           ("健康证.jpg", JPEG_BYTES)])
    return {"first": first.json, "second": second.json}


def test_the_prereview_list_shows_the_centers_with_their_cards(
        app, desk, prereviews, frozen_clock):
    clerk = Workstation(app, desk["clerk"])
    page = clerk.get("/prereviews")
    assert page.status_code == 200
    # Both due at the same moment: the list orders them by id after that, so by number here.
    rows = sorted(table_rows(page, PREREVIEW_LIST))
    # Submitted on Monday 30 November at 09:00: due by the end of Tuesday, 1 December.
    assert [(r[0], r[2], r[3], r[5], r[6]) for r in rows] == [
        (prereviews["first"]["number"], "王**", "2026-11-30 09:00", "待审查", "2"),
        (prereviews["second"]["number"], "李*", "2026-11-30 09:00", "待审查", "3")]
    assert all(r[1] == "开办餐饮店" and r[4].startswith("2026-12-01 23:59") for r in rows)
    assert all(r[4].endswith("正常") for r in rows)
    # On its last day the card turns yellow; after it, red.
    frozen_clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    clerk = Workstation(app, desk["clerk"])
    assert [r[4].split()[-1] for r in table_rows(clerk.get("/prereviews"), PREREVIEW_LIST)] \
        == ["黄牌·临期"] * 2
    frozen_clock.set(dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI))
    clerk = Workstation(app, desk["clerk"])
    assert [r[4].split()[-1] for r in table_rows(clerk.get("/prereviews"), PREREVIEW_LIST)] \
        == ["红牌·超期"] * 2


def test_the_clerk_passes_one_and_returns_the_other_with_reasons(
        app, desk, prereviews, client, session):
    clerk = Workstation(app, desk["clerk"])
    first, second = prereviews["first"]["number"], prereviews["second"]["number"]
    detail = clerk.get(f"/prereviews/{first}")
    assert detail.status_code == 200
    page = tree(detail)
    assert [text(b) for b in page.xpath("//form//button[@name='decision']")] == [
        "预审通过", "退回补正"]
    assert "老边饺子馆" in text(page.xpath("//dl[@class='form-values']")[1])
    assert [text(a) for a in page.xpath("//ul[@class='materials']/li/a")] == [
        "营业执照.pdf", "平面图.png"]

    # Returning without a reason is refused beside the reasons, nothing decided.
    refused = clerk.post(f"/prereviews/{second}/decision",
                         {"decision": "return", "reasons": "  \n "})
    assert refused.status_code == 422
    assert field_errors(refused, "reasons") == ["退回时须说明理由"]
    bad = clerk.post(f"/prereviews/{second}/decision", {"decision": "maybe"})
    assert bad.status_code == 422
    assert session.scalar(select(PreReview.status).where(PreReview.number == second)) \
        == "submitted"

    passed = clerk.post(f"/prereviews/{first}/decision", {"decision": "pass"},
                        follow_redirects=True)
    assert f"预审 {first}：预审通过" in flashes(passed)
    returned = clerk.post(f"/prereviews/{second}/decision", {
        "decision": "return", "reasons": "平面布局图未标明操作间\n\n健康证已过期\n"},
        follow_redirects=True)
    assert f"预审 {second}：已退回" in flashes(returned)
    session.expire_all()
    rows = {p.number: p for p in session.scalars(select(PreReview))}
    assert (rows[first].status, rows[first].reasons, rows[first].decided_by) == (
        "passed", None, desk["clerk"].username)
    assert (rows[second].status, rows[second].reasons) == (
        "returned", ["平面布局图未标明操作间", "健康证已过期"])
    # The list filtered by status, and the returned one's page with its reasons, no form.
    only_returned = table_rows(clerk.get("/prereviews?status=returned"), PREREVIEW_LIST)
    assert [(r[0], r[5]) for r in only_returned] == [(second, "已退回")]
    shown = tree(clerk.get(f"/prereviews/{second}"))
    assert [text(li) for li in shown.xpath("//dd/ul/li")] == ["平面布局图未标明操作间",
                                                              "健康证已过期"]
    assert shown.xpath("//button[@name='decision']") == []
    # Decided once: a second decision is said on the page, nothing changes.
    twice = clerk.post(f"/prereviews/{second}/decision", {"decision": "pass"},
                       follow_redirects=True)
    assert "该预审已有结论，不能重复审查" in flashes(twice)
    session.expire_all()
    assert session.scalar(select(PreReview.status).where(PreReview.number == second)) \
        == "returned"
    # The citizen reads the reasons with the receipt's code.
    progress = client.get(f"/api/v1/public/progress/{second}",
                          query_string={"code": prereviews["second"]["code"]}).json
    assert progress["reasons"] == ["平面布局图未标明操作间", "健康证已过期"]


def test_nobody_but_the_centers_clerk_sees_or_decides_a_prereview(
        app, desk, prereviews, people, session):
    number = prereviews["first"]["number"]
    other = Workstation(app, desk["other"])  # daxi's clerk
    own = other.get("/prereviews")  # daxi has none
    assert own.status_code == 200 and "没有预审" in own.get_data(as_text=True)
    assert number not in own.get_data(as_text=True)
    assert other.get(f"/prereviews/{number}").status_code == 404
    assert other.post(f"/prereviews/{number}/decision", {"decision": "pass"}).status_code == 404
    for person in (desk["supervisor"], desk["admin"], people.approver("market"),
                   people.chief("market"), people.make("operator", center="binhe")):
        station = Workstation(app, person)
        listed = station.get("/prereviews")
        assert listed.status_code == 403, person.username
        assert "当前账号无权查看网上预审" in listed.get_data(as_text=True)
        assert station.get(f"/prereviews/{number}").status_code == 403
        decided = station.post(f"/prereviews/{number}/decision", {"decision": "pass"})
        assert decided.status_code == 403, person.username
    anonymous = app.test_client().get(f"/prereviews/{number}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    session.expire_all()
    assert set(session.scalars(select(PreReview.status))) == {"submitted"}
