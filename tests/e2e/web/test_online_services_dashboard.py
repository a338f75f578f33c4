"""The officials' page of the public site (``/dashboard/online``), over HTTP on both
backends: the guides' coverage ("four fulls": items with a complete guide, that can be
pre-reviewed online, that can be booked online, and what each incomplete guide lacks) and
the appointments per center (booked, cancelled, arrived, no-shows, upcoming, the no-show
rate), whole and for a period. The expected figures are worked out here from the data the
test made, by the rules the page states, not by the hub's code."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from hub.clock import SHANGHAI
from tests.e2e.conftest import booking
from tests.e2e.web.pages import backend  # noqa: F401  (both backends)
from tests.e2e.web.staff import Workstation, having_class, table_rows, text, tree
from tests.factories import ServiceItemFactory, guide_definition, window_definition

NO_SHOWS = "//table[@id='no-shows']"
PARTS = {"legal_days": "法定时限", "fee": "收费标准", "basis": "设定依据", "materials": "申请材料"}


@dataclasses.dataclass
class Item:
    code: str
    name: str
    guide: dict[str, Any] | None
    # (center, capacity per half-day) of the windows that handle it
    windows: list[tuple[str, int]]
    offered: bool = True  # published and not 停办


ITEMS = [
    Item("open-restaurant", "开办餐饮店", guide_definition(), [("binhe", 4), ("daxi", 3)]),
    Item("licence-change", "营业执照变更登记", guide_definition(), [("daxi", 0)]),
    Item("fire-check", "消防安全检查", guide_definition(fee=None, basis=None), [("binhe", 1)]),
    Item("sign-permit", "户外广告设置许可", None, []),
    Item("tree-felling", "城市树木砍伐许可", guide_definition(legal_days=None), []),
    Item("draft-item", "尚未发布的事项", guide_definition(), [("binhe", 2)], offered=False),
]


def expected_coverage(items: list[Item]) -> dict[str, Any]:
    """A guide is complete with its time limit in law, fee, basis, materials and a window
    that handles the item; the site offers the pre-review of such items; an item can be
    booked where a window handling it has places. Only the items the hall takes count."""
    counted = [i for i in items if i.offered]
    lacking = {}
    for item in counted:
        missing = [label for key, label in PARTS.items() if not (item.guide or {}).get(key)]
        if not item.windows:
            missing.append("办理窗口")
        if missing:
            lacking[item.name] = missing
    complete = len(counted) - len(lacking)
    return {"items": len(counted), "complete": complete, "prereview": complete,
            "booking": sum(any(places > 0 for _, places in i.windows) for i in counted),
            "lacking": lacking}


@pytest.fixture
def catalog(desk, people):
    for item in ITEMS:
        if item.code != "open-restaurant":  # the desk's, with its guide
            ServiceItemFactory(code=item.code, name=item.name, guide=item.guide,
                               published_at=None if not item.offered else
                               dt.datetime(2026, 11, 1, tzinfo=SHANGHAI))
    by_center: dict[str, list[dict[str, Any]]] = {}
    for item in ITEMS:
        for center, places in item.windows:
            by_center.setdefault(center, []).append(window_definition(
                f"A{len(by_center.get(center, [])) + 1:02d}", name=f"{item.name}窗口",
                service_items=[item.code], capacity_per_slot=places))
    for center, windows in by_center.items():
        people.windows(center, *windows)
    return ITEMS


@dataclasses.dataclass
class Made:
    center: str
    day: dt.date
    number: str
    code: str
    status: str = "booked"  # as the test leaves it: booked, cancelled, arrived, no_show


def expected_figures(made: list[Made], today: dt.date, start: dt.date | None = None,
                     end: dt.date | None = None) -> dict[str, list[str]]:
    """Per center, by the appointment's day: 预约 (all), 取消, 到场, 爽约 (marked, or the day
    passed while still booked), 待到 (booked, its day today or later), 爽约率 = 爽约 ÷
    (到场 + 爽约), as the page prints them."""
    rows = {}
    for center in {m.center for m in made}:
        mine = [m for m in made if m.center == center and (start is None or m.day >= start)
                and (end is None or m.day <= end)]
        if not mine:
            continue
        arrived = sum(m.status == "arrived" for m in mine)
        missed = sum(m.status == "no_show" or (m.status == "booked" and m.day < today)
                     for m in mine)
        rate = "—" if not arrived + missed else f"{100 * missed / (arrived + missed):.1f}%"
        rows[center] = [str(len(mine)), str(sum(m.status == "cancelled" for m in mine)),
                        str(arrived), str(missed),
                        str(sum(m.status == "booked" and m.day >= today for m in mine)), rate]
    return rows


@pytest.fixture
def appointments(catalog, desk, people, client, frozen_clock, fresh):
    """Appointments at binhe and daxi booked on Monday 30 November; some cancelled, the
    arrivals and no-shows marked by each center's clerk on the days; the clock left on
    Wednesday 2 December at 10:00."""
    made: list[Made] = []

    def book(center: str, day: str, slot: str) -> Made:
        answer = client.post("/api/v1/public/appointments",
                             json=booking(center=center, date=day, slot=slot))
        assert answer.status_code == 201, answer.json
        made.append(Made(center, dt.date.fromisoformat(day), answer.json["number"],
                         answer.json["code"]))
        return made[-1]

    def cancel(m: Made) -> None:
        answer = client.post(f"/api/v1/public/appointments/{m.number}/cancel",
                             json={"code": m.code})
        assert answer.status_code == 200, answer.json
        m.status = "cancelled"

    clerks = {"binhe": desk["clerk"], "daxi": desk["other"]}

    def mark(m: Made, outcome: str) -> None:
        path = "arrive" if outcome == "arrived" else "no-show"
        answer = client.post(f"/api/v1/appointments/{m.number}/{path}",
                             headers=fresh(clerks[m.center]))
        assert answer.status_code == 200, answer.json
        m.status = outcome

    b1, b2, b3 = (book("binhe", "2026-12-01", "am") for _ in range(3))
    b4 = book("binhe", "2026-12-01", "pm")
    b5 = book("binhe", "2026-12-02", "am")
    book("binhe", "2026-12-02", "pm")
    book("binhe", "2026-12-03", "am")
    d1 = book("daxi", "2026-12-01", "am")
    book("daxi", "2026-12-01", "pm")
    d3 = book("daxi", "2026-12-02", "pm")
    cancel(b3)
    cancel(d3)
    frozen_clock.set(dt.datetime(2026, 12, 1, 15, 0, tzinfo=SHANGHAI))
    mark(b1, "arrived")
    mark(b2, "no_show")
    mark(b4, "arrived")
    mark(d1, "arrived")  # daxi's afternoon one is never marked: the day passes
    frozen_clock.set(dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI))
    mark(b5, "arrived")  # binhe's afternoon one of today is still to come
    return made


def coverage_shown(page) -> dict[str, Any]:
    root = tree(page)
    lacking = {}
    for li in root.xpath("//h3[.='指南不全的事项']/following-sibling::ul[1]/li"):
        name, _, missing = text(li).partition("：缺")
        lacking[name] = missing.split("、")
    return {**{key: int(text(root.xpath(f"//*[@id='cov-{key}']")[0]))
               for key in ("items", "complete", "prereview", "booking")}, "lacking": lacking}


def figures_shown(page) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table_rows(page, NO_SHOWS)}


def test_the_coverage_counts_what_the_catalog_and_the_hall_hold(app, catalog, desk, client):
    official = Workstation(app, desk["supervisor"])
    page = official.get("/dashboard/online")
    assert page.status_code == 200
    expected = expected_coverage(catalog)
    assert expected == {"items": 5, "complete": 2, "prereview": 2, "booking": 2, "lacking": {
        "消防安全检查": ["收费标准", "设定依据"],
        "户外广告设置许可": ["法定时限", "收费标准", "设定依据", "申请材料", "办理窗口"],
        "城市树木砍伐许可": ["法定时限", "办理窗口"]}}  # the worked figures, spelled out
    assert coverage_shown(page) == expected
    # What the officials read is what citizens are offered: the items listed for
    # pre-review online, and those the booking page offers a center for.
    offered = tree(client.get("/prereview"))
    listed = {text(a) for a in offered.xpath(
        f"//ul[{having_class('item-list')}]/li/h2/a[contains(@href, '/prereview/')]")}
    assert listed == {"开办餐饮店", "营业执照变更登记"}
    assert len(listed) == expected["prereview"]
    bookable = [i for i in catalog if i.offered and tree(client.get(f"/book?item={i.code}"))
                .xpath("//select[@id='book-center']/option[@value!='']")]
    assert len(bookable) == expected["booking"]


def test_the_appointment_figures_per_center_match_what_happened(app, appointments, desk):
    official = Workstation(app, desk["admin"])  # officials and administrators read it
    today = dt.date(2026, 12, 2)
    names = {"binhe": "滨河街道政务服务中心", "daxi": "大西街道政务服务中心"}
    expected = {names[c]: row for c, row in expected_figures(appointments, today).items()}
    assert expected == {names["binhe"]: ["7", "1", "3", "1", "2", "25.0%"],
                        names["daxi"]: ["3", "1", "1", "1", "0", "50.0%"]}
    shown = figures_shown(official.get("/dashboard/online"))
    assert len(shown) == 16
    assert {name: row for name, row in shown.items() if row[0] != "0"} == expected
    assert {tuple(row) for name, row in shown.items() if name not in expected} == {
        ("0", "0", "0", "0", "0", "—")}

    # A period: appointments whose day lies in it, dates inclusive.
    start = end = today
    period = official.get(f"/dashboard/online?from={start}&to={end}")
    expected = {names[c]: row for c, row in
                expected_figures(appointments, today, start, end).items()}
    assert expected == {names["binhe"]: ["2", "0", "1", "0", "1", "0.0%"],
                        names["daxi"]: ["1", "1", "0", "0", "0", "—"]}
    assert {n: r for n, r in figures_shown(period).items() if r[0] != "0"} == expected
    form = tree(period).xpath("//form[@method='get']")[0]
    assert [i.get("value") for i in form.xpath(".//input[@type='date']")] == [str(start),
                                                                              str(end)]
    start = dt.date(2026, 12, 1)
    earlier = figures_shown(official.get(f"/dashboard/online?to={start}"))
    assert {n: r for n, r in earlier.items() if r[0] != "0"} == {
        names[c]: row for c, row in expected_figures(appointments, today, None, start).items()}


def test_only_officials_read_the_online_figures(app, desk, people):
    for person in (desk["clerk"], people.approver("market"), people.chief("market"),
                   people.make("operator", center="binhe")):
        refused = Workstation(app, person).get("/dashboard/online")
        assert refused.status_code == 403, person.username
        assert "cov-items" not in refused.get_data(as_text=True)
    anonymous = app.test_client().get("/dashboard/online")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
