"""One form, each department its part (issue 20, item 3): an approver of the department
that sent a case back for a supplement reads every API and page route of it, and never
sees the answer of a field only another department reads, before or after the
resubmission (the case's history once carried both)."""
from __future__ import annotations

from tests.e2e.attacks.classes.authorisation import fill
from tests.e2e.attacks.harness import HOUSING_ONLY, ClassTally, Target

NAME = "field_visibility"
TITLE = "字段可见性：审批人经每个接口与页面（含办件历史）读取其他部门字段"
ORDER = 110
PAGES = ("/cases/{application_id}", "/tasks/{task_id}", "/queue", "/me")


def run(target: Target, tally: ClassTally) -> None:
    case = target.cases["resubmitted"]
    planning = target.person("planning-approver1")
    values = {"application_id": case["id"], "task_id": target.task(case, "planning")["id"],
              "code": "construction-permit", "username": "planning-approver1",
              "center": "binhe", "year": "2026"}
    for method, path, _op in target.operations():
        if method != "GET":
            continue
        answer = target.get(fill(path, values), planning)
        seen = [v for v in HOUSING_ONLY if v in answer.text]
        tally.attempt(f"GET {path}", answer.status_code < 500 and not seen,
                      f"{answer.status_code} {seen}")
    detail = target.get(f"/api/v1/applications/{case['id']}", planning).json()
    history = [h for h in detail.get("history", []) if h["action"] == "application.resubmitted"]
    tally.attempt("the history shows planning its own fields' change", bool(history) and
                  history[0]["after"].get("form_after") == {"project_name": "中街改造二期"})
    session, _token = target.page_session("planning-approver1")
    for path in PAGES:
        page = session.get(target.base + fill(path, values), timeout=30)
        seen = [v for v in HOUSING_ONLY if v in page.text]
        tally.attempt(f"page {path}", page.status_code < 500 and not seen,
                      f"{page.status_code} {seen}")
