"""The rest of the window's and the departments' work in the browser: search, supplement
and resubmission, withdrawal, the chief's reassignment, and the officials' exports."""
import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from hub.approvals.forms import with_check_character
from hub.approvals.models import Application, ApprovalTask
from tests.e2e.web.conftest import PHONE, screenshot
from tests.e2e.web.test_walk import FORM, STAGES

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def hall(people):
    for code in ("market", "food", "fire"):
        people.department(code)
    people.service_item(code="open-restaurant", name="开办餐饮店", form=FORM, stages=STAGES)
    people.clerk(center="binhe", username="clerk.binhe")
    people.approver("market", username="market.li")
    people.approver("market", username="market.wu")
    people.chief("market", username="market.chief")
    people.supervisor(username="official")


def submit(page, server, name, shop, seats="20"):
    page.goto(server.url + "/cases/new/open-restaurant")
    page.fill("#f-applicant-name", name)
    page.fill("#f-applicant-id_number", with_check_character("21010319850612002"))
    page.fill("#f-applicant-phone", "13812345678")
    page.fill("#f-form-shop_name", shop)
    page.fill("#f-form-seats", seats)
    page.select_option("#f-form-cuisine", "热食类")
    page.click("button[type=submit] >> text=提交受理")
    page.wait_for_url(re.compile(r".*/cases/[0-9a-f-]{36}/receipt$"))
    number = re.search(r"办件编号 (\S+)", page.locator(".flash").inner_text()).group(1)
    assert page.locator(".receipt-number").inner_text() == number
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", page.locator(".receipt-code").inner_text())
    page.click("text=查看办件")
    page.wait_for_url(re.compile(r".*/cases/[0-9a-f-]{36}$"))
    return number


def test_search_by_number_or_applicant_name(browser, hall, server):
    clerk = browser.sign_in("clerk.binhe")
    first = submit(clerk, server, "王小明", "老边饺子馆")
    second = submit(clerk, server, "李四", "小放牛")
    clerk.goto(server.url + "/cases")
    assert clerk.locator("table.cases tbody tr").count() == 2
    clerk.fill("#f-q", second)
    clerk.click("button >> text=查询")
    rows = clerk.locator("table.cases tbody tr")
    assert rows.count() == 1 and second in rows.inner_text()
    clerk.fill("#f-q", "王小")
    clerk.click("button >> text=查询")
    assert rows.count() == 1 and first in rows.inner_text()
    assert "王**" in rows.inner_text()  # found by name, shown masked
    # Posted, not in the URL: no name in the history, the logs or the next Referer.
    assert "王小" not in clerk.url and "%E7%8E%8B" not in clerk.url
    clerk.fill("#f-q", "赵")
    clerk.click("button >> text=查询")
    assert "没有符合条件的办件" in rows.inner_text()


def test_supplement_request_then_resubmission(browser, hall, server, session):
    clerk = browser.sign_in("clerk.binhe")
    number = submit(clerk, server, "王小明", "老边饺子馆")
    case_url = clerk.url
    approver = browser.sign_in("market.li")
    approver.click(f"table.queue a >> text={number}")
    approver.fill("#f-comment", "请补充经营场所证明，店名与执照不一致")
    approver.click("button[value=request_supplement]")
    approver.wait_for_url("**/queue")

    clerk.goto(case_url)
    assert "待补正" in clerk.locator(".page-head .status").inner_text()
    assert "暂停计时" in clerk.locator("dl.facts").first.inner_text()
    clerk.click("text=补正材料并重新提交")
    assert "店名与执照不一致" in clerk.locator(".supplement-reasons").inner_text()
    assert clerk.locator("#f-form-shop_name").input_value() == "老边饺子馆"
    clerk.fill("#f-form-seats", "")
    clerk.click("button >> text=重新提交")
    assert "请填写座位数" in clerk.locator(".field[data-field='form.seats'] .field-error") \
        .inner_text()
    screenshot(clerk, "clerk-resubmit-errors-desktop")
    clerk.fill("#f-form-shop_name", "老边饺子馆（沈河店）")
    clerk.fill("#f-form-seats", "24")
    clerk.click("button >> text=重新提交")
    clerk.wait_for_url(case_url)
    assert "审批中" in clerk.locator(".page-head .status").inner_text()
    application = session.scalars(select(Application)).one()
    assert application.status == "in_review"
    assert application.form["shop_name"] == "老边饺子馆（沈河店）" and application.form["seats"] == 24
    approver.reload()
    assert approver.locator("table.queue tbody tr", has_text=number).count() == 1


