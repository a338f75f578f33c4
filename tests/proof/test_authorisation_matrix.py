"""Every endpoint × every role × own and other center / department, from ONE table.

The endpoints are read from the application's url_map: a route without a row here
fails the test, and so does a row whose route is gone. Each row says which actors may
act; every other actor must be refused (403, or 404 where existence must not leak),
and an anonymous caller must be sent to sign in (401 on the API, the login page on the
pages). Each row works on a fresh case of binhe whose market step is open, so
"own" is binhe's clerk and adapter, market's approver and chief; "other" is daxi's and
food's. An actor acting on another center's or department's case never sees it: its
id and number appear in no response it gets."""
from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from hub import clock
from hub.sync.models import QuarantinedRecord, SyncRun
from tests.conftest import autocommit_session
from tests.e2e.approvals.conftest import FORM, ID_NUMBER, PHONE
from tests.factories import PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]

OWN = ("clerk", "approver", "chief", "adapter")
OTHER = ("clerk@other", "approver@other", "chief@other", "adapter@other")
# The other center's and department's actors go first: a row's own actors may move the
# case on (e.g. open the food department's step), after which "other" would be involved.
ACTORS = (*OTHER, "supervisor", "admin", *OWN)
EVERYONE = frozenset(ACTORS)
STAFF = frozenset({"clerk", "clerk@other", "approver", "approver@other", "chief", "chief@other",
                   "supervisor"})
OFFICIALS = frozenset({"supervisor", "admin"})
ADMIN = frozenset({"admin"})
PUBLIC = None  # no sign-in at all


@dataclasses.dataclass(frozen=True)
class Row:
    allowed: frozenset[str] | None
    body: Callable[["Case"], dict[str, Any]] = lambda case: {}
    query: str = ""
    signs_out: bool = False  # success ends the caller's token (a page: back to the login page)


@dataclasses.dataclass
class Case:
    id: str
    number: str
    task_id: str
    approver: str  # a market approver the chief may assign to
    clerk: str  # binhe's clerk, whose password the sign-in rows use
    notice_id: str = ""  # an open supervision notice on it, to market
    run_id: int = 0  # binhe's latest applications run, failed
    record_id: int = 0  # an open quarantined record of binhe


def submission(case: Case) -> dict[str, Any]:
    return {"json": {"service_item": "open-restaurant", "center": "binhe",
                     "applicant": {"name": "李四", "id_number": ID_NUMBER, "phone": PHONE},
                     "form": dict(FORM)}}


def item(case: Case) -> dict[str, Any]:
    from tests.factories import service_item_definition

    return {"json": service_item_definition(code=f"item-{uuid.uuid4().hex[:8]}")}


