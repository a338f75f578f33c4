"""Authorisation across the sixteen centers, the departments and the roles: every
operation without a token; a clerk, an approver, a supervisor and an adapter account
reaching for what is not theirs."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from tests.e2e.attacks.harness import ClassTally, Target

NAME = "authorisation"
TITLE = "越权：无令牌访问每个接口；窗口、审批人、监察、适配器、话务员账号越中心、越部门、越角色"
ORDER = 10
PUBLIC = {("POST", "/api/v1/auth/token"), ("GET", "/openapi.json"), ("GET", "/healthz"),
          ("GET", "/readyz"), ("GET", "/metrics")}


def fill(path: str, values: dict[str, str], parameters: Sequence[dict[str, Any]] = ()) -> str:
    """The path with the staged values; a parameter none is staged for gets a well-formed
    id of nothing (the route must still be reached: a malformed id is refused by routing
    before anyone is asked who they are, which would prove nothing)."""
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    for parameter in parameters:
        if parameter.get("in") == "path" and "{" + parameter["name"] + "}" in path:
            schema = parameter.get("schema", {})
            absent = (str(uuid.UUID(int=1)) if schema.get("format") == "uuid"
                      else "1" if schema.get("type") == "integer" else "absent-1")
            path = path.replace("{" + parameter["name"] + "}", absent)
    return path


def run(target: Target, tally: ClassTally) -> None:
    binhe, daxi = target.cases["binhe"], target.cases["daxi"]
    market_task = target.task(binhe, "market")
    values = {"application_id": binhe["id"], "task_id": market_task["id"],
              "code": "open-restaurant", "username": "clerk-binhe", "center": "binhe",
              "year": "2026"}
    for method, path, op in target.operations():
        if (method, path) in PUBLIC:
            continue
        parameters = [*target.spec["paths"][path].get("parameters", []),
                      *op.get("parameters", [])]
        answer = target.request(method, fill(path, values, parameters), json={})
        if op.get("security") == []:
            # Documented as the citizens' (no token): asked empty-handed, it answers as it
            # would anyone, never a 401, never a server error.
            tally.no_server_error(f"anonymous {method} {path} (public)", answer,
                                  lambda r: r.status_code != 401)
            continue
        tally.no_server_error(f"anonymous {method} {path}", answer,
                              lambda r: r.status_code == 401)

    clerk, approver = target.person("clerk-binhe"), target.person("fire-approver1")
    supervisor, adapter = target.person("supervisor"), target.person("adapter-binhe")
    attempts: list[tuple[str, Any, str, str, dict[str, Any] | None]] = [
        ("clerk reads another center's case", clerk, "GET", f"/api/v1/applications/{daxi['id']}", None),
        ("clerk unmasks another center's applicant", clerk, "GET",
         f"/api/v1/applications/{daxi['id']}/applicant", None),
        ("clerk lists another center", clerk, "GET", "/api/v1/applications?center=daxi", None),
        ("clerk submits for another center", clerk, "POST", "/api/v1/applications",
         {"service_item": "open-restaurant", "center": "daxi",
          "applicant": target.applicant(90), "form": {}}),
        ("clerk withdraws another center's case", clerk, "POST",
         f"/api/v1/applications/{daxi['id']}/withdraw", {"reason": "越权撤回"}),
        ("clerk decides a task", clerk, "POST", f"/api/v1/tasks/{market_task['id']}/decision",
         {"decision": "approve", "version": market_task["version"]}),
        ("clerk creates a department", clerk, "POST", "/api/v1/departments",
         {"code": "rogue", "name": "冒充部门"}),
        ("clerk creates an administrator", clerk, "POST", "/api/v1/users",
         {"username": "rogue.admin", "display_name": "冒充", "center": "binhe",
          "roles": ["admin"], "password": "a long enough password"}),
        ("clerk reads the directory", clerk, "GET", "/api/v1/users", None),
        ("clerk reads the audit trail", clerk, "GET", "/api/v1/audit", None),
        ("clerk reads the supervision figures", clerk, "GET", "/api/v1/supervision/centers", None),
        ("clerk publishes a calendar", clerk, "PUT", "/api/v1/calendar/2027",
         {"holidays": ["2027-01-01"]}),
        ("clerk starts a sync", clerk, "POST", "/api/v1/sync/binhe/runs", {}),
        ("approver reads a case without a task of theirs", approver, "GET",
         f"/api/v1/applications/{binhe['id']}", None),
        ("approver decides another department's task", approver, "POST",
         f"/api/v1/tasks/{market_task['id']}/decision",
         {"decision": "approve", "version": market_task["version"]}),
        ("approver reads another department's queue", approver, "GET",
         "/api/v1/tasks?department=market", None),
        ("approver unmasks an applicant", target.person("market-approver1"), "GET",
         f"/api/v1/applications/{binhe['id']}/applicant", None),
        ("supervisor writes a department", supervisor, "POST", "/api/v1/departments",
         {"code": "rogue2", "name": "冒充部门"}),
        ("supervisor decides a task", supervisor, "POST",
         f"/api/v1/tasks/{market_task['id']}/decision",
         {"decision": "approve", "version": market_task["version"]}),
        ("adapter reads cases", adapter, "GET", "/api/v1/applications", None),
        ("adapter changes a user", adapter, "PATCH", "/api/v1/users/clerk-daxi",
         {"roles": ["admin"]}),
    ]
    # The hotline's operators (the role the call center brought): one center's operator
    # reaching for another center's ticket and caller, and for what no operator does.
    ticket = target.post("/api/v1/tickets", target.person("operator-daxi"), json={
        "kind": "complaint", "channel": "hotline", "center": "daxi", "subject": "窗口态度",
        "content": "大西街道窗口人员态度生硬", "caller": {"name": "钱七", "phone": "13987654321"}},
        headers={"Idempotency-Key": "attack-daxi-ticket"})
    assert ticket.status_code == 201, ticket.text
    ticket = ticket.json()
    operator = target.person("operator-binhe")
    attempts += [
        ("operator reads another center's ticket", operator, "GET",
         f"/api/v1/tickets/{ticket['id']}", None),
        ("operator unmasks another center's caller", operator, "GET",
         f"/api/v1/tickets/{ticket['id']}/caller", None),
        ("operator replies to another center's ticket", operator, "POST",
         f"/api/v1/tickets/{ticket['id']}/reply", {"content": "越权答复", "version": 1}),
        ("operator closes another center's ticket", operator, "POST",
         f"/api/v1/tickets/{ticket['id']}/close", {"outcome": "satisfied", "version": 1}),
        ("operator transfers another center's ticket to themself", operator, "POST",
         f"/api/v1/tickets/{ticket['id']}/transfer",
         {"to_user": "operator-binhe", "reason": "越权转办", "version": 1}),
        ("operator lists another center's tickets", operator, "GET",
         "/api/v1/tickets?center=daxi", None),
        ("operator decides a task", operator, "POST",
         f"/api/v1/tasks/{market_task['id']}/decision",
         {"decision": "approve", "version": market_task["version"]}),
        ("operator unmasks an applicant", operator, "GET",
         f"/api/v1/applications/{daxi['id']}/applicant", None),
        ("operator changes the answer policy", operator, "PUT", "/api/v1/tickets/policy",
         {"consultation": 1, "complaint": 1, "suggestion": 1, "rectification": 1}),
        ("operator creates an administrator", operator, "POST", "/api/v1/users",
         {"username": "rogue.admin2", "display_name": "冒充", "center": "binhe",
          "roles": ["admin"], "password": "a long enough password"}),
        ("operator reads the audit trail", operator, "GET", "/api/v1/audit", None),
    ]
    for what, who, method, path, body in attempts:
        answer = target.request(method, path, who, json=body)
        tally.no_server_error(what, answer, lambda r: r.status_code in (403, 404)
                              and daxi["number"] not in r.text
                              and ticket["number"] not in r.text)
    kept = target.get(f"/api/v1/tickets/{ticket['id']}", target.person("operator-daxi")).json()
    tally.attempt("another center's ticket unchanged",
                  (kept["status"], kept["owner"], kept["version"])
                  == (ticket["status"], "operator-daxi", ticket["version"]))
    # Nothing of it happened.
    case = target.get(f"/api/v1/applications/{daxi['id']}", supervisor).json()
    tally.attempt("another center's case unchanged", case["status"] == "in_review")
