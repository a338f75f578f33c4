"""The public site in headless Chromium over real HTTP on PostgreSQL, at phone size
(390×844) and on a desktop: booking by keyboard alone, a pre-review upload with its
progress shown, progress lookup by number and code, the guide and the hall guide with the
chosen item's window drawn highlighted. Every page loads only the hub's own assets under
its strict policy, without a script error; screenshots are kept to be looked at (Chinese
text, not boxes)."""
import re
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from hub.appointments.models import Appointment
from hub.appointments.services import ONE_LIVE
from hub.materials.models import Material, MaterialBlob
from hub.prereviews.models import PreReview
from hub.ratings.models import Rating
from hub.tickets.models import Ticket
from tests.e2e.approvals.conftest import hall as hall  # noqa: F401 - the fixture, reused
from tests.e2e.conftest import booking, id_number
from tests.e2e.ratings.conftest import concluded
from tests.e2e.web.conftest import (DESKTOP, PHONE, check_rendering, rendering_problems,
                                    screenshot)
from tests.factories import pdf_bytes, png_bytes, window_definition

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


@pytest.fixture
def site(people):
    for code, name in (("market", "区市场监督管理局"), ("food", "区食品药品监督管理局"),
                       ("fire", "区消防救援大队"), ("environment", "区生态环境分局")):
        people.department(code, name)
    people.service_item()
    people.guide()
    people.windows("binhe", window_definition("A01", floor=1, name="综合受理窗口", service_items=[]),
                   window_definition("A02", floor=1, name="市场监管窗口", capacity_per_slot=2),
                   window_definition("B01", floor=2, name="食品经营窗口", service_items=[]))


def watched(browser, viewport):
    page = browser.page(viewport)
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    return page


def size_of(viewport):
    return "phone" if viewport is PHONE else "desktop"


def check_page(page, response):
    assert response.status in (200, 422), response.status
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.content())
    assert "□" not in page.locator("body").inner_text()


def only_local(browser):
    leaving = [u for u in browser.requests if urlsplit(u).hostname != "127.0.0.1"
               and not u.startswith(("data:", "about:", "blob:"))]
    assert leaving == []


@SIZES
def test_booking_by_keyboard_alone(browser, server, site, session, viewport):
    page = watched(browser, viewport)
    check_page(page, page.goto(server.url + "/"))
    screenshot(page, f"public-home-{size_of(viewport)}")
    check_page(page, page.goto(server.url + "/book"))
    # Step 1: the item, with the keyboard only.
    page.focus("#book-item")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*item=open-restaurant.*"))
    # The center and the first working day that can be booked, then look at the slots.
    page.focus("#book-center")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#book-form")
    check_page(page, page.reload())
    assert page.locator("#book-date option:checked").inner_text().startswith("2026-11-30")
    assert page.locator("input[name=slot]").count() == 1  # this morning has begun
    # Step 2: the half-day and who comes; Enter in the last field sends the form.
    page.focus("input[name=slot]")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("王小明")
    page.keyboard.press("Tab")
    page.keyboard.type("210102199001011230")  # a wrong check digit first
    page.keyboard.press("Tab")
    page.keyboard.type("13812345678")
    screenshot(page, f"public-book-{size_of(viewport)}")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    error = page.locator(".field[data-field='applicant.id_number'] .field-error")
    assert "校验位" in error.inner_text()
    assert session.scalar(select(func.count()).select_from(Appointment)) == 0
    assert page.problems == ["Failed to load resource: the server responded with a status of "
                             "422 (UNPROCESSABLE ENTITY)"]  # the refused form itself
    page.problems.clear()
    page.focus("#f-applicant-id_number")
    page.keyboard.press("Control+A")
    page.keyboard.type(id_number())
    page.focus("input[name=slot]")
    page.keyboard.press("Space")
    page.focus("#f-applicant-phone")
    page.keyboard.press("Enter")
    page.wait_for_selector("#receipt-code")
    assert page.locator("h1").inner_text() == "预约成功"
    number = page.locator("#receipt-number").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", page.locator("#receipt-code").inner_text())
    screenshot(page, f"public-booked-{size_of(viewport)}")
    row = session.scalars(select(Appointment)).one()
    assert (row.number, row.slot, str(row.day)) == (number, "pm", "2026-11-30")
    assert page.problems == []
    only_local(browser)


