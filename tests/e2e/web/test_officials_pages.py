"""The official's day in the browser (Chromium, real HTTP, PostgreSQL): figures that count
cases left open past their deadline, the warnings list as long as the tiles say, paged,
filtered and exported, a supervision notice (督办) issued and answered, and the audit
viewer."""
from __future__ import annotations

import csv
import io
import re

import pytest

from tests.e2e.web.conftest import PHONE, screenshot
from tests.e2e.web.workbench import ID_NUMBER, LEFT_OPEN, workbench  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text) or 0)


def test_the_dashboard_ranks_by_timeliness_with_the_formula(browser, workbench, server):
    official = browser.sign_in("official")
    assert official.url.endswith("/dashboard")
    ranking = official.locator("table.ranking tbody tr")
    first, second = ranking.nth(0), ranking.nth(1)
    # Both concluded every case on time; daxi left 56 open past their deadline.
    assert first.get_attribute("data-center") == "binhe"
    assert second.get_attribute("data-center") == "daxi"
    assert "100.0%" in first.locator("td.timeliness").inner_text()
    assert first.locator("td").nth(4).inner_text() == second.locator("td").nth(4).inner_text() \
        == "100.0%"  # the on-time rate alone would tie them
    assert _number(second.locator("td.overdue").inner_text()) == LEFT_OPEN + 1
    assert second.locator("td.timeliness").inner_text() == "5.1%"  # 3 / (3 + 56)
    formula = official.locator(".composite-formula").inner_text()
    assert "0.6 × 办结及时率" in formula and "没有数据" in formula
    assert "尚无群众评价数据" in official.locator(".formula").inner_text()
    daxi = official.locator(".tile[data-center=daxi]")
    assert daxi.locator(".big").inner_text() == "5.1%" and "tile-red" in daxi.get_attribute(
        "class")
    # What needs someone: the plan check nobody can approve.
    attention = official.locator(".attention").inner_text()
    assert "无人可办" in attention and "区自然资源和规划分局 1 件" in attention
    screenshot(official, "official-dashboard-timeliness-desktop")

    # This month: the deadlines that passed fell due in December, the conclusions were in
    # November. daxi is ranked on its overdue cases alone (0 %); binhe, with nothing due
    # in December, is not ranked at all.
    official.click(".presets >> text=本月")
    assert "from=2026-12-01" in official.url and "to=2026-12-31" in official.url
    assert official.locator(".presets a[aria-current]").inner_text() == "本月"
    december = official.locator("table.ranking tbody tr")
    daxi_row = december.nth(0)
    assert daxi_row.get_attribute("data-center") == "daxi"
    assert _number(daxi_row.locator("td.overdue").inner_text()) == LEFT_OPEN + 1
    assert daxi_row.locator("td.timeliness").inner_text() == "0.0%"
    binhe_row = official.locator("table.ranking tr[data-center=binhe]")
    assert binhe_row.locator("td").first.inner_text() == "—"
    official.click(".presets >> text=本年")
    assert "from=2026-01-01" in official.url

    phone = browser.sign_in("official", viewport=PHONE)
    assert phone.locator(".tile[data-center=binhe] .big").inner_text() == "100.0%"
    screenshot(phone, "official-dashboard-timeliness-phone")


def test_the_warnings_list_counts_pages_filters_and_exports(browser, workbench, server):
    official = browser.sign_in("official")
    tiles = official.locator(".tile")
    tile_total = 0
    for i in range(tiles.count()):
        yellow, red = tiles.nth(i).locator("dd").nth(4).inner_text().split("/")
        tile_total += int(yellow) + int(red)
    official.click("nav >> text=预警")
    heading = official.locator("h2.warnings-count")
    assert _number(heading.locator(".total").inner_text()) == tile_total == LEFT_OPEN + 1
    rows = official.locator("table.warnings tbody tr")
    assert rows.count() == 50
    first_page = set(rows.evaluate_all("rows => rows.map(r => r.dataset.number)"))
    with official.expect_navigation():
        official.click("a[rel=next]")
    assert rows.count() == LEFT_OPEN + 1 - 50
    second_page = set(rows.evaluate_all("rows => rows.map(r => r.dataset.number)"))
    assert not first_page & second_page
    with official.expect_navigation():
        official.click("a[rel=prev]")
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.number)")) == first_page
    assert official.locator("a[rel=prev]").count() == 0  # the first page again
    screenshot(official, "official-warnings-desktop")

    # Filters: the plan check waits at planning; binhe has nothing late.
    official.select_option("#f-department", "planning")
    with official.expect_navigation():
        official.click(".warnings-filters button[type=submit]")
    assert rows.count() == 1 and _number(heading.locator(".total").inner_text()) == 1
    official.select_option("#f-department", "")
    official.select_option("#f-center", "binhe")
    with official.expect_navigation():
        official.click(".warnings-filters button[type=submit]")
    assert "没有符合条件的办件" in rows.inner_text()
    official.select_option("#f-center", "daxi")
    official.select_option("#f-level", "red")
    official.fill("#f-days", "6")  # due 3 December: Fri 4 … Thu 10 is five working days
    with official.expect_navigation():
        official.click(".warnings-filters button[type=submit]")
    assert _number(heading.locator(".total").inner_text()) == 0
    official.fill("#f-days", "5")
    with official.expect_navigation():
        official.click(".warnings-filters button[type=submit]")
    assert _number(heading.locator(".total").inner_text()) == LEFT_OPEN
    filtered = official.url
    official.goto(filtered.replace("days=5", "days=abc"))  # typed into the address bar
    assert "请输入 1–365 的整数" in official.locator(".field[data-field=days]").inner_text()

    official.goto(filtered)
    with official.expect_download() as got:
        official.click("text=导出 CSV")
    exported = got.value.path().read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(exported)))
    assert table[0][:4] == ["办件编号", "受理中心", "办事事项", "预警"]
    assert len(table) == LEFT_OPEN + 1  # every page, as filtered
    assert {row[3] for row in table[1:]} == {"红牌"} and {row[5] for row in table[1:]} == {"5"}

    # The steps view and the work nobody can act on.
    with official.expect_navigation():
        official.click(".tabs >> text=审批环节")
    assert "红黄牌审批环节" in heading.inner_text()
    official.goto(server.url + "/warnings?view=nobody")
    nobody = official.locator(".nobody table tbody tr")
    assert nobody.count() == 1 and "部门没有在岗审批人员" in nobody.inner_text()
    screenshot(official, "official-warnings-nobody-desktop")