def test_withdrawal_needs_a_reason(browser, hall, server, session):
    clerk = browser.sign_in("clerk.binhe", viewport=PHONE)
    submit(clerk, server, "王小明", "老边饺子馆")
    clerk.click("button >> text=申请人撤回办件")
    assert clerk.locator(".field[data-field=reason] .field-error").inner_text() \
        .endswith("此项为必填项")
    assert session.scalars(select(Application.status)).one() == "in_review"
    clerk.fill("#f-reason", "申请人决定暂缓开店")
    clerk.click("button >> text=申请人撤回办件")
    assert "已撤回" in clerk.locator(".flash").inner_text()
    assert "已撤回" in clerk.locator(".page-head .status").inner_text()
    assert clerk.locator("form.withdraw-form").count() == 0
    assert session.scalars(select(ApprovalTask.status)).all() == ["cancelled"]
    screenshot(clerk, "clerk-withdrawn-phone")


def test_chief_sees_the_department_and_reassigns(browser, hall, server, session):
    clerk = browser.sign_in("clerk.binhe")
    number = submit(clerk, server, "王小明", "老边饺子馆")
    chief = browser.sign_in("market.chief")
    chief.click(f"table.queue a >> text={number}")
    # Each person offered is named with their center: the same name may sit in two.
    offered = chief.locator("#f-assignee option[value='market.wu']").inner_text()
    assert offered == "测试用户market.wu（沈河区政务服务中心，market.wu）"
    chief.select_option("#f-assignee", "market.wu")
    chief.click("form.assign-form button")
    assert "已指派给 测试用户market.wu（沈河区政务服务中心）" in chief.locator(".flash").inner_text()
    assert session.scalars(select(ApprovalTask.assignee)).one() == "market.wu"
    screenshot(chief, "chief-task-desktop")
    # The other approver of the department sees who has it, and gets no decision form.
    other = browser.sign_in("market.li")
    other.click("nav.tabs >> text=本部门全部")
    row = other.locator("table.queue tbody tr", has_text=number)
    assert "测试用户market.wu（沈河区政务服务中心）" in row.inner_text()
    row.locator("a").first.click()
    assert other.locator("form.decision-form").count() == 0
    assert "由 测试用户market.wu（沈河区政务服务中心）办理，您不能" in \
        other.locator(".holder-note").inner_text()
    assert session.scalars(select(ApprovalTask.status)).one() == "pending"
    assignee = browser.sign_in("market.wu")
    assignee.click(f"table.queue a >> text={number}")
    assignee.click("button[value=approve]")
    assignee.wait_for_url("**/queue")
    assert session.scalars(select(ApprovalTask.status).where(ApprovalTask.stage == 1)).one() \
        == "approved"


def test_stale_decision_is_refused_with_a_message(browser, hall, server, session):
    clerk = browser.sign_in("clerk.binhe")
    number = submit(clerk, server, "王小明", "老边饺子馆")
    first = browser.sign_in("market.li")
    second = browser.sign_in("market.wu")
    for page in (first, second):
        page.click(f"table.queue a >> text={number}")
    first.click("button[value=approve]")
    first.wait_for_url("**/queue")
    second.fill("#f-comment", "材料齐全，同意")
    second.click("button[value=approve]")
    assert "已有决定" in second.locator(".error-summary").inner_text()
    # Decided by the other: no form any more, and the comment typed is kept to copy.
    assert second.locator("form.decision-form").count() == 0
    assert "材料齐全，同意" in second.locator(".kept-comment").inner_text()
    assert session.scalars(select(ApprovalTask.decided_by).where(ApprovalTask.stage == 1)) \
        .one() == "market.li"


