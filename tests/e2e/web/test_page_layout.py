"""What a person meets on the screen, measured in headless Chromium over real HTTP on
PostgreSQL. No page scrolls sideways: every public page (each of the site's addresses,
taken from the app's own routes, and the states a citizen reaches: the slots, a refused
item, a receipt, a progress answer) on a 390×844 phone, and the staff pages that hold the
widest tables on a 1366×900 desktop. On those pages a table fits its card, the stage grid
of the item editor shows every department, the public site's tabs are all in sight with
the current one among them, a receipt's number never breaks in the middle, a notice box
keeps clear of what follows it, and the rating form chooses no level for the citizen."""
from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from hub.approvals.calendar_services import load_calendar
from hub.appointments.slots import bookable_days
from hub.clock import now
from hub.directory.models import Department
from hub.ratings.models import Rating
from tests.e2e.conftest import booking, id_number
from tests.e2e.web.conftest import PHONE, screenshot
from tests.e2e.web.test_public_site import site  # noqa: F401  (the fixture)
from tests.factories import pdf_bytes, png_bytes, window_definition

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

WIDE = {"width": 1366, "height": 900}
# The district's departments as the hall names them: the stage grid has a place for each.
DEPARTMENTS = [("civil-defence", "区人民防空办公室"), ("culture", "区文化旅游和广播电视局"),
               ("disclosure", "区政务公开工作办公室"), ("health", "区卫生健康局"),
               ("housing", "区住房和城乡建设局"), ("planning", "区自然资源和规划分局"),
               ("police", "区公安分局"), ("tax", "区税务局"),
               ("urban", "区城市管理综合行政执法局"), ("education", "区教育局"),
               ("civil-affairs", "区民政局"), ("transport", "区交通运输局"),
               ("water", "区水务局")]
# The public site's routes and what fills their parts.
ROUTE_VALUES = {"code": "open-restaurant", "center": "binhe"}

# How wide the page is, and which elements stick out to the right (to name them on failure).
SIDEWAYS = """() => {
  const inner = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > inner + 0.5) {
      const at = `${Math.round(r.left)}–${Math.round(r.right)}`;
      out.push(`${el.tagName.toLowerCase()}.${el.className} ${at}`);
    }
  }
  return {scroll: document.scrollingElement.scrollWidth, inner: inner, out: out.slice(0, 8)};
}"""
# Every table wrap whose table is wider than the card it sits in.
CLIPPED_TABLES = """() => [...document.querySelectorAll('.table-wrap')]
  .filter(w => w.scrollWidth > w.clientWidth + 0.5)
  .map(w => `${(w.querySelector('table') || {}).className}: `
             + `${w.scrollWidth} in ${w.clientWidth}`)"""
TABS = """() => [...document.querySelectorAll('.public-nav a')].map(a => {
  const r = a.getBoundingClientRect();
  return {text: a.textContent.trim(), current: a.getAttribute('aria-current') === 'page',
          seen: r.left >= 0 && r.right <= window.innerWidth && r.width > 0};
})"""
LINES = "el => [...el.getClientRects()].map(r => Math.round(r.top))"


def no_sideways_scroll(page, where):
    measured = page.evaluate(SIDEWAYS)
    assert measured["scroll"] <= measured["inner"], (where, measured)
    return measured