def test_a_notice_is_issued_answered_and_seen_on_the_case(browser, workbench, server):
    official = browser.sign_in("official")
    official.goto(server.url + "/warnings?center=daxi&department=market")
    official.locator("table.warnings tbody tr").first.locator("text=督办").click()
    assert "签发督办" in official.locator("h1").inner_text()
    with official.expect_navigation():  # nothing written: refused beside the field
        official.click("button >> text=签发督办")
    assert official.locator(".field[data-field=content] .field-error").count() == 1
    official.fill("#f-content", "该件已超过办结期限五个工作日，请说明原因及办结时间")
    official.fill("#f-answer_days", "2")
    official.click("button >> text=签发督办")
    assert "已签发督办 DB-20261210-0001" in official.locator(".flash").inner_text()
    assert "2026-12-14" in official.locator(".notice-facts").inner_text()  # Fri 11, Mon 14
    number = official.locator(".notice-facts a").inner_text()
    screenshot(official, "official-notice-issued-desktop")

    chief = browser.sign_in("market.chief")
    panel = chief.locator("section.notices")
    assert "DB-20261210-0001" in panel.inner_text() and number in panel.inner_text()
    screenshot(chief, "chief-queue-notice-desktop")
    panel.locator("a >> text=DB-20261210-0001").click()
    with chief.expect_navigation():
        chief.click("button >> text=提交答复")
    assert chief.locator(".field[data-field=answer] .field-error").count() == 1
    chief.fill("#f-answer", "申请人营业场所产权证明待补，已电话告知，预计12月11日办结。")
    chief.click("button >> text=提交答复")
    assert "已答复督办" in chief.locator(".flash").inner_text()
    assert "已答复" in chief.locator(".page-head .badge").inner_text()
    assert chief.locator("form textarea").count() == 0  # answered once
    chief.goto(server.url + "/queue")
    assert chief.locator("section.notices").count() == 0  # nothing left to answer

    official.click(".notice-facts a")  # the case
    notices = official.locator("section.notices").inner_text()
    assert "已答复" in notices and "预计12月11日办结" in notices
    history = official.locator(".history").inner_text()
    assert "签发督办" in history and "答复督办" in history
    screenshot(official, "official-case-notice-answered-desktop")
    clerk = browser.sign_in("clerk.daxi")
    clerk.goto(official.url)
    assert "预计12月11日办结" in clerk.locator("section.notices").inner_text()


def test_the_audit_viewer_answers_who_looked_and_who_decided(browser, workbench, server,
                                                             session):
    from hub.approvals.models import Application

    official = browser.sign_in("official")
    case = session.get(Application, workbench.cases["clerk.binhe"][0])
    official.goto(f"{server.url}/cases/{case.id}")
    official.click("text=查看完整信息（记录审计）")
    official.click("nav >> text=审计记录")
    with official.expect_navigation():
        official.click(".shortcuts >> text=谁查看了公民完整信息")
    rows = official.locator("table.audit tbody tr")
    assert rows.count() == 1
    looked = rows.first.inner_text()
    assert "official" in looked and case.number in looked
    assert "王**" in looked and f"2101**********{ID_NUMBER[-4:]}" in looked
    assert "王小明" not in looked and ID_NUMBER not in official.content()
    screenshot(official, "official-audit-unmasked-desktop")

    with official.expect_navigation():
        official.click(".shortcuts >> text=谁作出了审批决定")
    decisions = rows.all_inner_texts()
    assert len(decisions) == 6 and all("区市场监督管理局：同意" in d for d in decisions)
    official.fill("#f-actor", "market.li")
    official.fill("#f-from", "2026-12-01")
    with official.expect_navigation():
        official.click(".audit-filters button[type=submit]")
    assert "没有符合条件的记录" in rows.inner_text()  # they decided on 30 November
    official.fill("#f-from", "2026-11-30")
    official.fill("#f-to", "2026-11-29")
    official.click(".audit-filters button[type=submit]")
    assert "截止日期不能早于起始日期" in official.locator(".field[data-field=to]").inner_text()

    admin = browser.sign_in("guan")
    admin.click("nav >> text=审计记录")
    admin.fill("#f-target", case.number)
    with admin.expect_navigation():
        admin.click(".audit-filters button[type=submit]")
    texts = rows.all_inner_texts()
    assert any("窗口受理" in t for t in texts) and any("查看申请人完整信息" in t for t in texts)
    admin.goto(server.url + "/audit")
    assert admin.locator("a[rel=next]").count() == 1
    with admin.expect_navigation():
        admin.click("a[rel=next]")
    with admin.expect_navigation():
        admin.click("a[rel=prev]")
    assert admin.locator("a[rel=prev]").count() == 0