def test_official_exports_csv_and_xlsx(browser, hall, server):
    clerk = browser.sign_in("clerk.binhe")
    submit(clerk, server, "王小明", "老边饺子馆")
    official = browser.sign_in("official")
    with official.expect_download() as caught:
        official.click("text=各中心 CSV")
    text = open(caught.value.path(), encoding="utf-8").read()
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 16
    binhe = next(r for r in rows if r["中心编码"] == "binhe")
    assert binhe["受理件数"] == "1" and binhe["在办件数"] == "1"
    with official.expect_download() as caught:
        official.click("text=导出 Excel")
    assert caught.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(caught.value.path().read_bytes())).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["排名（按办结及时率）", "中心编码", "中心名称"]
    assert sheet.max_row == 16  # the header and the fifteen streets


def test_cases_turn_yellow_then_red_in_every_list(browser, hall, server, frozen_clock):
    import datetime as dt

    clerk = browser.sign_in("clerk.binhe")
    number = submit(clerk, server, "王小明", "老边饺子馆")
    # The market bureau's 3 working days end on Thursday 3 December, 23:59:59.
    frozen_clock.advance(dt.timedelta(days=3, hours=1))
    approver = browser.sign_in("market.li")
    row = approver.locator("table.queue tbody tr", has_text=number)
    assert "row-yellow" in row.get_attribute("class")
    assert "今日到期" in row.inner_text() and "黄牌" in row.inner_text()
    frozen_clock.advance(dt.timedelta(days=1))
    approver = browser.sign_in("market.li", viewport=PHONE)
    row = approver.locator("table.queue tbody tr", has_text=number)
    assert "row-red" in row.get_attribute("class")
    assert "已超期 1 个工作日" in row.inner_text() and "红牌" in row.inner_text()
    screenshot(approver, "approver-queue-red-phone")
    official = browser.sign_in("official")
    tile = official.locator("a.tile[data-center=binhe]")
    assert "tile-yellow" in tile.get_attribute("class")  # a late step; the case is on time
    assert "超期环节1" in tile.inner_text().replace("\n", "").replace(" ", "")
    official.goto(server.url + "/warnings")
    assert number not in official.locator("table.warnings").inner_text()  # the case is on time
    official.click(".tabs >> text=审批环节")
    step = official.locator("table.warnings tr.row-red", has_text=number)
    assert step.count() == 1 and "market 局" in step.inner_text()
    screenshot(official, "official-warnings-desktop")


def test_the_unmasked_applicant_is_shown_on_request_and_audited(browser, hall, server, session):
    from hub.audit.models import AuditRecord

    clerk = browser.sign_in("clerk.binhe")
    submit(clerk, server, "王小明", "老边饺子馆")
    id_number = with_check_character("21010319850612002")
    assert id_number not in clerk.content()
    clerk.click("text=查看完整信息（记录审计）")
    shown = clerk.locator(".applicant-clear").inner_text()
    assert "王小明" in shown and id_number in shown and "13812345678" in shown
    viewed = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "application.applicant_viewed")).all()
    assert [(r.actor, r.target_type) for r in viewed] == [("clerk.binhe", "application")]
    # An approver sees the masked form only, and no button to unmask it.
    approver = browser.sign_in("market.li")
    approver.click("table.queue a")
    assert approver.locator("form.reveal-form").count() == 0
    assert id_number not in approver.content()


def test_sync_status_per_center(browser, hall, server, session, frozen_clock):
    import datetime as dt

    from hub.sync.models import SyncRun

    now = frozen_clock.now()

    def run(stream, status, hours_ago, **counts):
        started = now - dt.timedelta(hours=hours_ago)
        session.add(SyncRun(center_code="binhe", stream=stream, status=status,
                            trigger="schedule", requested_by="beat", started_at=started,
                            heartbeat_at=started, finished_at=started + dt.timedelta(minutes=3),
                            error="连接中心系统超时" if status == "failed" else None, **counts))
        session.commit()

    run("applications", "succeeded", 30, fetched=120, inserted=100, updated=15, unchanged=5)
    run("applications", "failed", 6, fetched=40, inserted=40)
    official = browser.sign_in("official")
    official.click("nav >> text=数据同步")
    official.wait_for_url("**/sync")  # count() does not wait for the navigation
    row = official.locator("table.sync tr.row-red")
    assert row.count() == 1
    text = row.inner_text()
    assert "滨河街道" in text and "失败" in text and "连接中心系统超时" in text
    # The last success: 30 hours before Monday 09:00 in the hall, shown in Asia/Shanghai.
    assert "2026-11-29 03:03" in text
    screenshot(official, "official-sync-desktop")