API = {
    ("GET", "/api/v1/applications"): Row(frozenset({"clerk", "clerk@other", "supervisor"})),
    ("POST", "/api/v1/applications"): Row(frozenset({"clerk"}), submission),
    ("GET", "/api/v1/applications/<string:application_id>"):
        Row(frozenset({"clerk", "approver", "chief", "supervisor"})),
    ("GET", "/api/v1/applications/<string:application_id>/applicant"):
        Row(frozenset({"clerk", "supervisor"})),
    ("POST", "/api/v1/applications/<string:application_id>/resubmit"):
        Row(frozenset({"clerk"}), lambda c: {"json": {"form": dict(FORM)}}),
    ("POST", "/api/v1/applications/<string:application_id>/withdraw"):
        Row(frozenset({"clerk"}), lambda c: {"json": {"reason": "申请人撤回"}}),
    ("GET", "/api/v1/audit"): Row(OFFICIALS),
    ("POST", "/api/v1/auth/token"):
        Row(PUBLIC, lambda c: {"json": {"username": c.clerk, "password": PASSWORD}}),
    # Signing out of the API ends the caller's token: with the pages' sign-out, last.
    ("DELETE", "/api/v1/auth/token"): Row(EVERYONE, signs_out=True),
    ("GET", "/api/v1/calendar/<string:year>"): Row(EVERYONE),
    ("PUT", "/api/v1/calendar/<string:year>"):
        Row(ADMIN, lambda c: {"json": {"holidays": ["2026-01-01"], "workdays": []}}),
    ("GET", "/api/v1/centers"): Row(EVERYONE),
    ("GET", "/api/v1/departments"): Row(EVERYONE),
    ("POST", "/api/v1/departments"):
        Row(ADMIN, lambda c: {"json": {"code": f"d{uuid.uuid4().hex[:8]}", "name": "测试局"}}),
    ("GET", "/api/v1/me"): Row(EVERYONE),
    # A wrong current password: allowed callers get 422 and nothing changes (a change would
    # end the callers' page sessions).
    ("POST", "/api/v1/me/password"):
        Row(EVERYONE, lambda c: {"json": {"current_password": "not the password",
                                          "new_password": "a new passphrase of mine"}}),
    ("GET", "/api/v1/notifications"): Row(STAFF),
    ("GET", "/api/v1/service-items"): Row(EVERYONE),
    ("POST", "/api/v1/service-items"): Row(ADMIN, item),
    ("GET", "/api/v1/service-items/<string:code>"): Row(EVERYONE),
    ("PUT", "/api/v1/service-items/<string:code>"):
        Row(ADMIN, lambda c: {"json": {**item(c)["json"], "code": "open-restaurant"}}),
    ("GET", "/api/v1/supervision/centers"): Row(OFFICIALS),
    ("GET", "/api/v1/supervision/departments"): Row(OFFICIALS),
    ("GET", "/api/v1/supervision/ranking"): Row(OFFICIALS),
    ("GET", "/api/v1/supervision/report"): Row(OFFICIALS, query="?year=2026"),
    ("GET", "/api/v1/supervision/notices"): Row(STAFF | OFFICIALS),
    ("POST", "/api/v1/supervision/notices"):
        Row(frozenset({"supervisor"}),
            lambda c: {"json": {"application_id": c.id, "content": "请说明",
                                "department": "market"}}),
    ("GET", "/api/v1/supervision/notices/<uuid:notice_id>"):
        Row(frozenset({"clerk", "approver", "chief", "supervisor", "admin"})),
    ("POST", "/api/v1/supervision/notices/<uuid:notice_id>/answer"):
        Row(frozenset({"approver", "chief"}),
            lambda c: {"json": {"answer": "已说明", "version": 1}}),
    ("GET", "/api/v1/supervision/unattended"): Row(OFFICIALS),
    ("GET", "/api/v1/sync/freshness"): Row(OFFICIALS),
    ("POST", "/api/v1/sync/runs/<id:run_id>/retry"): Row(ADMIN),
    ("POST", "/api/v1/sync/quarantine/<id:record_id>/resolve"):
        Row(ADMIN, lambda c: {"json": {"note": "复核：中心已更正"}}),
    ("POST", "/api/v1/sync/<string:center>/runs"):
        Row(ADMIN, lambda c: {"json": {"stream": "staff"}}),
    ("GET", "/api/v1/sync/quarantine"): Row(OFFICIALS),
    ("GET", "/api/v1/sync/runs"): Row(OFFICIALS),
    ("GET", "/api/v1/tasks"): Row(frozenset({"approver", "approver@other", "chief",
                                             "chief@other", "supervisor"})),
    ("POST", "/api/v1/tasks/<string:task_id>/assign"):
        Row(frozenset({"chief"}), lambda c: {"json": {"assignee": c.approver}}),
    ("POST", "/api/v1/tasks/<string:task_id>/decision"):
        Row(frozenset({"approver", "chief"}),
            lambda c: {"json": {"decision": "approve", "version": 1}}),
    ("GET", "/api/v1/sign-in/locks"): Row(OFFICIALS),
    # Lifting an account that is not locked is no error: 204, nothing written.
    ("DELETE", "/api/v1/sign-in/locks/<string:username>"): Row(ADMIN),
    ("GET", "/api/v1/users"): Row(OFFICIALS),
    ("POST", "/api/v1/users"):
        Row(ADMIN, lambda c: {"json": {"username": f"u{uuid.uuid4().hex[:8]}",
                                       "display_name": "新同事", "center": "binhe",
                                       "roles": ["clerk"], "password": "long enough pw"}}),
    ("GET", "/api/v1/users/<string:username>"): Row(OFFICIALS),
    ("PATCH", "/api/v1/users/<string:username>"):
        Row(ADMIN, lambda c: {"json": {"display_name": "改过的名字"}}),
}

