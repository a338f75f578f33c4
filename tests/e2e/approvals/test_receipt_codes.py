"""The receipt of an application (受理回执): its code is in the 201 only, only a keyed hash
is stored, and with it anyone follows the case's progress without signing in; a wrong
code looks exactly like an unknown number."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from hub.approvals.models import Application
from hub.audit.models import AuditRecord
from hub.receipts import ALPHABET
from tests.e2e.approvals.conftest import PHONE, new_key

PUBLIC = "/api/v1/public/progress"


def test_the_code_is_given_once_and_only_its_hash_is_kept(hall, session):
    response = hall.submit(key=new_key())
    body = response.json
    code = body["receipt_code"]
    assert len(code) >= 6 and set(code) <= set(ALPHABET)
    row = session.get(Application, uuid.UUID(body["id"]))
    assert row.receipt_code_hash and code not in row.receipt_code_hash
    # Nowhere else: not in reading the case, not in its audit records.
    again = hall.get(body["id"])
    assert "receipt_code" not in again
    for record in session.scalars(select(AuditRecord)):
        assert code not in f"{record.before}{record.after}"
    listed = hall.client.get("/api/v1/applications", headers=hall.clerk.headers).json
    assert all("receipt_code" not in item for item in listed["items"])


def test_progress_by_number_and_code_without_signing_in(hall):
    body = hall.submitted()
    number, code = body["number"], body["receipt_code"]
    response = hall.client.get(f"{PUBLIC}/{number}", query_string={"code": code})
    assert response.status_code == 200, response.json
    view = response.json
    assert view["type"] == "application" and view["number"] == number
    assert view["status"] == "in_review" and view["status_label"] == "审批中"
    assert view["name"] == "张**" and view["due_at"] == body["due_at"]
    assert [s["status"] for s in view["stages"]] == ["current", "planned"]
    assert [st["department"] for st in view["stages"][1]["steps"]] == \
        ["food", "fire", "environment"]
    text = response.get_data(as_text=True)
    assert PHONE not in text and "张三丰" not in text and "2101" not in text
    # Typed as people do: lower case, grouped, full-width digits in the number.
    typed = f"{code[:4].lower()}-{code[4:]}"
    fullwidth = number.replace("2026", "２０２６").lower()
    assert hall.client.get(f"{PUBLIC}/{fullwidth}", query_string={"code": typed}).status_code \
        == 200


def test_a_wrong_code_looks_exactly_like_an_unknown_number(hall):
    body = hall.submitted()
    wrong = hall.client.get(f"{PUBLIC}/{body['number']}", query_string={"code": "ABCDEFGH"})
    unknown = hall.client.get(f"{PUBLIC}/BINHE-20261130-9999",
                              query_string={"code": body["receipt_code"]})
    nonsense = hall.client.get(f"{PUBLIC}/not-a-number", query_string={"code": "x"})
    for response in (wrong, unknown, nonsense):
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
    strip = [{k: v for k, v in r.json.items() if k != "request_id"}
             for r in (wrong, unknown, nonsense)]
    assert strip[0] == strip[1] == strip[2]
    missing = hall.client.get(f"{PUBLIC}/{body['number']}")
    assert missing.status_code == 422 and "code" in missing.json["errors"]


def test_a_replay_prints_a_new_code_and_voids_the_first(hall, session):
    key = new_key()
    first = hall.submit(key=key).json
    again = hall.submit(key=key)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first["id"]
    assert again.json["receipt_code"] != first["receipt_code"]
    number = first["number"]
    assert hall.client.get(f"{PUBLIC}/{number}",
                           query_string={"code": first["receipt_code"]}).status_code == 404
    assert hall.client.get(f"{PUBLIC}/{number}",
                           query_string={"code": again.json["receipt_code"]}).status_code == 200
    reissued = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "application.receipt_reissued")).all()
    assert [r.target_id for r in reissued] == [first["id"]]


def test_a_rejection_shows_its_reason(hall):
    body = hall.submitted()
    market = hall.task(body, "market")
    hall.decided(market, "reject", comment="经营场所与居民楼距离不符合规定")
    view = hall.client.get(f"{PUBLIC}/{body['number']}",
                           query_string={"code": body["receipt_code"]}).json
    assert view["status"] == "rejected" and view["concluded_at"]
    assert view["reasons"] == ["经营场所与居民楼距离不符合规定"]
    assert view["stages"][0]["steps"][0]["status_label"] == "不同意"
