"""The administrator's side of the workbench in the browser (Chromium, real HTTP,
PostgreSQL): warned before work goes to nobody (an item routed to a department without
approvers, an approver leaving), and the sync page's actions: sync now, retry a failed
run, review the quarantine."""
from __future__ import annotations

import datetime as dt

import pytest

from adapters.sample.data import application_records
from hub import db as hub_db
from hub.approvals import assignment, services
from hub.directory.auth import principal_for
from hub.directory.models import User
from tests.e2e.web.conftest import screenshot
from tests.e2e.web.workbench import LEFT_OPEN, workbench  # noqa: F401
from tests.integration.sync.conftest import fake_center, http_center  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def _assign(app, case_id, to):  # type: ignore[no-untyped-def]
    with hub_db.get_database(app).session_scope() as session:
        chief = principal_for(session.query(User).filter_by(username="market.chief").one())
        case = services.load_application(session, case_id)
        assignment.assign_task(session, chief, case.tasks[0].id, to)


def test_the_admin_is_warned_before_work_goes_to_nobody(browser, workbench, server):
    _assign(workbench.app, workbench.cases["open"][0], "market.li")
    admin = browser.sign_in("guan")
    admin.click("nav >> text=办事事项")
    row = admin.locator("table tr", has_text="规划条件核实")
    assert "无人可办" in row.locator(".badge-nobody").inner_text()
    assert admin.locator("table tr", has_text="营业执照变更登记").locator(
        ".badge-nobody").count() == 0
    screenshot(admin, "admin-items-nobody-desktop")
    row.locator("a").first.click()
    assert "区自然资源和规划分局没有在岗的审批人员" in admin.locator(".routing-warnings").inner_text()
    admin.click("button[type=submit] >> text=保存")
    assert "无人可办" in admin.locator(".flash-warning").inner_text()

    # market.li holds an assigned task: leaving is said first, and saved only when confirmed.
    admin.goto(server.url + "/admin/users/market.li")
    admin.select_option("#f-status", "left")
    admin.click("button[type=submit] >> text=保存")
    box = admin.locator(".departure")
    assert "名下有 1 件在办审批任务" in box.inner_text()
    assert "最后一名" not in box.inner_text()  # the chief is still there
    screenshot(admin, "admin-departure-confirm-desktop")
    admin.click("text=确认保存")
    assert "已保存账号 market.li" in admin.locator(".flash-message").inner_text()
    assert "1 件在办审批任务已退回部门待办池" in admin.locator(".flash-warning").inner_text()

    # The chief is now the last one: leaving too is said with the queue left behind.
    admin.goto(server.url + "/admin/users/market.chief")
    admin.select_option("#f-status", "left")
    admin.click("button[type=submit] >> text=保存")
    assert "最后一名在岗审批人员" in admin.locator(".departure").inner_text()
    assert f"{LEFT_OPEN} 件待办" in admin.locator(".departure").inner_text()
    admin.click("text=放弃修改")
    assert admin.locator("#f-status").input_value() == "active"  # nothing saved
    admin.select_option("#f-status", "left")
    admin.click("button[type=submit] >> text=保存")
    admin.click("text=确认保存")
    assert "已没有在岗审批人员" in admin.locator(".flash-error").inner_text()

    admin.click("nav >> text=电子监察")
    attention = admin.locator(".attention").inner_text()
    assert f"{LEFT_OPEN + 1} 件待办审批没有人能办理" in attention
    assert "区市场监督管理局" in attention and "安排审批人员" in attention
    screenshot(admin, "admin-dashboard-nobody-desktop")


def test_the_admin_syncs_retries_and_reviews_the_quarantine(browser, people, server,
                                                            http_center, frozen_clock):
    people.admin(username="guan")
    people.supervisor(username="official")
    records = list(application_records("binhe", 40, items=("open-restaurant",)))
    records[5] = {**records[5], "external_id": "BAD-1", "service_item": "no-such-item"}
    http_center.put_many("applications", records)
    http_center.faults.fail_after_pages = 1

    admin = browser.sign_in("guan")
    admin.click("nav >> text=数据同步")
    admin.click("button[aria-label='立即同步滨河街道政务服务中心']")
    assert "已启动 2 个数据流的同步" in admin.locator(".flash").inner_text()
    failed = admin.locator("tr[data-center=binhe][data-stream=applications]")
    assert "失败" in failed.inner_text() and "HTTP 500" in failed.inner_text()
    screenshot(admin, "admin-sync-failed-desktop")

    http_center.faults.fail_after_pages = None
    failed.locator("text=重试").click()
    assert "已重试滨河街道政务服务中心的办件数据同步" in admin.locator(".flash").inner_text()
    again = admin.locator("tr[data-center=binhe][data-stream=applications]")
    assert "成功" in again.inner_text() and "（重试）" in again.inner_text()
    assert again.locator("td.missed").inner_text() == "0"

    # Two nights later with no nightly run: the page says so, row by row.
    frozen_clock.advance(dt.timedelta(days=2))
    admin = browser.sign_in("guan")
    admin.goto(server.url + "/sync")
    row = admin.locator("tr[data-center=binhe][data-stream=applications]")
    assert row.locator("td.missed").inner_text() == "2 次"
    assert "2 天" in row.locator("td.age").inner_text()
    assert "滨河街道" in admin.locator(".warn-box").inner_text()
    screenshot(admin, "admin-sync-missed-desktop")

    with admin.expect_navigation():
        admin.click("text=待复核隔离 1 条")
    quarantined = admin.locator("tr[data-record]")
    assert quarantined.count() == 1 and "BAD-1" in quarantined.inner_text()
    assert "no-such-item" in quarantined.inner_text() or "service_item" in quarantined.inner_text()
    quarantined.locator("button >> text=标记已处理").click()
    assert "请填写复核结论" in admin.locator(".flash-error").inner_text()
    admin.locator("tr[data-record] input[name=note]").fill("中心确认录入错误，已在其系统作废")
    admin.locator("tr[data-record] button >> text=标记已处理").click()
    assert "已标记为已处理" in admin.locator(".flash").inner_text()
    assert admin.locator("tr[data-record]").count() == 0  # the open ones only
    admin.select_option("#f-state", "resolved")
    admin.click(".filters button[type=submit]")
    assert "中心确认录入错误" in admin.locator("tr[data-record]").inner_text()
    screenshot(admin, "admin-quarantine-desktop")

    official = browser.sign_in("official")
    official.goto(server.url + "/sync")
    assert official.locator("button >> text=重试").count() == 0
    assert official.locator("button >> text=立即同步").count() == 0
    assert official.locator("tr[data-center=binhe] td.missed").first.inner_text() == "2 次"