@SIZES
def test_an_upload_with_its_progress_shown(browser, server, site, session, viewport, tmp_path):
    scan = tmp_path / "营业执照.pdf"
    scan.write_bytes(pdf_bytes(padding=3 * 1024 * 1024))  # large enough to take a while
    plan = tmp_path / "平面布局图.png"
    plan.write_bytes(png_bytes(16, 16))
    page = watched(browser, viewport)
    check_page(page, page.goto(server.url + "/prereview/open-restaurant"))
    page.select_option("#f-center", "binhe")
    page.fill("#f-applicant-name", "李四")
    page.fill("#f-applicant-id_number", id_number())
    page.fill("#f-applicant-phone", "13912345678")
    page.fill("#f-form-shop_name", "老边饺子馆")
    page.set_input_files("#f-files", [str(scan), str(plan)])
    screenshot(page, f"public-prereview-{size_of(viewport)}")
    # Record what the progress box shows while the files go up.
    page.evaluate("""() => {
        window.__seen = [];
        const box = document.getElementById('upload-progress');
        new MutationObserver(() => window.__seen.push(
            (box.hidden ? 'hidden ' : 'shown ')
            + document.getElementById('upload-percent').textContent))
          .observe(box, {attributes: true, childList: true, subtree: true, characterData: true});
    }""")
    page.click("#prereview-submit")
    page.wait_for_selector("#receipt-code")
    seen = page.evaluate("window.__seen")
    assert any(s.startswith("shown") for s in seen), seen
    assert "shown 100%" in seen, seen
    assert page.locator("h1").inner_text() == "已提交，等待审查"
    number = page.locator("#receipt-number").inner_text()
    screenshot(page, f"public-prereviewed-{size_of(viewport)}")
    prereview = session.scalars(select(PreReview)).one()
    assert prereview.number == number and prereview.form == {"shop_name": "老边饺子馆"}
    assert sorted(session.scalars(select(Material.filename))) == ["平面布局图.png", "营业执照.pdf"]
    assert session.scalar(select(func.sum(MaterialBlob.size))) == \
        scan.stat().st_size + plan.stat().st_size
    assert page.problems == []
    only_local(browser)


@SIZES
def test_a_renamed_program_is_refused_on_the_page(browser, server, site, session, viewport,
                                                  tmp_path):
    fake = tmp_path / "营业执照.pdf"
    fake.write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 400)
    page = watched(browser, viewport)
    page.goto(server.url + "/prereview/open-restaurant")
    page.select_option("#f-center", "binhe")
    page.fill("#f-applicant-name", "李四")
    page.fill("#f-applicant-id_number", id_number())
    page.fill("#f-applicant-phone", "13912345678")
    page.fill("#f-form-shop_name", "老边饺子馆")
    page.set_input_files("#f-files", [str(fake)])
    page.click("#prereview-submit")
    page.wait_for_selector(".field-error")
    assert "不是 PDF、JPEG 或 PNG" in page.locator("[data-field=files]").inner_text()
    assert page.locator("#f-applicant-name").input_value() == "李四"  # what was typed stays
    screenshot(page, f"public-prereview-refused-{size_of(viewport)}")
    assert session.scalar(select(func.count()).select_from(PreReview)) == 0
    assert session.scalar(select(func.count()).select_from(MaterialBlob)) == 0


@SIZES
def test_progress_lookup_by_number_and_code(browser, client, server, site, viewport):
    made = client.post("/api/v1/public/appointments", json=booking()).json
    page = watched(browser, viewport)
    check_page(page, page.goto(server.url + "/progress"))
    page.focus("#f-number")
    page.keyboard.type(made["number"])
    page.keyboard.press("Tab")
    page.keyboard.type("WRONG-CODE")
    page.keyboard.press("Enter")
    page.wait_for_selector(".form-errors")
    assert "查询码不正确" in page.locator(".form-errors").inner_text()
    assert page.problems == ["Failed to load resource: the server responded with a status of "
                             "404 (NOT FOUND)"]  # the answer to a wrong code, as the API's
    page.problems.clear()
    page.fill("#f-code", made["code"].lower().replace("-", ""))
    page.keyboard.press("Enter")
    page.wait_for_selector("#progress-result")
    result = page.locator("#progress-result").inner_text()
    assert made["number"] in result and "已预约" in result and "王**" in result
    assert "13812345678" not in page.content()
    screenshot(page, f"public-progress-{size_of(viewport)}")
    assert page.problems == []


