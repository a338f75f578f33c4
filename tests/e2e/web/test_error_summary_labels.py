"""Error summaries that name the field (issue 21, item 11): the one ``form_errors`` macro
(templates/_macros.html) names each message's field by the label its page passes, or
by the hall's word for the input (``input_label``), never by a code; an error page of a
refused form does the same. Checked over every template's summary and every refusal a
page raises itself, so a new form is covered without a test of its own; then on the
督办 form over HTTP (both backends) and in the browser (the box clear of the line above)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from jinja2 import nodes

from hub import db as hub_db
from hub.approvals import services
from hub.approvals.forms import with_check_character
from hub.directory.auth import principal_for
from hub.directory.models import User
from hub.web.filters import input_label, validation_detail
from tests.e2e.web.conftest import screenshot
from tests.e2e.web.pages import backend, fresh, post_form, sign_in  # noqa: F401

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "hub" / "web" / "templates"


def _summaries(app):  # type: ignore[no-untyped-def]
    for path in sorted(TEMPLATES.rglob("*.html")):
        tree = app.jinja_env.parse(path.read_text(encoding="utf-8"))
        for call in tree.find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name == "form_errors":
                yield f"{path.relative_to(TEMPLATES)}:{call.lineno}", call


def test_every_error_summary_is_given_its_fields_labels(app):
    missing = []
    calls = list(_summaries(app))
    assert len(calls) > 20  # the scan finds them
    for where, call in calls:
        known = call.args[1] if len(call.args) > 1 else None
        labels = call.args[2] if len(call.args) > 2 else next(
            (k.value for k in call.kwargs if k.key == "labels"), None)
        if isinstance(known, nodes.List) and not known.items:
            continue  # messages of the form as a whole only
        if labels is None:
            missing.append(f"{where}: no labels")
            continue
        literal = labels.node if isinstance(labels, nodes.Filter) else labels
        if isinstance(known, nodes.List) and isinstance(literal, nodes.Dict):
            named = {pair.key.value for pair in literal.items}
            unnamed = [i.value for i in known.items if i.value not in named]
            if unnamed:
                missing.append(f"{where}: {unnamed}")
    assert not missing, missing


def test_every_refusal_a_page_raises_names_its_fields():
    """``raise ValidationFailed({"key": …})`` in the pages' code: each key has a word."""
    unnamed = []
    for path in sorted((ROOT / "hub" / "web").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ValidationFailed"
                    and node.args and isinstance(node.args[0], ast.Dict)):
                for key in node.args[0].keys:
                    if isinstance(key, ast.Constant) and not input_label(key.value):
                        unnamed.append(f"{path.name}:{node.lineno} {key.value}")
    assert not unnamed, unnamed


def test_the_summary_names_fields_by_the_pages_label_or_the_halls_word(app):
    macro = app.jinja_env.from_string(
        '{% from "_macros.html" import form_errors %}{{ form_errors(errors, known, labels) }}')
    with app.test_request_context("/"):
        html = macro.render(errors={"content": ["此项为必填项"], "application_id": ["办件不存在"],
                                    "stages.0.tasks": ["部门重复"], "_schema": ["请刷新页面"]},
                            known=["content"], labels={"content": "督办事项"})
    items = [re.sub(r"<[^>]+>", "", li) for li in re.findall(r"<li>(.*?)</li>", html, re.S)]
    assert items == ["办件：办件不存在", "部门重复", "请刷新页面", "督办事项：此项为必填项"]
    assert 'href="#f-content"' in html and "application_id" not in re.sub(r"<[^>]+>", "", html)
    assert validation_detail({"application": ["x"]}) == "以下内容有误：办件"
    assert "stages" not in validation_detail({"stages.0.tasks": ["x"]})


@pytest.fixture
def open_case(app, people, session, client):
    client.application.config["SESSION_COOKIE_SECURE"] = False
    people.department("market", "区市场监督管理局")
    people.service_item(code="licence-change", name="营业执照变更登记", form=[],
                        stages=[{"mode": "all", "tasks": [{"department": "market", "days": 2}]}])
    people.make("clerk", username="clerk-binhe", center="binhe")
    people.approver("market", username="market-approver1")
    people.supervisor(username="supervisor")
    with hub_db.get_database(app).session_scope() as s:
        who = principal_for(s.query(User).filter(User.username == "clerk-binhe").one())
        made = services.submit_application(s, who, {
            "service_item": "licence-change", "center": "binhe", "form": {},
            "applicant": {"name": "王小明", "id_number": with_check_character("21010319850612002"),
                          "phone": "13812345678"}}).application
        s.commit()
        return made.id


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_a_notice_without_a_case_names_the_case_not_a_code(client, open_case):
    sign_in(client, "supervisor")
    response = fresh(client, "GET", "/notices/new")
    page = _text(response.text)
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "以下内容有误：办件" in page and "办件：请从预警清单或办件页面发起督办" in page
    assert "application" not in page


def test_an_empty_notice_names_each_field_in_the_summary(client, open_case):
    sign_in(client, "supervisor")
    path = f"/notices/new?application={open_case}"
    response = post_form(client, path, {"department": "market", "content": "",
                                        "answer_days": ""})
    assert response.status_code == 422
    summary = _text(response.text.split('class="form-errors', 1)[1].split("</div>", 1)[0])
    assert "督办事项：" in summary and "答复期限（工作日）：" in summary
    assert not re.search(r"(?<!：)此项为必填项", summary.replace(" ", ""))


@pytest.mark.browser
@pytest.mark.postgres
def test_the_summary_is_clear_of_the_line_above(browser, open_case, server):
    official = browser.sign_in("supervisor")
    official.goto(f"{server.url}/notices/new?application={open_case}")
    with official.expect_navigation():
        official.click("button >> text=签发督办")
    box = official.locator(".error-summary")
    assert "督办事项：此项为必填项" in box.inner_text()
    assert official.evaluate("document.activeElement.classList.contains('error-summary')")
    gap = official.evaluate("""() => {
        const s = document.querySelector('.error-summary');
        const above = s.previousElementSibling;
        return s.getBoundingClientRect().top - above.getBoundingClientRect().bottom; }""")
    assert gap >= 8, gap  # the box no longer touches 在办部门
    screenshot(official, "notice-new-empty-error-summary-desktop")
