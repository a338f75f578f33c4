"""Submitting a case at the window, over HTTP, on SQLite and PostgreSQL: the one form,
the masked applicant, Idempotency-Key replays, who may see what."""
from __future__ import annotations

import datetime as dt
import threading
import uuid

from sqlalchemy import func, select

from hub.approvals.models import Application, ApprovalTask, IdempotencyRecord
from hub.audit.models import AuditRecord
from hub.outbox.models import OutboxMessage
from tests.e2e.approvals.conftest import ID_NUMBER, PHONE, new_key

PROBLEM = "application/problem+json"


def test_submission_opens_the_first_stage_at_once(hall, session):
    response = hall.submit(key=new_key())
    assert response.status_code == 201
    assert response.headers["Location"].endswith(response.json["id"])
    body = response.json
    assert body["number"] == "BINHE-20261130-0001"
    assert body["status"] == "in_review" and body["stage"] == 1
    assert body["submitted_at"] == "2026-11-30T09:00:00+08:00"
    # Ten working days after Monday 30 November: Monday 14 December, end of day.
    assert body["due_at"] == "2026-12-14T23:59:59+08:00"
    assert body["due_at_provisional"] is False and body["warning"] is None
    assert body["result"] is None and body["concluded_at"] is None
    [task] = body["tasks"]
    assert (task["department"], task["stage"], task["status"], task["version"]) == \
        ("market", 1, "pending", 1)
    assert task["due_at"] == "2026-12-03T23:59:59+08:00"
    second = hall.submitted()
    assert second["number"] == "BINHE-20261130-0002"


def test_applicant_is_encrypted_at_rest_and_masked_everywhere(hall, session):
    body = hall.submitted()
    assert body["applicant"] == {"name": "张**", "id_number": "2101**********1237",
                                 "phone": "138****5678"}
    row = session.get(Application, uuid.UUID(body["id"]))
    assert ID_NUMBER not in (row.applicant_id_encrypted or "")
    assert PHONE not in (row.applicant_phone_encrypted or "")
    assert row.applicant_id_hash and row.applicant_id_masked == "2101**********1237"
    records = session.scalars(select(AuditRecord)).all()
    outbox = session.scalars(select(OutboxMessage)).all()
    for text in [str(r.after) + str(r.before) for r in records] + [str(m.payload) for m in outbox]:
        assert ID_NUMBER not in text and PHONE not in text and "张三丰" not in text
    for who in (hall.clerk, hall.supervisor, hall.approvers["market"]):
        assert hall.get(body["id"], who)["applicant"]["id_number"] == "2101**********1237"


def test_unmasked_view_is_for_the_center_and_supervisors_and_is_audited(hall, session):
    body = hall.submitted()
    url = f"/api/v1/applications/{body['id']}/applicant"
    response = hall.client.get(url, headers=hall.clerk.headers)
    assert response.status_code == 200
    assert response.json == {"name": "张三丰", "id_number": ID_NUMBER, "phone": PHONE}
    assert hall.client.get(url, headers=hall.supervisor.headers).status_code == 200
    assert hall.client.get(url, headers=hall.approvers["market"].headers).status_code == 403
    other = hall.people.clerk(center="daxi")
    assert hall.client.get(url, headers=other.headers).status_code == 404
    viewed = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "application.applicant_viewed").order_by(AuditRecord.id)).all()
    assert [r.actor for r in viewed] == [hall.clerk.username, hall.supervisor.username]
    assert all(r.target_id == body["id"] for r in viewed)


def test_replay_of_the_same_key_returns_the_original_case(hall, session):
    key = new_key()
    first = hall.submit(key=key)
    again = hall.submit(key=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"] and again.json["number"] == first.json["number"]
    assert session.scalar(select(func.count()).select_from(Application)) == 1
    assert session.scalar(select(func.count()).select_from(ApprovalTask)) == 1
    submitted = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "application.submitted")).all()
    assert len(submitted) == 1


def test_same_key_with_another_body_is_a_conflict_and_changes_nothing(hall, session):
    key = new_key()
    assert hall.submit(key=key).status_code == 201
    other = hall.submit(key=key, form={"shop_name": "另一家店"})
    assert other.status_code == 409 and other.mimetype == PROBLEM
    assert "Idempotency-Key" in other.json["detail"]
    assert session.scalar(select(func.count()).select_from(Application)) == 1


def test_keys_are_unique_per_center(hall, session):
    key = new_key()
    daxi = hall.people.clerk(center="daxi")
    assert hall.submit(key=key).status_code == 201
    response = hall.submit(key=key, clerk=daxi)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 2


def test_concurrent_submissions_with_one_key_make_one_case(hall, app, session):
    key, results = new_key(), []
    barrier = threading.Barrier(4)

    def submit() -> None:
        barrier.wait()
        client = app.test_client()
        body = {"service_item": "open-restaurant", "center": "binhe",
                "applicant": {"name": "张三丰", "id_number": ID_NUMBER, "phone": PHONE},
                "form": {"shop_name": "老边饺子馆"}}
        response = client.post("/api/v1/applications", json=body,
                               headers={**hall.clerk.headers, "Idempotency-Key": key})
        results.append((response.status_code, response.json.get("id") or response.json))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [status for status, _ in results] == [201] * 4
    assert len({case for _, case in results}) == 1
    assert session.scalar(select(func.count()).select_from(Application)) == 1


