"""Input no client may turn into a 500 (issue 20, item 5): a lone surrogate in any JSON
string (the sign-in too), NaN and a 5,000-digit integer, crafted cursors on every list,
dates past the calendar on every period, a calendar year in other digits."""
from __future__ import annotations

import base64
import json
from urllib.parse import quote

from tests.e2e.attacks.classes.authorisation import fill
from tests.e2e.attacks.harness import ClassTally, Target

NAME = "client_input"
TITLE = "畸形输入：JSON 中的孤立代理项、NaN、5000 位整数；伪造的分页游标；超出日历的日期；非 ASCII 数字的年份"
ORDER = 80
BODIES = ['{"name": "\\ud800", "code": "x", "username": "\\udfff"}', '{"version": NaN}',
          '{"version": %s}' % ("9" * 5000), '{"a": 1e999}']


def _cursor(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


CURSORS = [_cursor([10 ** 40, "x"]), _cursor(["\ud800", "x"]),
           _cursor(["0001-01-01T00:00:00+00:00", "00000000-0000-0000-0000-000000000000"]),
           _cursor(["2026-11-30T09:00:00", "00000000-0000-0000-0000-000000000000"]), "\ud800"]


def run(target: Target, tally: ClassTally) -> None:
    admin, supervisor = target.person("admin"), target.person("supervisor")
    listers = [target.person(u) for u in ("admin", "supervisor", "clerk-binhe",
                                          "market-approver1")]
    values = {"application_id": target.cases["binhe"]["id"],
              "task_id": target.task(target.cases["binhe"], "market")["id"],
              "code": "open-restaurant", "username": "clerk-binhe", "center": "binhe",
              "year": "2026"}
    for method, path, op in target.operations():
        if "requestBody" in op:
            for body in BODIES:
                who = None if path == "/api/v1/auth/token" else admin
                answer = target.raw(method, fill(path, values), body, who)
                tally.no_server_error(f"{method} {path} {body[:30]}", answer,
                                      lambda r: r.status_code == 400)
        names = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        if method == "GET" and "cursor" in names and "{" not in path:
            lister = next(p for p in listers if target.get(path, p).status_code == 200)
            for cursor in CURSORS:
                encoded = quote(cursor.encode("utf-8", "surrogatepass"), safe="")
                answer = target.get(f"{path}?cursor={encoded}", lister)
                tally.no_server_error(f"{path} forged cursor", answer,
                                      lambda r: r.status_code == 422)
        if method == "GET" and {"from", "to"} <= names:
            for query in ("from=9999-12-31", "to=9999-12-31", "from=0001-01-01"):
                answer = target.get(f"{path}?{query}", supervisor)
                tally.no_server_error(f"{path}?{query}", answer, lambda r: r.status_code == 422)
    for year in ("202²", "٢٠٢٦", "2100", "9" * 5000):
        answer = target.get(f"/api/v1/calendar/{quote(year)}", supervisor)
        # 414: gunicorn refuses the 5,000-digit request line itself.
        tally.attempt(f"calendar year {year[:8]}", answer.status_code in (404, 414, 422),
                      str(answer.status_code))
