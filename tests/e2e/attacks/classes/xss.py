"""Script injection into the pages: stored in a case's fields and shown to the window and
the departments; reflected through query strings and the sign-in form; and the pages'
Content-Security-Policy that would stop an inline script anyway."""
from __future__ import annotations

import re
from urllib.parse import quote

from tests.e2e.attacks.harness import ClassTally, Target

NAME = "xss"
TITLE = "跨站脚本：存储型（办件字段显示给窗口与审批人）、反射型（查询串、登录表单）与页面 CSP"
ORDER = 20
PAYLOADS = ['<script>alert("xss")</script>', '"><img src=x onerror=alert(1)>',
            "<svg/onload=alert(1)>", "javascript:alert(1)//"]


def run(target: Target, tally: ClassTally) -> None:
    case = target.submit("clerk-binhe", 10, shop_name=PAYLOADS[0], address=PAYLOADS[1])
    task = target.task(case, "market")
    pages = [("clerk-binhe", f"/cases/{case['id']}"), ("clerk-binhe", "/cases"),
             ("market-approver1", f"/tasks/{task['id']}"), ("market-approver1", "/queue")]
    for username, path in pages:
        session, _token = target.page_session(username)
        page = session.get(target.base + path, timeout=30)
        raw = injected(page.text)
        tally.attempt(f"stored payload on {path} as {username}",
                      page.status_code == 200 and not raw, f"{page.status_code} {raw}")
        policy = page.headers.get("Content-Security-Policy", "")
        tally.attempt(f"no inline script allowed on {path}",
                      "script-src 'self'" in policy and "unsafe-inline" not in policy, policy)
    session, token = target.page_session("supervisor")
    for payload in PAYLOADS:
        for path in (f"/dashboard?from={quote(payload)}", f"/login?next={quote(payload)}"):
            page = session.get(target.base + path, timeout=30)
            tally.attempt(f"reflected {path}", page.status_code < 500 and not injected(page.text),
                          str(page.status_code))
    anonymous = target.get("/login")
    for payload in PAYLOADS:
        form_token = anonymous.text.split('name="csrf_token" value="')[1].split('"')[0]
        page = target.http.post(target.base + "/login", timeout=30, data={
            "username": payload, "password": "x", "csrf_token": form_token})
        tally.attempt(f"reflected sign-in name {payload}",
                      page.status_code < 500 and not injected(page.text), str(page.status_code))


def injected(html: str) -> list[str]:
    """Markup of a payload that reached a page unescaped: a tag, an event handler in one
    of ours, or a javascript: link."""
    return [p for p in PAYLOADS[:3] if p in html] + re.findall(
        r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", html, re.I)
