"""People by their names, not their login codes (issue 21, item 11): the one ``person``
filter (hub/web/display.py) names a member of staff by display name and a system actor
(beat:…, calendar:…, adapter:…) in words, reading the directory once per page; every
template that shows who did something goes through it (checked over all templates, so a
new page is covered without a test of its own)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from jinja2 import nodes

from hub import db as hub_db
from hub.approvals import services
from hub.approvals.forms import with_check_character
from hub.audit import services as audit
from hub.directory.auth import principal_for
from hub.directory.models import User
from hub.permissions import Principal
from hub.web.display import person, system_actor
from tests.e2e.web.pages import backend, fresh, sign_in  # noqa: F401

TEMPLATES = Path(__file__).resolve().parents[3] / "hub" / "web" / "templates"
# Attributes of the pages' rows that hold a login name (or a system actor's).
PERSON_ATTRIBUTES = {"actor", "owner", "decided_by", "issued_by", "answered_by", "marked_by",
                     "resolved_by", "assignee", "requested_by", "to_user", "appealed_by",
                     "created_by"}


def _shown_unnamed(expr: nodes.Node, found: list[nodes.Getattr]) -> None:
    """Login-name attributes an output expression prints without ``|person``: the
    expression itself, a filter's input (other than person's), either branch of a
    condition, either side of ``or``/``and``, the parts of ``~``."""
    if isinstance(expr, nodes.Getattr) and expr.attr in PERSON_ATTRIBUTES:
        found.append(expr)
    elif isinstance(expr, nodes.Filter):
        if expr.name != "person" and expr.node is not None:
            _shown_unnamed(expr.node, found)
    elif isinstance(expr, nodes.CondExpr):
        _shown_unnamed(expr.expr1, found)
        if expr.expr2 is not None:
            _shown_unnamed(expr.expr2, found)
    elif isinstance(expr, (nodes.Or, nodes.And)):
        _shown_unnamed(expr.left, found)
        _shown_unnamed(expr.right, found)
    elif isinstance(expr, nodes.Concat):
        for part in expr.nodes:
            _shown_unnamed(part, found)


def test_every_template_shows_who_through_the_person_filter(app):
    offending = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        tree = app.jinja_env.parse(path.read_text(encoding="utf-8"))
        for output in tree.find_all(nodes.Output):
            for expr in output.nodes:
                found: list[nodes.Getattr] = []
                _shown_unnamed(expr, found)
                offending += [f"{path.relative_to(TEMPLATES)}:{g.lineno} {g.attr}" for g in found]
    assert not offending, "shown as a login code, not through |person: " + ", ".join(offending)


def test_the_person_filter_names_staff_and_describes_the_system(app, people, session):
    people.make("clerk", username="clerk-binhe", center="binhe")
    session.execute(sa.update(User).where(User.username == "clerk-binhe")
                    .values(display_name="王芳"))
    with app.test_request_context("/"):
        assert person("clerk-binhe") == "王芳"
        assert person("clerk-binhe", with_login=True) == "王芳（clerk-binhe）"
        assert person("beat:warnings") == "系统（预警扫描）"
        assert person("calendar:recompute").startswith("系统（")
        assert person("adapter:binhe") == "系统（滨河街道政务服务中心业务系统接口）"
        assert person("celery:schedule") == "系统（夜间定时同步）"
        assert person("sync:whatever") == "系统（数据同步）"
        assert person("anonymous") == "未登录用户"
        assert person(None) == person("") == "—"
        assert person("gone-user") == "gone-user"  # not in the directory: the record's word
        assert system_actor("clerk-binhe") is None
        rendered = app.jinja_env.from_string(
            "{{ 'clerk-binhe'|person }} · {{ 'beat:warnings'|person }}").render()
        assert rendered == "王芳 · 系统（预警扫描）"


def test_a_page_reads_the_directory_once_whatever_it_names(app, people):
    for n in range(12):
        people.make("clerk", username=f"clerk-{n}", center="binhe")
    statements: list[str] = []
    engine = hub_db.get_database(app).engine

    def seen(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        with app.test_request_context("/"):
            page = app.jinja_env.from_string(
                "{% for n in range(12) %}{{ ('clerk-' ~ n)|person }};{% endfor %}"
                "{{ 'beat:warnings'|person }}").render()
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert page.count("测试用户clerk-") == 12 and ";clerk-1;" not in page
    assert len([s for s in statements if re.search(r"\bFROM users\b", s)]) == 1


@pytest.fixture
def case_with_history(app, people, session, client):
    client.application.config["SESSION_COOKIE_SECURE"] = False
    people.service_item(code="licence-change", name="营业执照变更登记", form=[],
                        stages=[{"mode": "all", "tasks": [{"department": "market", "days": 2}]}])
    people.make("clerk", username="clerk-binhe", center="binhe")
    people.supervisor(username="supervisor")
    session.execute(sa.update(User).where(User.username == "clerk-binhe")
                    .values(display_name="王芳"))
    with hub_db.get_database(app).session_scope() as s:
        who = principal_for(s.query(User).filter_by(username="clerk-binhe").one())
        made = services.submit_application(s, who, {
            "service_item": "licence-change", "center": "binhe", "form": {},
            "applicant": {"name": "王小明", "id_number": with_check_character("21010319850612002"),
                          "phone": "13812345678"}}).application
        audit.record(s, Principal.system("beat:warnings"), "warning.yellow",
                     target_type="application", target_id=made.id, center="binhe",
                     after={"level": "yellow"})
        s.commit()
        return made.id


def test_a_case_history_names_the_clerk_and_the_system(client, case_with_history):
    sign_in(client, "supervisor")
    page = fresh(client, "GET", f"/cases/{case_with_history}").text
    history = re.sub(r"<[^>]+>", " ", page.split("办理记录", 1)[1])
    assert "窗口受理" in history and "王芳" in history
    assert "系统（预警扫描）" in history
    assert "clerk-binhe" not in history and "beat:warnings" not in history
