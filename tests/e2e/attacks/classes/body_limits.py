"""Bodies a server must not swallow: over the 1 MiB limit (declared, and chunked without a
length), JSON nested beyond the parser, truncated and not an object; nothing is written."""
from __future__ import annotations

from tests.e2e.attacks.harness import ClassTally, Target

NAME = "body_limits"
TITLE = "请求体：超过 1 MiB（声明长度与分块传输）、嵌套过深、截断、非对象；均不写入"
ORDER = 50


def run(target: Target, tally: ClassTally) -> None:
    clerk, admin = target.person("clerk-binhe"), target.person("admin")
    supervisor = target.person("supervisor")
    count = len(target.get("/api/v1/applications?limit=500", supervisor).json()["items"])
    big = ('{"service_item": "open-restaurant", "center": "binhe", "form": {"shop_name": "'
           + "汉" * 400_000 + '"}}').encode()
    status = target.oversized("POST", "/api/v1/applications",
                              {**clerk.headers, "Content-Type": "application/json"}, big)
    tally.attempt("1 MiB + over the API", status == 413, str(status))
    chunked = b"".join(b"4000\r\n" + b"x" * 16384 + b"\r\n" for _ in range(70)) + b"0\r\n\r\n"
    status = target.oversized("POST", "/api/v1/departments",
                              {**admin.headers, "Content-Type": "application/json",
                               "Transfer-Encoding": "chunked"}, chunked)
    tally.attempt("chunked over the limit", status == 413, str(status))
    for body, what in (("[" * 100_000 + "]" * 100_000, "nested 100,000 deep"),
                       ('{"service_item": "open-restaurant", ', "truncated"),
                       ("[]", "an array"), ('"text"', "a string"), ("null", "null")):
        answer = target.raw("POST", "/api/v1/applications", body, clerk)
        tally.no_server_error(what, answer, lambda r: r.status_code in (400, 413, 422))
    session, token = target.page_session("admin")
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    form = f"csrf_token={token}&code=big&name={'%E6%B1%89' * 400_000}".encode()
    status = target.oversized("POST", "/admin/departments", {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, form)
    tally.attempt("1 MiB + through a page form", status == 413, str(status))
    after = len(target.get("/api/v1/applications?limit=500", supervisor).json()["items"])
    tally.attempt("nothing written", after == count, f"{count} -> {after}")
