"""Cross-site request forgery against the pages: every state-changing form posted without
its token, with another session's token, with a forged one and from another origin;
and the page session is no credential for the API."""
from __future__ import annotations

from tests.e2e.attacks.harness import ClassTally, Target

NAME = "csrf"
TITLE = "跨站请求伪造：页面表单缺令牌、借用他人会话令牌、伪造令牌、跨源提交；页面会话不能调用 API"
ORDER = 30


def run(target: Target, tally: ClassTally) -> None:
    case = target.submit("clerk-binhe", 11)
    task = target.task(case, "market")
    clerk, clerk_token = target.page_session("clerk-binhe")
    approver, approver_token = target.page_session("market-approver1")
    admin, _admin_token = target.page_session("admin")
    _other, other_token = target.page_session("clerk-daxi")
    forms = [
        (clerk, f"/cases/{case['id']}/withdraw", {"reason": "伪造的撤回"}),
        (clerk, "/cases/new/open-restaurant", {"applicant.name": "伪造"}),
        (clerk, f"/cases/{case['id']}/applicant", {}),
        (approver, f"/tasks/{task['id']}/decision",
         {"decision": "approve", "version": str(task["version"])}),
        (admin, "/admin/departments", {"code": "forged", "name": "伪造部门"}),
        (clerk, "/logout", {}),
    ]
    for session, path, data in forms:
        for how, token, headers in (
                ("no token", None, {}), ("another session's token", other_token, {}),
                ("a forged token", "ImZvcmdlZCI.forged.token", {}),
                ("from another origin", None, {"Origin": "https://evil.example",
                                               "Referer": "https://evil.example/x"})):
            body = dict(data) if token is None else {**data, "csrf_token": token}
            answer = session.post(target.base + path, data=body, headers=headers,
                                  allow_redirects=False, timeout=30)
            tally.attempt(f"{path} with {how}", answer.status_code == 400,
                          str(answer.status_code))
    supervisor = target.person("supervisor")
    fresh = target.get(f"/api/v1/applications/{case['id']}", supervisor).json()
    tally.attempt("the case neither withdrawn nor decided", fresh["status"] == "in_review"
                  and target.task(case, "market")["status"] == "pending")
    tally.attempt("no forged department", target.get("/api/v1/departments?limit=500", supervisor)
                  .json()["items"] and all(d["code"] != "forged" for d in target.get(
                      "/api/v1/departments?limit=500", supervisor).json()["items"]))
    answer = clerk.get(target.base + "/api/v1/me", timeout=30)
    tally.attempt("a page session calling the API", answer.status_code == 401,
                  str(answer.status_code))
    del clerk_token, approver_token
