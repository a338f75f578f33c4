"""What the attack classes share: the running hub as an outsider reaches it (HTTP on
127.0.0.1, the demo accounts' passwords, nothing of the server's insides), the cases the
hall has made in it, and the tally of attacks tried and held per class.

A class is one module in ``tests/e2e/attacks/classes/`` with ``NAME`` (the key in the
figures and in docs/RELIABILITY.md's table), ``TITLE`` (the table's words), ``ORDER``
(when it runs; the log scan runs last) and ``run(target, tally)``; each attack it makes
goes through ``tally.attempt``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
from flask import Flask

from hub.approvals.forms import with_check_character
from hub.seed import DEMO_PASSWORD

PROBLEM = "application/problem+json"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# The demo accounts the classes act as (a new class adds the ones it needs).
ACCOUNTS = ("admin", "supervisor", "clerk-binhe", "clerk-daxi", "clerk-dongling",
            "clerk-beishichang", "adapter-binhe", "market-approver1", "fire-approver1",
            "planning-approver1", "operator-binhe", "operator-daxi")
PAGE_ACCOUNTS = ("admin", "supervisor", "clerk-binhe", "clerk-daxi", "market-approver1",
                 "planning-approver1")
SURNAMES = ("欧阳", "慕容", "司马", "诸葛", "上官")
GIVEN = ("静怡", "思远", "子涵", "浩然", "雨桐", "嘉懿", "梓萱", "俊熙")
# A field only housing reads, in the case planning sent back (before and after).
HOUSING_ONLY = ("沈阳市仅住建可见建筑有限公司", "辽宁省仅住建可见工程集团")
FORMS: dict[str, dict[str, Any]] = {
    "open-restaurant": {"shop_name": "老边饺子馆", "address": "沈河区中街路 1 号",
                        "area_m2": 120.5, "seats": 40, "cuisine": "热食类",
                        "fume_purifier": True},
    "construction-permit": {"project_name": "中街改造", "site": "沈河区中街",
                            "floor_area_m2": 5400.0, "contractor": "沈阳建工",
                            "start_date": "2027-03-01"},
}


@dataclasses.dataclass
class ClassTally:
    """The attacks of one class: each tried, and held unless it got through."""

    name: str
    tried: int = 0
    held: int = 0
    failures: list[str] = dataclasses.field(default_factory=list)

    def attempt(self, what: str, held: bool, detail: str = "") -> bool:
        self.tried += 1
        if held:
            self.held += 1
        else:
            self.failures.append(f"{what}: {detail}"[:800])
        return held

    def no_server_error(self, what: str, response: requests.Response,
                        expected: Callable[[requests.Response], bool] | None = None) -> bool:
        """Held: answered below 500, as problem+json when refused over the API, and as
        ``expected`` says when given."""
        ok = response.status_code < 500
        if ok and response.status_code >= 400 and response.url and "/api/" in response.url:
            ok = response.headers.get("Content-Type", "").startswith(PROBLEM)
        if ok and expected is not None:
            ok = expected(response)
        return self.attempt(what, ok, f"{response.status_code} {response.text[:300]}")


@dataclasses.dataclass
class Person:
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Target:
    """The hub under attack: its base URL, its demo accounts, what the hall put in it."""

    def __init__(self, base: str, log: Path, app: Flask) -> None:
        self.base = base
        self.log = log
        # The hub's own database, for what no outsider can do but an attack needs ready
        # (a token that has expired); never to look at the answers.
        self.app = app
        self.http = requests.Session()
        # Every citizen's datum the suite sends: the log scan looks for each.
        self.personal: set[str] = set()
        self.cases: dict[str, dict[str, Any]] = {}

    # -- Requests ------------------------------------------------------------------------

    def request(self, method: str, path: str, who: Person | None = None, *,
                headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        merged = {**(who.headers if who else {}), **(headers or {})}
        return self.http.request(method, self.base + path, headers=merged, timeout=60,
                                 allow_redirects=False, **kwargs)

    def get(self, path: str, who: Person | None = None, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, who, **kwargs)

    def post(self, path: str, who: Person | None = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, who, **kwargs)

    def raw(self, method: str, path: str, body: str | bytes, who: Person | None = None,
            content_type: str = "application/json") -> requests.Response:
        data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        return self.request(method, path, who, data=data,
                            headers={"Content-Type": content_type})

    @functools.cached_property
    def spec(self) -> dict[str, Any]:
        return self.get("/openapi.json").json()

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(METHOD, path template, operation) of every documented operation."""
        for path, item in sorted(self.spec["paths"].items()):
            for method, op in sorted(item.items()):
                if method in ("get", "post", "put", "patch", "delete"):
                    yield method.upper(), path, op

    # -- People --------------------------------------------------------------------------

    @functools.cache  # noqa: B019 - one token per account for the whole suite
    def person(self, username: str) -> Person:
        """A demo account signed in over the API with its password (ACCOUNTS are signed in
        before any attack: the sign-in throttle counts the attacks' wrong passwords per
        address, and every attack comes from 127.0.0.1)."""
        response = self.post("/api/v1/auth/token",
                             json={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 200, \
            f"{username} (add it to ACCOUNTS): {response.status_code} {response.text}"
        return Person(username, response.json()["access_token"])

    @functools.cache  # noqa: B019
    def page_session(self, username: str) -> tuple[requests.Session, str]:
        """A browser-like session signed in through the login page, and its form token."""
        session = requests.Session()
        token = _TOKEN.search(session.get(self.base + "/login", timeout=30).text).group(1)
        answer = session.post(self.base + "/login", data={
            "username": username, "password": DEMO_PASSWORD, "csrf_token": token},
            allow_redirects=False, timeout=30)
        assert answer.status_code == 302, f"{username} (add it to ACCOUNTS): {answer.text[:300]}"
        page = session.get(self.base + "/me", timeout=30).text
        return session, _TOKEN.search(page).group(1)

    def oversized(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        """The status a body is refused with, read from the socket: a server refusing a
        body over the limit answers before reading it and closes the connection, which an
        HTTP client still sending reports as a reset instead of the answer."""
        host, port = self.base.removeprefix("http://").split(":")
        length = {} if "Transfer-Encoding" in headers else {"Content-Length": str(len(body))}
        head = "".join(f"{k}: {v}\r\n" for k, v in {
            "Host": host, **length, "Connection": "close", **headers}.items())
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(f"{method} {path} HTTP/1.1\r\n{head}\r\n".encode())
            with contextlib.suppress(OSError):
                for start in range(0, len(body), 65536):
                    sock.sendall(body[start:start + 65536])
            answer = b""
            with contextlib.suppress(OSError):
                while chunk := sock.recv(65536):
                    answer += chunk
        status = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
        return int(status.group(1)) if status else 0

    # -- The hall's work ------------------------------------------------------------------

    def applicant(self, n: int) -> dict[str, str]:
        """The ``n``th citizen: unique name, ID number and phone, remembered for the log scan."""
        person = {"name": SURNAMES[n % len(SURNAMES)] + GIVEN[n // len(SURNAMES) % len(GIVEN)],
                  "id_number": with_check_character(
                      f"2101031985{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"),
                  "phone": f"139{n:08d}"}
        self.personal.update(person.values())
        return person

    def submit(self, clerk: str, n: int, item: str = "open-restaurant",
               **form: Any) -> dict[str, Any]:
        """A case accepted at ``clerk``'s window, as the window's own client sends it."""
        response = self.post("/api/v1/applications", self.person(clerk), json={
            "service_item": item, "center": clerk.removeprefix("clerk-"),
            "applicant": self.applicant(n), "form": {**FORMS[item], **form}})
        assert response.status_code == 201, response.text
        return response.json()

    def decide(self, case: dict[str, Any], department: str, decision: str,
               comment: str | None = None, who: str | None = None) -> requests.Response:
        task = self.task(case, department)
        return self.post(f"/api/v1/tasks/{task['id']}/decision",
                         self.person(who or f"{department}-approver1"),
                         json={"decision": decision, "comment": comment,
                               "version": task["version"]})

    def task(self, case: dict[str, Any], department: str) -> dict[str, Any]:
        fresh = self.get(f"/api/v1/applications/{case['id']}", self.person("supervisor")).json()
        return next(t for t in fresh["tasks"] if t["department"] == department)

    def stage(self) -> None:
        """What an outsider finds in a working hub: cases at two centers, and one sent back
        by planning for a supplement and resubmitted (its history carries both forms,
        with a field only housing reads). The accounts the attacks use sign in first."""
        for username in ACCOUNTS:
            self.person(username)
        for username in PAGE_ACCOUNTS:
            self.page_session(username)
        self.cases["binhe"] = self.submit("clerk-binhe", 1)
        self.cases["daxi"] = self.submit("clerk-daxi", 2)
        back = self.submit("clerk-binhe", 3, "construction-permit", contractor=HOUSING_ONLY[0])
        asked = self.decide(back, "planning", "request_supplement", "请补充施工图审查合格书")
        assert asked.status_code == 200, asked.text
        again = self.post(f"/api/v1/applications/{back['id']}/resubmit",
                          self.person("clerk-binhe"),
                          json={"form": {**back["form"], "contractor": HOUSING_ONLY[1],
                                         "project_name": "中街改造二期"}})
        assert again.status_code == 200, again.text
        self.cases["resubmitted"] = again.json()
