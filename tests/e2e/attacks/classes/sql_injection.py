"""SQL injection: classic payloads in every query-string parameter of every operation, in
the path parameters and in the strings of the bodies a clerk and an administrator send;
afterwards the cases are all there and the audit trail intact."""
from __future__ import annotations

from urllib.parse import quote

from tests.e2e.attacks.harness import ClassTally, Target

NAME = "sql_injection"
TITLE = "SQL 注入：每个接口的查询参数、路径参数与请求体字符串"
ORDER = 40
PAYLOADS = ["' OR '1'='1", "'; DROP TABLE applications; --", "1 UNION SELECT applicant_id_encrypted FROM applications--",
            "binhe' --", "%' AND 1=1 AND '%'='"]


def run(target: Target, tally: ClassTally) -> None:
    supervisor, admin = target.person("supervisor"), target.person("admin")
    clerk = target.person("clerk-binhe")
    before = target.get("/api/v1/applications?limit=500", supervisor).json()["items"]
    for method, path, op in target.operations():
        queries = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
        for name in queries:
            for payload in PAYLOADS:
                answer = target.request(method, f"{path}?{name}={quote(payload)}", admin
                                        if "users" in path or "sync" in path else supervisor)
                tally.no_server_error(f"{method} {path} ?{name}={payload}", answer,
                                      lambda r: len(r.content) < 2_000_000)
    for payload in PAYLOADS:
        for path, who in ((f"/api/v1/applications/{quote(payload, safe='')}", supervisor),
                          (f"/api/v1/users/{quote(payload, safe='')}", admin),
                          (f"/api/v1/service-items/{quote(payload, safe='')}", admin)):
            tally.no_server_error(f"GET {path}", target.get(path, who),
                                  lambda r: r.status_code == 404)
        answer = target.post("/api/v1/applications", clerk, json={
            "service_item": payload, "center": "binhe", "applicant": target.applicant(20),
            "form": {"shop_name": payload}})
        tally.no_server_error(f"submission with {payload}", answer,
                              lambda r: r.status_code == 422)
        answer = target.post("/api/v1/auth/token", json={"username": payload, "password": payload})
        # 429 once the address has failed too often: refused all the same.
        tally.no_server_error(f"sign-in with {payload}", answer,
                              lambda r: r.status_code in (401, 429))
    after = target.get("/api/v1/applications?limit=500", supervisor).json()["items"]
    tally.attempt("every case still there", {c["id"] for c in before} <= {c["id"] for c in after})
