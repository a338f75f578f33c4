"""The attack surface: brute force, tokens that must stop working, security headers,
body limits, SQL injection and path traversal in every string parameter of the OpenAPI
document and in the adapters' configuration (a drop folder never escapes its root)."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import subprocess
import time
from typing import Any
from urllib.parse import quote

import pytest
import requests
from sqlalchemy import func, select, update

from adapters.base import AdapterConfigError
from adapters.registry import build_adapter
from hub.approvals.models import Application
from hub.audit.models import AuditRecord
from hub.directory.auth import token_digest
from hub.directory.models import ApiToken
from hub.sync.models import QuarantinedRecord, SyncCursor, SyncRun
from tests.factories import PASSWORD
from tests.integration.sync.conftest import point
from tests.proof.processes import BIN, gunicorn, hub_env, processes_clock
from tests.proof.authorisation_world import Target
from tests.proof.test_authorisation_matrix import API

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]


# -- Through gunicorn: state shared by every worker lives in the database ----------------------


def test_brute_force_tokens_and_leaving_across_gunicorn_workers(app, people, session, tmp_path,
                                                                figures, hall):
    settings = app.config["HUB_SETTINGS"]
    clerk = people.clerk(center="binhe")
    victim = people.clerk(center="binhe")
    # Behind the (trusted) proxy, X-Forwarded-For is the client's address: the attempts
    # come from several addresses, as a guesser's and the owner's do.
    with gunicorn(app, tmp_path, HUB_TRUST_PROXY="true") as base:
        def token(username: str, password: str, address: str) -> requests.Response:
            # A new connection each time: the attempts land on both workers.
            return requests.post(f"{base}/api/v1/auth/token", timeout=10,
                                 json={"username": username, "password": password},
                                 headers={"X-Forwarded-For": address})

        guesser, owners = "192.0.2.66", "198.51.100.7"
        tries = [token(victim.username, "wrong password", guesser) for _ in
                 range(settings.login_max_failures)]
        assert {r.status_code for r in tries} == {401}
        # The right password from the guesser's address waits (the pair's delay) ...
        locked = token(victim.username, PASSWORD, guesser)
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
        # ... while the owner at another address signs in, and so does another account
        # from the guesser's address (five failures are far from the address's budget).
        assert token(victim.username, PASSWORD, owners).status_code == 200
        assert token(clerk.username, PASSWORD, guesser).status_code == 200

        # A token that expires: refused the moment it does, by every worker.
        now = processes_clock(app).now()
        short = secrets.token_urlsafe(24)
        session.add(ApiToken(token_hash=token_digest(short), user_id=clerk.user.id,
                             generation=clerk.user.token_generation, issued_at=now,
                             expires_at=now + dt.timedelta(seconds=2)))
        session.commit()
        me = f"{base}/api/v1/me"
        assert requests.get(me, headers={"Authorization": f"Bearer {short}"}).status_code == 200
        time.sleep(2.5)
        expired = [requests.get(me, headers={"Authorization": f"Bearer {short}"}).status_code
                   for _ in range(4)]
        assert expired == [401] * 4

        # Staff who leave: their tokens stop at once on every worker, pages too.
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {hall.clerk.token}"
        assert api.get(me).status_code == 200
        left = requests.patch(f"{base}/api/v1/users/{hall.clerk.username}",
                              json={"status": "left"}, headers=hall.admin.headers, timeout=10)
        assert left.status_code == 200, left.text
        after = [requests.get(me, headers=hall.clerk.headers).status_code for _ in range(4)]
        assert after == [401] * 4 and api.get(me).status_code == 401
    figures.write("tokens_and_throttling", failures_before_lockout=settings.login_max_failures,
                  lockout_status=429, retry_after=int(locked.headers["Retry-After"]),
                  expired_token_answers=expired, left_user_answers=after)


def test_chunked_bodies_over_the_limit_are_refused(app, people, tmp_path):
    clerk = people.clerk(center="binhe")
    people.service_item()
    limit = app.config["HUB_SETTINGS"].max_content_length
    with gunicorn(app, tmp_path) as base:
        def chunks() -> Any:  # no Content-Length: the limit must hold while reading
            yield b'{"form": {"shop_name": "'
            for _ in range(limit // 65536 + 2):
                yield b"x" * 65536
            yield b'"}}'

        answer = requests.post(f"{base}/api/v1/applications", data=chunks(), timeout=30,
                               headers={**clerk.headers, "Content-Type": "application/json"})
        assert answer.status_code == 413, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"


# -- In process ---------------------------------------------------------------------------------

API_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
               "Referrer-Policy": "same-origin"}


def test_security_headers_on_the_api_the_pages_and_operations(app, client, hall):
    with client.session_transaction() as cookie:
        cookie["hub_token"] = hall.people.token_for(hall.clerk.user)
    for path, headers in (("/api/v1/me", hall.clerk.headers), ("/api/v1/nowhere", {}),
                          ("/api/v1/applications", {}), ("/openapi.json", {}),
                          ("/metrics", {}), ("/healthz", {}), ("/readyz", {})):
        answer = hall.client.get(path, headers=headers)
        for name, value in API_HEADERS.items():
            assert answer.headers.get(name) == value, (path, name)
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    anonymous = hall.client.application.test_client()
    for path in ("/login", "/cases", "/static/css/hub.css"):
        answer = (anonymous if path == "/login" else client).get(path)
        assert answer.status_code == 200, path
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        policy = answer.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
        if answer.mimetype == "text/html":  # the pages: nothing but the hub's own files
            assert "default-src 'none'" in policy
            assert answer.headers["Cache-Control"] == "no-store"
    signed = client.post("/logout", data={})  # no CSRF token: refused, session kept
    assert signed.status_code == 400


def test_bodies_over_the_limit_and_hostile_json_change_nothing(app, client, hall, session):
    limit = app.config["HUB_SETTINGS"].max_content_length
    before = session.scalar(select(func.count()).select_from(AuditRecord))
    big = json.dumps({"service_item": "open-restaurant", "center": "binhe",
                      "applicant": {"name": "x" * limit}, "form": {}})
    answer = client.post("/api/v1/applications", data=big, headers={
        **hall.clerk.headers, "Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.mimetype == "application/problem+json"
    with client.session_transaction() as cookie:
        cookie["hub_token"] = hall.people.token_for(hall.clerk.user)
    page = client.post("/cases/new/open-restaurant", data={"form.shop_name": "x" * limit})
    assert page.status_code == 413 and page.mimetype == "text/html"
    # Nesting deep enough to exhaust the JSON parser's recursion, well under the limit.
    deep = '{"form": ' + "[" * 100_000 + "]" * 100_000 + "}"
    for body in (deep, '{"form": {"shop_name": "a", ', "\ud800", "[]", "null", '"text"'):
        answer = client.post("/api/v1/applications", data=body.encode("utf-8", "surrogatepass"),
                             headers={**hall.clerk.headers, "Content-Type": "application/json"})
        assert answer.status_code in (400, 422), (body[:30], answer.status_code)
        assert answer.mimetype == "application/problem+json"
    assert session.scalar(select(func.count()).select_from(Application)) == 0
    assert session.scalar(select(func.count()).select_from(AuditRecord)) == before


# -- Injection in every string parameter --------------------------------------------------------

PAYLOADS = ("' OR '1'='1", "'; DROP TABLE audit_records; --", "binhe' --",
            "../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", "a\x00b",
            "\\' UNION SELECT applicant_id_encrypted FROM applications --",
            "${jndi:ldap://127.0.0.1/x}", "<script>alert(1)</script>")


def _string_leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_leaves(v, (*path, i))]
    return [path] if isinstance(value, str) else []


def _replaced(value: Any, path: tuple[Any, ...], payload: str) -> Any:
    if not path:
        return payload
    copy = json.loads(json.dumps(value))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = payload
    return copy


def test_sql_injection_and_traversal_in_every_string_parameter(app, client, hall, people,
                                                               session, figures):
    """Every operation of /openapi.json, every string in its path, query and body, each
    hostile payload, as an administrator, a supervisor and binhe's clerk: no 5xx, no
    table harmed, nothing of daxi's case in anything binhe's clerk gets."""
    daxi_clerk = people.clerk(center="daxi")
    secret = hall.submitted(clerk=daxi_clerk)
    own = hall.submitted()
    market = hall.task(own, "market")
    # The matrix's rows give each operation a valid body to put the payloads into; the
    # objects here are binhe's case and its market step (a body that needs another kind
    # of object has none: its parameters are still attacked).
    case = Target(values={"application_id": own["id"], "task_id": market["id"]},
                  data={"approver": hall.approvers["market"].username,
                        "clerk": hall.clerk.username, "task": market,
                        "version": market["version"]})
    document = client.get("/openapi.json").get_json()
    callers = {"admin": hall.admin, "supervisor": hall.supervisor, "clerk": hall.clerk}
    tried, problems = 0, []
    rules = {re.sub(r"<(?:[^:<>]+:)?([a-z_]+)>", r"{\1}", rule): (method, rule)
             for (method, rule) in API}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue  # the path's shared "parameters"
            key = rules.get(path)
            row = API.get((method.upper(), key[1])) if key else None
            try:
                base_body = row.body(case).get("json") if row else None
            except KeyError:
                base_body = None
            strings = [p for p in operation.get("parameters", [])
                       if p.get("schema", {}).get("type", "string") == "string"]
            concrete = path.replace("{application_id}", case["application_id"]).replace(
                "{task_id}", case["task_id"]).replace("{code}", "open-restaurant").replace(
                "{year}", "2026").replace("{username}", hall.clerk.username).replace(
                "{center}", "binhe")
            attempts: list[tuple[str, dict[str, Any]]] = []
            for payload in PAYLOADS:
                for parameter in strings:
                    name = parameter["name"]
                    if parameter["in"] == "path":
                        attempts.append((path.replace("{" + name + "}", quote(payload, safe=""))
                                         .replace("{application_id}", case["application_id"])
                                         .replace("{task_id}", case["task_id"])
                                         .replace("{code}", "open-restaurant")
                                         .replace("{year}", "2026")
                                         .replace("{username}", hall.clerk.username)
                                         .replace("{center}", "binhe"), {"json": base_body}))
                    elif parameter["in"] == "query":
                        attempts.append((f"{concrete}?{name}={quote(payload, safe='')}",
                                         {"json": base_body}))
                for leaf in _string_leaves(base_body or {}):
                    attempts.append((concrete, {"json": _replaced(base_body, leaf, payload)}))
            for target, kwargs in attempts:
                for role, person in callers.items():
                    if method.upper() == "GET":
                        kwargs = {}
                    answer = client.open(target, method=method.upper(), headers=person.headers,
                                         **{k: v for k, v in kwargs.items() if v is not None})
                    tried += 1
                    text = answer.get_data(as_text=True)
                    if answer.status_code >= 500:
                        problems.append((method, target, role, answer.status_code, text[:200]))
                    elif role == "clerk" and (secret["id"] in text or secret["number"] in text):
                        problems.append((method, target, role, "daxi's case leaked"))
    # Nothing was dropped or emptied, and the audit log still verifies.
    assert session.scalar(select(func.count()).select_from(Application)) >= 2
    verified = subprocess.run([str(BIN / "hub"), "audit", "verify"], env=hub_env(app),
                              capture_output=True, text=True, timeout=60)
    figures.write("injection", operations=sum(len(o) for o in document["paths"].values()),
                  payloads=len(PAYLOADS), roles=len(callers), requests=tried,
                  failures=len(problems))
    assert problems == [], "\n".join(map(str, problems[:30]))
    assert verified.returncode == 0, verified.stderr


# -- Adapter configuration ---------------------------------------------------------------------


def test_a_drop_folder_never_escapes_its_root(app, hall, session, tmp_path):
    centers_dir = tmp_path / "centers"
    (centers_dir / "drop" / "binhe").mkdir(parents=True)
    for escape in ("../../../../etc", "drop/../../outside", "drop/binhe/../../.."):
        with pytest.raises(AdapterConfigError, match="超出"):
            build_adapter("binhe", {"kind": "csv_files", "path": escape}, base_dir=centers_dir)
    inside = build_adapter("binhe", {"kind": "csv_files", "path": "drop/binhe"},
                           base_dir=centers_dir)
    assert inside.folder == (centers_dir / "drop" / "binhe").resolve()

    # Through the API: a stanza that escapes is a clear 409, never a 500, and reads nothing.
    point(app, "binhe", {"kind": "csv_files", "path": "../../../../../../../../etc"})
    answer = hall.client.post("/api/v1/sync/binhe/runs", json={"stream": "staff"},
                              headers=hall.admin.headers)
    assert answer.status_code == 409 and "超出" in answer.get_json()["detail"]

    # A link the center leaves in its drop folder, pointing at the hub's own secrets.
    folder = tmp_path / "drop-binhe"
    folder.mkdir()
    secret = tmp_path / "instance-secret"
    secret.write_text("external_id,username\nSECRET-KEY-MATERIAL,root\n", encoding="utf-8")
    os.symlink(secret, folder / "staff-20261127.csv")
    point(app, "binhe", {"kind": "csv_files", "path": str(folder)})
    answer = hall.client.post("/api/v1/sync/binhe/runs", json={"stream": "staff"},
                              headers=hall.admin.headers)
    assert answer.status_code == 202
    run = session.get(SyncRun, answer.get_json()["id"])
    session.refresh(run)
    assert run.status == "failed" and "指向目录之外" in run.error
    assert run.fetched == 0
    records = " ".join(str(r.record) for r in session.scalars(select(QuarantinedRecord)))
    assert "SECRET-KEY-MATERIAL" not in records

    # A cursor aimed outside the folder is refused before any file is opened.
    os.unlink(folder / "staff-20261127.csv")
    session.execute(update(SyncCursor).values(cursor="../../etc/passwd#0"))
    session.merge(SyncCursor(center_code="binhe", stream="staff", cursor="../../etc/passwd#0",
                             updated_at=dt.datetime.now(dt.timezone.utc)))
    session.commit()
    answer = hall.client.post("/api/v1/sync/binhe/runs", json={"stream": "staff"},
                              headers=hall.admin.headers)
    run = session.get(SyncRun, answer.get_json()["id"])
    session.refresh(run)
    assert run.status == "failed" and "游标" in run.error


def test_a_center_whose_stanza_cannot_work_is_a_409_not_a_500(app, hall, monkeypatch):
    monkeypatch.delenv("HUB_DAXI_TOKEN", raising=False)
    answer = hall.client.post("/api/v1/sync/daxi/runs", json={},
                              headers=hall.admin.headers)
    assert answer.status_code == 409
    assert "HUB_DAXI_TOKEN" in answer.get_json()["detail"]