OPERATIONS = {
    ("GET", "/healthz"): Row(PUBLIC), ("GET", "/readyz"): Row(PUBLIC),
    ("GET", "/metrics"): Row(PUBLIC), ("GET", "/openapi.json"): Row(PUBLIC),
    ("GET", "/static/<path:filename>"): Row(PUBLIC),
    ("GET", "/login"): Row(PUBLIC),
    ("POST", "/login"): Row(PUBLIC, lambda c: {"data": {"username": c.clerk, "password": PASSWORD}}),
}

SIGNED_IN = EVERYONE
PAGES = {
    ("GET", "/"): Row(SIGNED_IN), ("GET", "/me"): Row(SIGNED_IN),
    ("GET", "/me/password"): Row(SIGNED_IN),
    ("POST", "/me/password"):
        Row(SIGNED_IN, lambda c: {"data": {"current_password": "not the password",
                                           "new_password": "a new passphrase of mine",
                                           "confirm_password": "a new passphrase of mine"}}),
    ("POST", "/logout"): Row(SIGNED_IN, signs_out=True),
    ("GET", "/admin/calendar"): Row(ADMIN),
    ("POST", "/admin/calendar"): Row(ADMIN, lambda c: {"data": {"year": "2026"}}),
    ("GET", "/admin/departments"): Row(ADMIN),
    ("POST", "/admin/departments"):
        Row(ADMIN, lambda c: {"data": {"code": f"d{uuid.uuid4().hex[:8]}", "name": "测试局"}}),
    ("GET", "/admin/items"): Row(ADMIN),
    ("GET", "/admin/items/<string:code>"): Row(ADMIN),
    ("POST", "/admin/items/<string:code>"): Row(ADMIN),
    ("GET", "/admin/items/new"): Row(ADMIN), ("POST", "/admin/items/new"): Row(ADMIN),
    ("GET", "/admin/users"): Row(ADMIN),
    ("GET", "/admin/users/<string:username>"): Row(ADMIN),
    ("POST", "/admin/users/<string:username>"): Row(ADMIN),
    ("GET", "/admin/users/new"): Row(ADMIN), ("POST", "/admin/users/new"): Row(ADMIN),
    ("POST", "/admin/users/<string:username>/unlock"): Row(ADMIN),
    ("GET", "/cases"): Row(frozenset({"clerk", "clerk@other", "supervisor"})),
    ("GET", "/cases/new"): Row(frozenset({"clerk", "clerk@other"})),
    ("GET", "/cases/new/<string:code>"): Row(frozenset({"clerk", "clerk@other"})),
    ("POST", "/cases/new/<string:code>"): Row(frozenset({"clerk", "clerk@other"})),
    ("GET", "/cases/<uuid:application_id>"):
        Row(frozenset({"clerk", "approver", "chief", "supervisor"})),
    ("POST", "/cases/<uuid:application_id>/applicant"): Row(frozenset({"clerk", "supervisor"})),
    ("GET", "/cases/<uuid:application_id>/resubmit"): Row(frozenset({"clerk"})),
    ("POST", "/cases/<uuid:application_id>/resubmit"):
        Row(frozenset({"clerk"}), lambda c: {"data": {"form.shop_name": "老边饺子馆"}}),
    ("POST", "/cases/<uuid:application_id>/withdraw"):
        Row(frozenset({"clerk"}), lambda c: {"data": {"reason": "申请人撤回"}}),
    ("GET", "/dashboard"): Row(OFFICIALS),
    # Drill-down to cases and the cards: the supervisor's (an administrator reads the
    # figures, not the cases: API.md lists cases for clerks and supervisors only).
    ("GET", "/dashboard/centers/<string:code>"): Row(frozenset({"supervisor"})),
    ("GET", "/dashboard/centers/<string:code>/departments/<string:department>"):
        Row(frozenset({"supervisor"})),
    ("GET", "/dashboard/export/<any(centers, departments, ranking):kind>.<any(csv, xlsx):fmt>"):
        Row(OFFICIALS),
    ("GET", "/queue"): Row(frozenset({"approver", "approver@other", "chief", "chief@other",
                                      "supervisor"})),
    ("GET", "/sync"): Row(OFFICIALS),
    ("POST", "/sync/<string:center>/run"): Row(ADMIN),
    ("POST", "/sync/runs/<id:run_id>/retry"): Row(ADMIN),
    ("GET", "/sync/quarantine"): Row(OFFICIALS),
    ("POST", "/sync/quarantine/<id:record_id>/resolve"):
        Row(ADMIN, lambda c: {"data": {"note": "复核：中心已更正"}}),
    ("POST", "/sync/quarantine/<id:record_id>/rerun"): Row(ADMIN),
    ("GET", "/audit"): Row(OFFICIALS),
    ("GET", "/notices"): Row(STAFF | OFFICIALS),
    ("GET", "/notices/new"):
        Row(frozenset({"supervisor"}), lambda c: {"query_string": {"application": c.id}}),
    ("POST", "/notices/new"):
        Row(frozenset({"supervisor"}),
            lambda c: {"data": {"application": c.id, "department": "market", "content": "请说明",
                                "answer_days": "3"}}),
    ("GET", "/notices/<uuid:notice_id>"):
        Row(frozenset({"clerk", "approver", "chief", "supervisor", "admin"})),
    ("POST", "/notices/<uuid:notice_id>/answer"):
        Row(frozenset({"approver", "chief"}),
            lambda c: {"data": {"answer": "已说明", "version": "1"}}),
    ("GET", "/tasks/<uuid:task_id>"): Row(frozenset({"approver", "chief"})),
    ("POST", "/tasks/<uuid:task_id>/assign"):
        Row(frozenset({"chief"}), lambda c: {"data": {"assignee": c.approver}}),
    ("POST", "/tasks/<uuid:task_id>/decision"):
        Row(frozenset({"approver", "chief"}),
            lambda c: {"data": {"decision": "approve", "version": "1", "comment": ""}}),
    ("GET", "/warnings"): Row(frozenset({"supervisor"})),
    ("GET", "/warnings/export.<any(csv, xlsx):fmt>"): Row(frozenset({"supervisor"})),
}

