"""The administrator's guide editor (``/admin/items/<code>/guide``) and hall pages
(``/admin/hall``, ``/admin/hall/<center>``), over HTTP on both backends: what is saved is
what citizens read on the public guide, the hall guide's floor plan (SVG drawn from the
windows) and the booking capacity; bad input comes back with Chinese messages beside the
field, what was typed kept, nothing saved; nobody but the administrator gets in."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.audit.models import AuditRecord
from hub.catalog.models import ServiceItem
from hub.hall.models import HallWindow
from tests.e2e.conftest import TOMORROW
from tests.e2e.web.pages import backend  # noqa: F401  (both backends)
from tests.e2e.web.staff import (
    Workstation,
    field_errors,
    flashes,
    having_class,
    table_rows,
    text,
    tree,
    value_of,
)
from tests.factories import window_definition

GUIDE = "/admin/items/open-restaurant/guide"
MATERIALS = "营业执照｜1｜原件｜\n经营场所平面布局图|2|复印件|标明操作间位置\n健康证明｜3｜复印件｜从业人员每人一份"
BASIS = "《中华人民共和国食品安全法》第三十五条"


@pytest.fixture
def admin(app, people):
    people.service_item()
    return Workstation(app, people.admin())


def guide_of(session):
    session.expire_all()
    return session.scalar(select(ServiceItem.guide).where(ServiceItem.code == "open-restaurant"))


def public_guide(client):
    page = client.get("/guide/open-restaurant")
    assert page.status_code == 200
    return page


def facts(page):
    """The public guide's 承诺时限, 法定时限, 收费, 设定依据 as shown."""
    dl = tree(page).xpath(f"//dl[{having_class('facts')}]")[0]
    return dict(zip([text(t) for t in dl.xpath("./dt")], [text(d) for d in dl.xpath("./dd")]))


def test_saving_the_guide_changes_what_citizens_read(admin, client, people, session):
    before = admin.get(GUIDE)
    assert before.status_code == 200
    assert flashes(before) == ["指南尚缺：法定时限、收费标准、设定依据、申请材料、办理窗口（在大厅窗口中设置）"]
    assert facts(public_guide(client))["法定时限"] == "—"

    saved = admin.post(GUIDE, {"legal_days": "20", "fee": " 不收费 ", "basis": BASIS,
                               "materials": MATERIALS})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    assert saved.headers["Location"].endswith(GUIDE)
    assert guide_of(session) == {
        "legal_days": 20, "fee": "不收费", "basis": BASIS,
        "materials": [
            {"name": "营业执照", "copies": 1, "original": True, "note": ""},
            {"name": "经营场所平面布局图", "copies": 2, "original": False,
             "note": "标明操作间位置"},
            {"name": "健康证明", "copies": 3, "original": False, "note": "从业人员每人一份"}]}
    assert session.scalars(select(AuditRecord.action).where(
        AuditRecord.action == "service_item.guide_updated")).all() == [
        "service_item.guide_updated"]

    # The editor shows it back, one material a line; only the windows still missing.
    again = admin.get(GUIDE)
    assert value_of(again, "legal_days") == "20"
    assert value_of(again, "materials").splitlines() == [
        "营业执照｜1｜原件｜", "经营场所平面布局图｜2｜复印件｜标明操作间位置",
        "健康证明｜3｜复印件｜从业人员每人一份"]
    assert any(f.startswith("指南尚缺：办理窗口") for f in flashes(again))

    # The public guide (page and API) reads what was saved.
    page = public_guide(client)
    assert facts(page) == {"承诺时限": "10 个工作日", "法定时限": "20 个工作日", "收费": "不收费",
                           "设定依据": BASIS}
    assert table_rows(page, "//table[caption]") == [
        ["营业执照", "1", "原件", "—"],
        ["经营场所平面布局图", "2", "复印件", "标明操作间位置"],
        ["健康证明", "3", "复印件", "从业人员每人一份"]]
    assert "暂无办理窗口信息" in page.get_data(as_text=True)
    api = client.get("/api/v1/public/guide/open-restaurant").json
    assert (api["legal_days"], api["fee"], api["complete"]) == (20, "不收费", False)

    # Where to go comes from the windows: once binhe's handle the item, the guide is whole.
    people.windows("binhe", window_definition("A02", floor=1, name="市场监管窗口"))
    assert "指南要素齐全。" in flashes(admin.get(GUIDE))
    page = public_guide(client)
    assert [text(li) for li in tree(page).xpath(f"//ul[{having_class('window-list')}]/li")] == [
        "滨河街道政务服务中心 · 1 楼 · A02 号窗口（市场监管窗口） 看平面图"]
    assert client.get("/api/v1/public/guide/open-restaurant").json["complete"] is True


