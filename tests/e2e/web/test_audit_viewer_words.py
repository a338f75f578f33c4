"""The audit viewer in the hall's words (issue 21, item 11), over HTTP on both backends:
actions and targets by their Chinese labels, who acted and whom it concerned by name,
the values a record wrote under Chinese field labels (personal data as stored: masked),
and the action filter a Chinese select of every known action. The words come from one
place (hub/web/display.py, hub/web/filters.py), checked here against every action the
code records, so a new action or field is covered without a test of its own."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub import db as hub_db
from hub.audit import services as audit
from hub.directory.models import User
from hub.permissions import Principal
from hub.web.display import FIELD_LABELS, audit_changes, target_text
from hub.web.filters import ACTION_LABELS
from tests.e2e.web.pages import backend, fresh, sign_in  # noqa: F401

HUB = Path(__file__).resolve().parents[3] / "hub"
# An action code (task.approved) or a record's key (retry_after) seen by a person.
CODE = re.compile(r"\b[a-z]+[._][a-z_.]+\b")
# Actions recorded with a computed name: the values each can take.
COMPUTED = {
    "appointment.{outcome}": ("arrived", "no_show"),
    "prereview.{prereview.status}": ("passed", "returned"),
    "rating.appeal_{rating.appeal_status}": ("excluded", "kept"),
    "sync.run_{status}": ("succeeded", "failed"),
    "task.{task.status}": ("approved", "rejected", "supplement_requested"),
    "ticket.warning.{level}": ("yellow", "red"),
    "warning.{level}": ("yellow", "red"),
}


def _recorded_actions() -> set[str]:
    """Every action ``audit.record`` is called with in the code, computed ones expanded."""
    found: set[str] = set()
    pattern = re.compile(r'audit\.record\(\s*[^,]+,\s*[^,]+,\s*(f?)"([a-z_.{}]+)"')
    for path in HUB.rglob("*.py"):
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            if m.group(1):
                assert m.group(2) in COMPUTED, f"{path}: new computed action {m.group(2)}"
                stem = m.group(2).split("{", 1)[0]
                found |= {stem + value for value in COMPUTED[m.group(2)]}
            else:
                found.add(m.group(2))
    return found


def test_every_recorded_action_has_a_chinese_label():
    actions = _recorded_actions()
    assert len(actions) > 40  # the scan finds them
    assert not sorted(a for a in actions if a not in ACTION_LABELS)


def test_a_records_values_are_labelled_and_codes_named(app, people):
    people.department("market", "区市场监督管理局")
    with app.test_request_context("/"):
        shown = audit_changes({"status": "active"}, {"status": "left", "tasks_released": 2},
                              "user")
        assert shown == [("状态", "在岗 → 已离岗"), ("退回待领的任务", "2")]
        shown = dict(audit_changes(None, {
            "address": "127.0.0.1", "channel": "web", "reason": "too_many", "retry_after": 5,
            "department": "market", "task_id": "9f0c", "version": 3, "new_thing": "x",
            "applicant": {"name": "王*", "id_number": "2101**********0021",
                          "phone": "138****5678"}}, "application"))
        assert shown["渠道"] == "网上" and shown["重试等待（秒）"] == "5"
        assert shown["部门"] == "区市场监督管理局"
        assert shown["申请人"] == "王* · 2101**********0021 · 138****5678"  # masked as stored
        assert shown["其他信息"] == "x"  # a key without a label: never its code
        assert not {"task_id", "version", "版本"} & set(shown)
        assert all(not CODE.search(label) for label in FIELD_LABELS.values())
        assert target_text("user", "nobody-known") == "人员账号 nobody-known"
        assert target_text("sync_run", "149") == "同步任务（第 149 次）"


@pytest.fixture
def trail(app, people, session, client):
    client.application.config["SESSION_COOKIE_SECURE"] = False
    people.supervisor(username="supervisor", center="district")
    people.make("clerk", username="clerk-nanta", center="nanta")
    people.admin(username="admin")
    session.execute(sa.update(User).where(User.username == "clerk-nanta")
                    .values(display_name="南塔窗口"))
    session.execute(sa.update(User).where(User.username == "admin")
                    .values(display_name="系统管理员"))
    with hub_db.get_database(app).session_scope() as s:
        audit.record(s, Principal.system("anonymous"), "signin.throttled", target_type="user",
                     target_id="clerk-nanta", center="district",
                     after={"address": "10.1.2.3", "channel": "web", "reason": "locked",
                            "retry_after": 5})
        admin = s.query(User).filter_by(username="admin").one()
        audit.record(s, Principal(username="admin", roles=frozenset(admin.roles),
                                  center=admin.center_code),
                     "user.updated", target_type="user", target_id="clerk-nanta",
                     before={"status": "active"}, after={"status": "left", "tasks_released": 0})
        s.commit()


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_the_viewer_shows_content_names_and_chinese_actions(client, trail):
    sign_in(client, "supervisor")
    page = fresh(client, "GET", "/audit").text
    rows = _text(page.split("<tbody>", 1)[1].split("</tbody>", 1)[0])
    assert "登录尝试被限制" in rows and "人员账号变更" in rows
    assert "人员账号 南塔窗口（clerk-nanta）" in rows and "user clerk-nanta" not in rows
    assert "未登录用户" in rows and "系统管理员（admin）" in rows
    assert "重试等待（秒）：5" in rows and "登录方式：网页" in rows
    assert "原因：账号已临时锁定" in rows
    assert "状态：在岗 → 已离岗" in rows
    codes = [c for c in CODE.findall(rows) if c != "clerk-nanta"]
    assert not codes, codes

    # The action filter: every known action, in Chinese; choosing one filters by it.
    select = page.split('id="f-action"', 1)[1].split("</select>", 1)[0]
    values = re.findall(r'<option value="([^"]*)"', select)
    assert set(ACTION_LABELS) <= set(values) and "task.*" in values
    texts = re.findall(r"<option [^>]*>([^<]*)</option>", select)
    assert texts and not [t for t in texts if CODE.search(t)]
    assert "如 task.approved" not in page
    chosen = fresh(client, "GET", "/audit?action=user.updated").text
    chosen_rows = _text(chosen.split("<tbody>", 1)[1].split("</tbody>", 1)[0])
    assert "人员账号变更" in chosen_rows and "登录尝试被限制" not in chosen_rows
    assert 'value="user.updated" selected' in chosen
    # The actor filter takes a name as well as a login name.
    by_name = fresh(client, "GET", "/audit?actor=系统管理员").text
    by_name = _text(by_name.split("<tbody>", 1)[1].split("</tbody>", 1)[0])
    assert "状态：在岗 → 已离岗" in by_name and "登录尝试被限制" not in by_name