TABLE = {**API, **OPERATIONS, **PAGES}


def url_map_endpoints(app: Any) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_the_table_has_one_row_per_endpoint_of_the_url_map(app):
    endpoints = url_map_endpoints(app)
    assert sorted(endpoints - TABLE.keys()) == [], "endpoints without a row in the table"
    assert sorted(TABLE.keys() - endpoints) == [], "rows whose endpoint is gone"


def path_for(rule: str, case: Case, username: str) -> str:
    # ``code`` names a center on the dashboard, a service item elsewhere.
    code = "binhe" if rule.startswith("/dashboard") else "open-restaurant"
    values = {"application_id": case.id, "task_id": case.task_id, "code": code,
              "year": "2026", "username": username, "center": "binhe", "department": "market",
              "filename": "css/hub.css", "kind": "centers", "fmt": "csv",
              "notice_id": case.notice_id, "run_id": str(case.run_id),
              "record_id": str(case.record_id)}
    return re.sub(r"<(?:[^:<>]+:)?([a-z_]+)(?:\([^)]*\))?>",
                  lambda m: values[m.group(1)], rule.replace("<any(centers, departments, ranking):kind>", "<kind>")
                  .replace("<any(csv, xlsx):fmt>", "<fmt>"))


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Caller:
    """One actor's workstation: a bearer token for the API, a signed-in session (with
    its CSRF token) for the pages."""

    def __init__(self, app: Any, people: Any, person: Any) -> None:
        self.person = person
        self.api = app.test_client()
        self.pages = app.test_client()
        with self.pages.session_transaction() as cookie:
            # A token of its own: signing out of the pages ends it, not the API's.
            cookie["hub_token"] = people.token_for(person.user)
        found = CSRF.search(self.pages.get("/me").get_data(as_text=True))
        assert found, "no CSRF token on /me"
        self.csrf = found.group(1)

    def call(self, method: str, path: str, row: Row, case: Case, *, page: bool) -> Any:
        kwargs = dict(row.body(case))
        if page:
            if method != "GET":
                kwargs["data"] = {**kwargs.get("data", {}), "csrf_token": self.csrf}
            return self.pages.open(path + row.query, method=method, **kwargs)
        return self.api.open(path + row.query, method=method, headers=self.person.headers,
                             **kwargs)