def test_bad_input_names_the_field_and_changes_nothing(hall, session):
    cases = [
        ({"form": {"shop_name": ""}}, "form.shop_name"),
        ({"form": {"shop_name": "店", "colour": "红"}}, "form.colour"),
        ({"form": {"shop_name": 12}}, "form.shop_name"),
        ({"service_item": "no-such-item"}, "service_item"),
        ({"applicant": {"name": "张三", "id_number": "210102199001011234", "phone": PHONE}},
         "applicant.id_number"),
        ({"applicant": {"name": "张三", "id_number": ID_NUMBER, "phone": "12345"}},
         "applicant.phone"),
        ({"applicant": {"name": "", "id_number": ID_NUMBER, "phone": PHONE}}, "applicant.name"),
        ({"center": "Not A Code"}, "center"),
    ]
    for overrides, field in cases:
        response = hall.submit(**overrides)
        assert response.status_code == 422, (overrides, response.json)
        assert response.mimetype == PROBLEM and field in response.json["errors"], response.json
    bad_key = hall.submit(key="空格 不行")
    assert bad_key.status_code == 422 and "Idempotency-Key" in bad_key.json["errors"]
    broken = hall.client.post("/api/v1/applications", data="{not json",
                              headers={**hall.clerk.headers, "Content-Type": "application/json"})
    assert broken.status_code == 400
    assert session.scalar(select(func.count()).select_from(Application)) == 0
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_form_types_are_checked_against_the_item(hall):
    hall.people.service_item(code="typed", form=[
        {"name": "area", "label": "面积", "type": "number", "required": True, "departments": []},
        {"name": "seats", "label": "座位", "type": "integer", "departments": []},
        {"name": "opens", "label": "开业日期", "type": "date", "departments": []},
        {"name": "fume", "label": "油烟净化", "type": "boolean", "departments": []},
        {"name": "kind", "label": "类别", "type": "choice", "options": ["热食类", "冷食类"],
         "departments": []}])
    bad = hall.submit(service_item="typed", form={
        "area": "大", "seats": 1.5, "opens": "2026-13-01", "fume": "yes", "kind": "生食类"})
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"form.area", "form.seats", "form.opens", "form.fume",
                                       "form.kind"}
    good = hall.submit(service_item="typed", form={
        "area": 85.5, "seats": 40, "opens": "2027-01-08", "fume": True, "kind": "热食类"})
    assert good.status_code == 201


def test_only_a_clerk_of_that_center_submits(hall, session):
    daxi = hall.people.clerk(center="daxi")
    assert hall.submit(clerk=daxi, center="binhe").status_code == 403
    for who in (hall.supervisor, hall.approvers["market"], hall.admin):
        response = hall.client.post("/api/v1/applications", json={}, headers=who.headers)
        assert response.status_code == 403, who.user.roles
    assert hall.client.post("/api/v1/applications", json={}).status_code == 401
    assert session.scalar(select(func.count()).select_from(Application)) == 0


def test_reading_cases_follows_the_scope_rules(hall):
    case = hall.submitted()
    daxi_case = hall.submitted(clerk=hall.people.clerk(center="daxi"))
    listing = hall.client.get("/api/v1/applications", headers=hall.clerk.headers)
    assert listing.status_code == 200
    assert [a["id"] for a in listing.json["items"]] == [case["id"]]
    assert hall.client.get("/api/v1/applications?center=daxi",
                           headers=hall.clerk.headers).status_code == 403
    everything = hall.client.get("/api/v1/applications", headers=hall.supervisor.headers)
    assert {a["id"] for a in everything.json["items"]} == {case["id"], daxi_case["id"]}
    only_daxi = hall.client.get("/api/v1/applications?center=daxi",
                                headers=hall.supervisor.headers)
    assert [a["id"] for a in only_daxi.json["items"]] == [daxi_case["id"]]
    # An approver reads a case they have a task on, and sees their part of the one form.
    seen = hall.get(case["id"], hall.approvers["market"])
    assert seen["form"] == {"shop_name": "老边饺子馆"}
    assert hall.client.get(f"/api/v1/applications/{case['id']}",
                           headers=hall.approvers["food"].headers).status_code == 404
    assert hall.client.get(f"/api/v1/applications/{daxi_case['id']}",
                           headers=hall.clerk.headers).status_code == 404
    assert hall.client.get("/api/v1/applications",
                           headers=hall.approvers["market"].headers).status_code == 403
    assert hall.client.get("/api/v1/applications/not-a-uuid",
                           headers=hall.clerk.headers).status_code == 404


def test_listing_pages_newest_first(hall, frozen_clock):
    ids = []
    for _ in range(5):
        ids.append(hall.submitted()["id"])
        frozen_clock.advance(dt.timedelta(minutes=1))
    seen, cursor = [], None
    while True:
        url = "/api/v1/applications?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = hall.client.get(url, headers=hall.clerk.headers).json
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    in_review = hall.client.get("/api/v1/applications?status=in_review",
                                headers=hall.clerk.headers).json["items"]
    assert len(in_review) == 5
    assert hall.client.get("/api/v1/applications?status=approved",
                           headers=hall.clerk.headers).json["items"] == []


def test_detail_has_tasks_and_history(hall):
    case = hall.submitted()
    detail = hall.get(case["id"])
    assert [h["action"] for h in detail["history"]] == ["application.submitted"]
    assert detail["history"][0]["actor"] == hall.clerk.username
    assert detail["history"][0]["at"] == "2026-11-30T09:00:00+08:00"
    assert detail["warnings"] == [] and len(detail["tasks"]) == 1