@SIZES
def test_the_guide_and_the_hall_guide_highlight_the_window(browser, server, site, viewport):
    page = watched(browser, viewport)
    check_page(page, page.goto(server.url + "/guide/open-restaurant"))
    assert "营业执照" in page.locator("table").inner_text()
    assert "滨河街道政务服务中心 · 1 楼 · A02 号窗口" in page.locator(".window-list").inner_text()
    screenshot(page, f"public-guide-{size_of(viewport)}")
    page.click("text=看平面图")
    page.wait_for_url(re.compile(r".*/hall/binhe\?item=open-restaurant"))
    svgs = page.locator("svg.floorplan-svg")
    assert svgs.count() == 2  # two floors
    here = page.locator("g.counter-here")
    assert here.count() == 1 and here.locator("text").first.inner_html() == "A02"
    assert "A02 号窗口" in page.locator("figcaption").first.inner_text()
    box = svgs.first.bounding_box()
    assert box["width"] <= viewport["width"]  # the plan fits the screen
    screenshot(page, f"public-hall-{size_of(viewport)}")
    for path in ("/ask", "/rate", "/book/cancel", "/prereview", "/guide"):
        check_page(page, page.goto(server.url + path))
    screenshot(page, f"public-guides-{size_of(viewport)}")
    assert page.problems == []
    only_local(browser)


@SIZES
def test_a_complaint_sent_from_the_page_and_a_rating_with_a_wrong_code(
        browser, server, site, session, people, viewport):
    people.clerk(center="binhe")  # whoever owns the center's tickets
    page = watched(browser, viewport)
    check_page(page, page.goto(server.url + "/ask"))
    page.check("input[name=kind][value=complaint]")
    page.select_option("#ask-center", "binhe")
    page.fill("#ask-subject", "窗口排队时间过长")
    page.fill("#ask-content", "周一上午在滨河街道中心排队一个多小时。")
    page.fill("#ask-name", "赵六")
    page.fill("#ask-phone", "1391234")  # too short first: the API's message beside the field
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("[data-field='caller.phone'] .field-error")
    page.problems.clear()  # the 422 of the refused send
    page.fill("#ask-phone", "13912345678")
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#ask-done:not([hidden])")
    number = page.locator("#ask-number").inner_text()
    assert number and page.locator("#ask-code").inner_text()
    screenshot(page, f"public-ask-{size_of(viewport)}")
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.number == number and ticket.kind == "complaint" and ticket.channel == "web"

    check_page(page, page.goto(server.url + f"/rate?number={number}"))
    assert page.locator("#rate-number").input_value() == number
    page.fill("#rate-code", "AAAA-BBBB")
    page.check("input[name=level][value='4']")  # nothing is chosen beforehand
    page.click("#rate-form button[type=submit]")
    page.wait_for_selector("#rate-errors:not([hidden])")
    assert "查询码不正确" in page.locator("#rate-errors").inner_text()
    screenshot(page, f"public-rate-{size_of(viewport)}")
    page.problems.clear()  # the 404 of the wrong code
    only_local(browser)


@SIZES
def test_a_concluded_case_rated_from_the_page(
        browser, server, hall, session, viewport):  # noqa: F811 - the fixture imported
    case = concluded(hall)  # accepted at binhe's window, approved by every department
    page = watched(browser, viewport)
    check_page(page, page.goto(server.url + f"/rate?number={case['number']}"))
    assert page.locator("#rate-number").input_value() == case["number"]
    page.fill("#rate-code", case["receipt_code"])
    page.check("input[name=level][value='5']")
    page.fill("#rate-comment", "窗口服务热情，一次办成")
    page.click("#rate-form button[type=submit]")
    page.wait_for_selector("#rate-done:not([hidden])")
    assert page.locator("#rate-errors").is_hidden()
    assert "评价已记录" in page.locator("#rate-done").inner_text()
    screenshot(page, f"public-rated-{size_of(viewport)}")
    rating = session.scalars(select(Rating)).one()
    assert (rating.application_id, rating.number, rating.level, rating.comment,
            rating.center_code) == (uuid.UUID(case["id"]), case["number"], 5,
                                    "窗口服务热情，一次办成", "binhe")
    assert page.problems == []
    only_local(browser)