def public_addresses(app):
    """Each address of the public site, from the app's routes: a page added later is walked
    without anyone remembering to list it here."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("web.public_") or "GET" not in rule.methods:
            continue
        missing = set(rule.arguments) - set(ROUTE_VALUES)
        assert not missing, f"{rule.rule}: give ROUTE_VALUES a value for {missing}"
        found.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ROUTE_VALUES[m.group(1)], rule.rule))
    return sorted(set(found))


@pytest.fixture
def unbookable(people, site):  # noqa: F811
    """An item with a guide and a window, but no appointment places anywhere."""
    people.service_item(code="civil-defence-works", name="人防工程竣工验收备案")
    people.guide("civil-defence-works")
    people.windows("daxi", window_definition("C01", service_items=["civil-defence-works"],
                                             capacity_per_slot=0))


def test_no_public_page_scrolls_sideways_on_a_phone_and_every_tab_is_in_sight(
        app, browser, client, server, unbookable, session):
    addresses = public_addresses(app)
    assert len(addresses) >= 12, addresses
    made = client.post("/api/v1/public/appointments", json=booking()).json
    first_day = bookable_days(load_calendar(session), now())[0].isoformat()
    states = [f"/book?item=open-restaurant&center=binhe&date={first_day}",  # the slots
              "/book?item=civil-defence-works",                              # a refused item
              "/hall/binhe?item=open-restaurant",
              f"/book/cancel?number={made['number']}"]
    page = browser.page(PHONE)
    for path in addresses + states:
        response = page.goto(server.url + path)
        assert response.status in (200, 422), (path, response.status)
        no_sideways_scroll(page, path)
        tabs = page.evaluate(TABS)
        assert len(tabs) == 6 and all(t["seen"] for t in tabs), (path, tabs)
        current = [t["text"] for t in tabs if t["current"]]
        assert len(current) <= 1, (path, current)
    # On 进度查询 the highlighted tab is 进度查询, and it is on the screen.
    page.goto(server.url + "/progress")
    assert [t["text"] for t in page.evaluate(TABS) if t["current"]] == ["进度查询"]
    page.fill("#f-number", made["number"])
    page.fill("#f-code", made["code"])
    page.click("#progress-form button[type=submit]")
    page.wait_for_selector("#progress-result")
    no_sideways_scroll(page, "the progress answer")
    screenshot(page, "layout-progress-phone")


def test_the_pre_review_form_and_its_receipt_fit_a_phone(
        browser, server, site, tmp_path):  # noqa: F811
    scan = tmp_path / "营业执照.pdf"
    scan.write_bytes(pdf_bytes())
    plan = tmp_path / "平面布局图.png"
    plan.write_bytes(png_bytes(16, 16))
    page = browser.page(PHONE)
    page.goto(server.url + "/prereview/open-restaurant")
    form = page.locator("#prereview-form").bounding_box()
    # The materials box (with the file input's own width inside) stays within its card.
    for box in page.locator("#prereview-form fieldset").all():
        edge = box.bounding_box()
        assert edge["x"] + edge["width"] <= form["x"] + form["width"] + 0.5, edge
    no_sideways_scroll(page, "the pre-review form")
    page.select_option("#f-center", "binhe")
    page.fill("#f-applicant-name", "李四")
    page.fill("#f-applicant-id_number", id_number())
    page.fill("#f-applicant-phone", "13912345678")
    page.fill("#f-form-shop_name", "老边饺子馆")
    page.set_input_files("#f-files", [str(scan), str(plan)])
    no_sideways_scroll(page, "the pre-review form, filled")
    page.click("#prereview-submit")
    page.wait_for_selector("#receipt-code")
    no_sideways_scroll(page, "the pre-review receipt")
    number = page.locator("#receipt-number")
    assert number.inner_text().startswith("YS-BINHE-")
    assert len(set(number.evaluate(LINES))) == 1, "the number breaks over two lines"
    # The longest center code (山东庙) makes the longest number: it, too, stays whole.
    number.evaluate("el => { el.textContent = 'YS-SHANDONGMIAO-20261130-0001'; }")
    assert len(set(number.evaluate(LINES))) == 1, "a long number breaks over two lines"
    no_sideways_scroll(page, "the longest pre-review number")
    screenshot(page, "layout-prereview-receipt-phone")


def test_the_rating_form_chooses_no_level_and_asks_for_one_in_chinese(
        browser, server, site, session):  # noqa: F811
    page = browser.page(PHONE)
    page.goto(server.url + "/rate?number=BINHE-20261130-0001")
    assert page.locator("input[name=level]").count() == 5
    assert page.locator("input[name=level]:checked").count() == 0
    page.fill("#rate-code", "AAAA-BBBB")
    page.click("#rate-form button[type=submit]")
    error = page.locator("[data-field=level] .field-error")
    error.wait_for()
    assert error.inner_text() == "请选择评价等级"
    summary = page.locator("#rate-errors").inner_text()
    assert "评价" in summary and "level" not in summary
    assert page.evaluate("document.activeElement.id") == "rate-errors"
    no_sideways_scroll(page, "the refused rating")
    screenshot(page, "layout-rate-no-level-phone")
    assert session.scalar(select(func.count()).select_from(Rating)) == 0


@pytest.fixture
def staff(people, site):  # noqa: F811
    for code, name in DEPARTMENTS:
        people.department(code, name)
    return {"admin": people.admin(username="guan"),
            "supervisor": people.supervisor(username="official"),
            "clerk": people.clerk(center="binhe", username="clerk.binhe"),
            "operator": people.make("operator", center="binhe", username="op.binhe")}


def test_the_item_editor_shows_every_department_on_a_desktop(browser, server, staff, session):
    page = browser.sign_in("guan", viewport=WIDE)
    page.goto(server.url + "/admin/items/open-restaurant")
    no_sideways_scroll(page, "the item editor")
    assert page.evaluate(CLIPPED_TABLES) == []
    # Each department's place in each stage is on the screen, named by its whole name.
    inputs = page.locator(".stages-table input.days")
    departments = session.scalar(select(func.count()).select_from(Department))
    assert inputs.count() == 2 * departments >= 2 * (len(DEPARTMENTS) + 4)
    for box in (inputs.nth(i).bounding_box() for i in range(inputs.count())):
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDE["width"], box
    assert "区城市管理综合行政执法局" in page.locator(".stages-table").inner_text()
    assert page.locator("#f-s1-days-food").input_value() == "5"
    # The lists of who sees a field show the departments' names whole.
    cramped = page.evaluate("""() => [
      ...document.querySelectorAll('.fields-table select[multiple]')].map(s => {
        const cs = getComputedStyle(s), ctx = document.createElement('canvas').getContext('2d');
        ctx.font = cs.font;
        const widest = Math.max(...[...s.options].map(o => ctx.measureText(o.text).width));
        const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
        return widest > room ? `${Math.round(widest)} > ${Math.round(room)}` : null;
      }).filter(Boolean)""")
    assert cramped == []
    screenshot(page, "layout-item-editor-desktop")


def test_the_dashboard_tables_fit_their_cards(browser, server, staff):
    page = browser.sign_in("official", viewport=WIDE)
    page.goto(server.url + "/dashboard")
    no_sideways_scroll(page, "the dashboard")
    assert page.evaluate(CLIPPED_TABLES) == []
    last = page.locator("table.ranking:not(.satisfaction) thead th").last
    card = page.locator("table.ranking:not(.satisfaction)").locator(
        "xpath=ancestor::section[1]").bounding_box()
    edge = last.bounding_box()
    assert edge["x"] + edge["width"] <= card["x"] + card["width"], (edge, card)
    assert "每件补正" in page.locator("table.ranking:not(.satisfaction) thead").inner_text()
    screenshot(page, "layout-dashboard-desktop")


def test_the_reception_and_call_center_pages_on_a_desktop(browser, client, server, staff):
    body = {"center": "binhe", "service_item": "open-restaurant", "form": {"shop_name": "老边饺子馆"},
            "applicant": {"name": "王小明", "id_number": id_number(), "phone": "13812345678"}}
    sent = client.post("/api/v1/public/prereviews", content_type="multipart/form-data", data={
        "data": json.dumps(body, ensure_ascii=False),
        "files": [(io.BytesIO(pdf_bytes()), "营业执照.pdf")]})
    assert sent.status_code == 201, sent.json
    clerk = browser.sign_in("clerk.binhe", viewport=WIDE)
    clerk.goto(server.url + f"/prereviews/{sent.json['number']}")
    no_sideways_scroll(clerk, "the pre-review page")
    # The facts read as label and value side by side, as on every detail page.
    for dl in clerk.locator("dl.form-values").all():
        assert dl.evaluate("el => getComputedStyle(el).display") == "grid"
        rows = dl.evaluate("""el => [...el.querySelectorAll('dt')].map(dt => Math.abs(
            dt.getBoundingClientRect().top - dt.nextElementSibling.getBoundingClientRect().top))""")
        assert rows and max(rows) < 4, rows
    screenshot(clerk, "layout-prereview-detail-desktop")

    operator = browser.sign_in("op.binhe", viewport=WIDE)
    operator.goto(server.url + "/desk")
    operator.fill("#f-caller-phone", "13700001111")
    operator.fill("#f-caller-name", "钱七")
    operator.fill("#f-subject", "开饭店要什么材料")
    operator.fill("#f-content", "咨询开办餐饮店所需材料")
    operator.fill("#f-answer", "营业执照、平面布局图，承诺 10 个工作日")
    operator.click("button.primary >> text=登记工单")
    operator.wait_for_url(re.compile(r".*/tickets/[0-9a-f-]{36}$"))
    no_sideways_scroll(operator, "the ticket page")
    gap = operator.locator(".receipt-note").evaluate(
        "el => el.nextElementSibling.getBoundingClientRect().top"
        " - el.getBoundingClientRect().bottom")
    assert gap >= 8, gap  # the code's box keeps clear of the rows below it
    screenshot(operator, "layout-ticket-desktop")
    operator.goto(server.url + "/tickets/callbacks")
    no_sideways_scroll(operator, "the callbacks list")
    cells = operator.locator("table.tickets tbody td[data-label='预警']").all_inner_texts()
    assert cells == ["正常"], cells