@pytest.mark.parametrize("posted, field, message", [
    ({"legal_days": "二十"}, "legal_days", "请输入整数"),
    ({"legal_days": "0"}, "legal_days", "法定时限须为 1–365 个工作日"),
    ({"legal_days": "366"}, "legal_days", "法定时限须为 1–365 个工作日"),
    ({"fee": "元" * 201}, "fee", "长度须为 1–200 个字符"),
    ({"materials": "营业执照｜两｜原件｜"}, "materials", "请输入整数"),
    ({"materials": "营业执照｜0｜原件｜"}, "materials", "份数须为 1–99"),
    ({"materials": "营业执照｜1｜原件｜\n营业执照｜2｜复印件｜"}, "materials", "材料名称不能重复"),
    ({"materials": "｜1｜原件｜"}, "materials", "此项为必填项"),  # a material without a name
])
def test_bad_guide_input_is_said_in_chinese_and_keeps_what_was_typed(
        admin, client, people, session, posted, field, message):
    people.guide()
    kept = guide_of(session)
    typed = {"legal_days": "20", "fee": "不收费", "basis": BASIS, "materials": MATERIALS,
             **posted}
    refused = admin.post(GUIDE, typed)
    assert refused.status_code == 422
    assert message in field_errors(refused, field)
    for name, value in typed.items():
        assert value_of(refused, name) == value, name  # as typed, not as stored
    assert guide_of(session) == kept
    assert facts(public_guide(client))["法定时限"] == f"{kept['legal_days']} 个工作日"


def test_only_the_administrator_keeps_the_guide_and_the_hall(app, admin, people, session):
    for person in (people.clerk(center="binhe"), people.supervisor(), people.chief("market")):
        station = Workstation(app, person)
        for path in (GUIDE, "/admin/hall", "/admin/hall/binhe"):
            assert station.get(path).status_code == 403, (person.username, path)
        assert station.post(GUIDE, {"legal_days": "5", "materials": MATERIALS}).status_code \
            == 403
        assert station.post("/admin/hall/binhe", {
            "windows": "A01｜1｜窗口｜open-restaurant｜9"}).status_code == 403
    assert guide_of(session) is None
    assert session.scalars(select(HallWindow)).all() == []


# -- The hall --------------------------------------------------------------------------------

WINDOWS = ("A01｜1｜综合受理窗口｜｜0\n"
           "A02｜1｜市场监管窗口｜open-restaurant｜3\n"
           "B01｜2｜食品经营窗口｜open-restaurant, business-licence｜2\n"
           "B02｜2｜消防窗口｜｜0")


def floor_plans(page):
    """Per floor plan of a hall page: its caption, every counter's number and the
    highlighted ones."""
    plans = []
    for figure in tree(page).xpath(f"//figure[{having_class('floorplan')}]"):
        svg = figure.xpath(".//svg")
        assert len(svg) == 1
        counters = svg[0].xpath(f".//g[{having_class('counter')}]")
        plans.append({
            "caption": text(figure.xpath("./figcaption")[0]),
            "windows": [text(g.xpath("./text")[0]) for g in counters],
            "here": [text(g.xpath("./text")[0]) for g in counters
                     if "counter-here" in g.get("class").split()]})
    return plans