def sync_and_notice(app: Any, hall: Any, application_id: str) -> dict[str, Any]:
    """A notice on the case to market, a failed run of binhe (the latest of its stream)
    and an open quarantined record: what the rows of notices and sync reviews act on."""
    notice = hall.client.post("/api/v1/supervision/notices", headers=hall.supervisor.headers,
                              json={"application_id": application_id, "content": "请说明",
                                    "department": "market"})
    assert notice.status_code == 201, notice.get_json()
    session = autocommit_session(app)
    now = clock.now()
    run = SyncRun(center_code="binhe", stream="applications", status="failed",
                  trigger="schedule", requested_by="beat", started_at=now, heartbeat_at=now,
                  finished_at=now, error="连接中心系统超时")
    session.add(run)
    session.flush()
    record = QuarantinedRecord(run_id=run.id, center_code="binhe", stream="applications",
                               external_id="BAD", record={"external_id": "BAD"},
                               reasons={"service_item": ["未知的事项"]}, created_at=now)
    session.add(record)
    session.commit()
    ids = {"notice_id": notice.get_json()["id"], "run_id": run.id, "record_id": record.id}
    session.close()
    return ids


def refused(response: Any) -> bool:
    return response.status_code in (403, 404)


def sent_to_sign_in(response: Any, page: bool) -> bool:
    if not page:
        return response.status_code == 401
    # A page without a session: to the login page (GET), or refused by the CSRF check
    # (a POST from no signed-in session has no valid token).
    return (response.status_code == 302 and "/login" in response.headers["Location"]) or \
        response.status_code == 400


def test_every_endpoint_every_role_own_and_other(app, hall, people, figures):
    cast = {
        "clerk": hall.clerk, "clerk@other": people.clerk(center="daxi"),
        "approver": hall.approvers["market"], "approver@other": hall.approvers["food"],
        "chief": hall.chiefs["market"], "chief@other": hall.chiefs["food"],
        "supervisor": hall.supervisor, "admin": hall.admin,
        "adapter": people.make("adapter", center="binhe"),
        "adapter@other": people.make("adapter", center="daxi"),
    }
    callers = {name: Caller(app, people, person) for name, person in cast.items()}
    anonymous = app.test_client()
    tried, failures = 0, []
    # Signing out ends the page sessions, then the API tokens (the hall's own, which make
    # each row's case): last.
    for (method, rule), row in sorted(TABLE.items(), key=lambda kv: (
            kv[1].signs_out, kv[0][1].startswith("/api/"), kv[0][1])):
        created = hall.submitted()
        market = hall.task(created, "market")
        case = Case(id=created["id"], number=created["number"], task_id=market["id"],
                    approver=hall.approvers["market"].username, clerk=hall.clerk.username,
                    **sync_and_notice(app, hall, created["id"]))
        page = not rule.startswith("/api/") and (method, rule) not in OPERATIONS
        path = path_for(rule, case, cast["clerk@other"].username)
        # Nobody signed in.
        kwargs = row.body(case)
        response = anonymous.open(path + row.query, method=method, **kwargs)
        tried += 1
        if row.allowed is PUBLIC:
            if response.status_code in (401, 403) or response.status_code >= 500:
                failures.append((method, rule, "anonymous", response.status_code))
            continue
        if not sent_to_sign_in(response, page):
            failures.append((method, rule, "anonymous", response.status_code))
        for actor in ACTORS:
            response = callers[actor].call(method, path, row, case, page=page)
            tried += 1
            status = response.status_code
            to_login = page and status == 302 and "/login" in response.headers["Location"]
            ok = (not refused(response) and status < 500
                  and (not page or to_login == row.signs_out)
                  ) if actor in row.allowed else refused(response)
            if ok and actor.endswith("@other") and actor in row.allowed:
                body = response.get_data(as_text=True)
                ok = case.id not in body and case.number not in body
            if not ok:
                failures.append((method, rule, actor, status,
                                 response.get_data(as_text=True)[:200]))
    figures.write("authorisation_matrix", endpoints=len(TABLE), actors=len(ACTORS) + 1,
                  requests=tried, failures=len(failures))
    assert failures == [], "\n".join(map(str, failures))