@SIZES
def test_booking_an_id_number_twice_tells_nobody_it_has_booked(browser, server, site, session,
                                                               viewport):
    """One live appointment per ID number and item: whoever types the same ID number again
    on the page (here a stranger, another day and half-day) is told the rule, as the API
    tells it, and nothing of the booking it met; nothing second is stored."""
    person = id_number()

    def book_on_page(name, phone, date, slot):
        page = watched(browser, viewport)  # each on a phone of their own
        check_page(page, page.goto(
            server.url + f"/book?item=open-restaurant&center=binhe&date={date}"))
        page.check(f"input[name=slot][value={slot}]")
        page.fill("#f-applicant-name", name)
        page.fill("#f-applicant-id_number", person)
        page.fill("#f-applicant-phone", phone)
        page.click("#book-form button[type=submit]")
        page.wait_for_load_state()
        return page

    first = book_on_page("王小明", "13812345678", "2026-12-01", "am")
    assert first.locator("h1").inner_text() == "预约成功"
    number = first.locator("#receipt-number").inner_text()
    assert first.problems == []

    again = book_on_page("李四", "13900001111", "2026-12-02", "pm")
    assert again.locator("h1").inner_text() == "网上预约"  # the form again, not a receipt
    assert again.locator("#receipt-number").count() == 0
    told = again.locator(".form-errors").inner_text().strip()
    assert told == ONE_LIVE  # the rule, and only the rule
    assert again.locator(".field-error").count() == 0  # no field is blamed either
    for leak in (number, "2026-12-01", "12月1日", "上午", "滨河", "王", "已预约", "已有", "您已"):
        assert leak not in told, leak
    assert number not in again.content()
    # What the stranger typed stays, for another try after the holder cancels.
    assert again.locator("#f-applicant-name").input_value() == "李四"
    screenshot(again, f"public-book-refused-{size_of(viewport)}")
    assert again.problems == ["Failed to load resource: the server responded with a status of "
                              "422 (UNPROCESSABLE ENTITY)"]  # the refused form itself
    row = session.scalars(select(Appointment)).one()
    assert (row.number, str(row.day), row.slot) == (number, "2026-12-01", "am")
    only_local(browser)


def test_the_screenshot_checks_fail_on_faint_text_and_missing_glyphs(browser):
    """The checks ``screenshot`` makes of every page can fail: faint text is caught (and
    text hidden, in a drawing or on a disabled control is not looked at), and characters
    no font has draw the same box."""
    page = browser.page(PHONE)
    page.set_content("""<html lang="zh-CN"><body style="background:#f4f6f9">
      <p id="faint" style="color:#999">办事指南（浅灰）</p>
      <p style="color:#6b7280">沈河区政务服务中心</p>
      <p style="color:#676d7b">沈河区政务服务中心</p>
      <p style="background:rgba(31,78,140,.5);color:#fff">半透明的底色</p>
      <h1 style="font-size:24px;color:#808080">大字可以稍浅</h1>
      <p style="color:#ccc" hidden>隐藏的文字</p>
      <span style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
                   color:#eee">读屏用的文字</span>
      <svg width="80" height="20"><text x="0" y="15" fill="#ddd">图中文字</text></svg>
      <button disabled style="color:#bbb">不可用</button>
      <p style="background-image:linear-gradient(#000,#000);color:#111">图上的字</p>
    </body></html>""")
    found = check_rendering(page)
    faint = {f["text"]: f for f in found["failures"]}
    assert set(faint) == {"办事指南（浅灰）", "沈河区政务服务中心", "半透明的底色"}, faint
    assert faint["办事指南（浅灰）"]["ratio"] == 2.63 and faint["办事指南（浅灰）"]["needed"] == 4.5
    assert faint["沈河区政务服务中心"]["ratio"] == 4.47  # the old grey on the page colour
    assert faint["半透明的底色"]["background"] == "rgb(138, 162, 195)"  # half blue over #f4f6f9
    assert all(not (g["blank"] or g["same"] or g["missing"]) for g in found["glyphs"])
    with pytest.raises(AssertionError, match=r"contrast 2\.63:1 < 4\.5:1 for '办事指南（浅灰）'"):
        screenshot(page, "check-faint-text")

    # Two characters no font has: the same missing-glyph box, as every Chinese character
    # draws without a CJK font.
    boxes = check_rendering(page, glyphs=[["\u0378", "\u0379"]])
    assert any("draw the same box" in p or "draw blank" in p or "missing glyph" in p
               for p in rendering_problems(boxes)), boxes["glyphs"]