def test_saving_windows_redraws_the_public_floor_plan(admin, client, people, session):
    people.service_item(code="business-licence", name="营业执照变更登记")
    people.guide()
    listed = admin.get("/admin/hall")
    rows = table_rows(listed, "//table")
    assert len(rows) == 16 and rows[0][0] == "沈河区政务服务中心"
    assert dict((r[0], r[1]) for r in rows)["滨河街道政务服务中心"] == "0"
    assert "该中心的窗口信息尚未公布" in client.get("/hall/binhe").get_data(as_text=True)

    saved = admin.post("/admin/hall/binhe", {"windows": WINDOWS})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:800]
    assert saved.headers["Location"].endswith("/admin/hall/binhe")
    session.expire_all()
    stored = session.scalars(select(HallWindow).where(HallWindow.center_code == "binhe")
                             .order_by(HallWindow.position)).all()
    assert [(w.window, w.floor, w.name, w.service_items, w.capacity_per_slot) for w in stored] \
        == [("A01", 1, "综合受理窗口", [], 0),
            ("A02", 1, "市场监管窗口", ["open-restaurant"], 3),
            ("B01", 2, "食品经营窗口", ["open-restaurant", "business-licence"], 2),
            ("B02", 2, "消防窗口", [], 0)]
    assert dict((r[0], r[1]) for r in table_rows(admin.get("/admin/hall"), "//table"))[
        "滨河街道政务服务中心"] == "4"

    # The editor shows the windows back, one a line, and the plan it draws.
    editor = admin.get("/admin/hall/binhe")
    assert value_of(editor, "windows").splitlines() == [
        "A01｜1｜综合受理窗口｜｜0", "A02｜1｜市场监管窗口｜open-restaurant｜3",
        "B01｜2｜食品经营窗口｜open-restaurant,business-licence｜2", "B02｜2｜消防窗口｜｜0"]
    assert [p["windows"] for p in floor_plans(editor)] == [["A01", "A02"], ["B01", "B02"]]

    # The public hall guide draws both floors, the item's windows highlighted.
    hall = client.get("/hall/binhe?item=open-restaurant")
    assert hall.status_code == 200
    assert floor_plans(hall) == [
        {"caption": "1 楼：开办餐饮店请到 A02 号窗口", "windows": ["A01", "A02"], "here": ["A02"]},
        {"caption": "2 楼：开办餐饮店请到 B01 号窗口", "windows": ["B01", "B02"], "here": ["B01"]}]
    other_item = client.get("/hall/binhe?item=business-licence")
    assert [p["here"] for p in floor_plans(other_item)] == [[], ["B01"]]
    assert [p["here"] for p in floor_plans(client.get("/hall/binhe"))] == [[], []]
    # Drawn inline, nothing fetched from elsewhere: no reference in any of its elements.
    svgs = tree(hall).xpath("//svg")
    assert len(svgs) == 2
    assert [a for svg in svgs for el in svg.iter() for a in el.attrib
            if a.endswith("href") or a == "src"] == []
    # The appointment capacity of a half-day is the sum over the windows handling the item.
    slots = client.get("/api/v1/public/appointments/slots", query_string={
        "center": "binhe", "service_item": "open-restaurant", "date": TOMORROW}).json
    assert [s["capacity"] for s in slots] == [5, 5]

    # Saving again with one window fewer redraws the plan: B02 is gone.
    admin.post("/admin/hall/binhe", {"windows": "\n".join(WINDOWS.splitlines()[:3])})
    assert [p["windows"] for p in floor_plans(client.get("/hall/binhe"))] == [
        ["A01", "A02"], ["B01"]]


@pytest.mark.parametrize("typed, message", [
    ("A01｜1｜综合受理窗口｜no-such-item｜2", "第 1 行（service_items）：未知的办事事项：no-such-item"),
    ("A01｜一楼｜综合受理窗口｜open-restaurant｜2", "第 1 行（floor）：请输入整数"),
    ("A01｜1｜综合受理窗口｜open-restaurant｜2\nA01｜2｜二楼窗口｜｜0", "第 2 行（window）：窗口号 A01 重复"),
    ("A01｜1｜综合受理窗口｜open-restaurant｜很多", "第 1 行（capacity_per_slot）：请输入整数"),
    ("A01｜1｜综合受理窗口｜open-restaurant｜501", "第 1 行（capacity_per_slot）：每半天预约量须为 0–500"),
    ("A 01｜1｜综合受理窗口｜open-restaurant｜2", "第 1 行（window）：窗口号为 1–16 位字母、数字或连字符，如 A03"),
])
def test_bad_windows_are_said_in_chinese_and_change_nothing(
        admin, client, people, session, typed, message):
    people.windows("binhe", window_definition("A02", floor=1, name="市场监管窗口"))
    refused = admin.post("/admin/hall/binhe", {"windows": typed})
    assert refused.status_code == 422
    assert message in field_errors(refused, "windows")
    assert value_of(refused, "windows") == typed
    session.expire_all()
    assert session.scalars(select(HallWindow.window)).all() == ["A02"]
    assert [p["windows"] for p in floor_plans(client.get("/hall/binhe"))] == [["A02"]]
    assert admin.get("/admin/hall/atlantis").status_code == 404
