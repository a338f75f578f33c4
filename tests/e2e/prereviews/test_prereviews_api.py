"""Online pre-review over HTTP on both backends: the upload (files judged by content,
each at most 10 MiB, a larger body on this endpoint only), everything wrong refused with
nothing stored (no row, no bytes), the clerk's review with its cards, the return's
reasons in the citizen's progress, the hand-over at the window with the materials
downloadable byte for byte by whoever may read the case, never as something to run."""
import datetime as dt
import io
import json

import pytest
from sqlalchemy import func, select

from hub.approvals.models import Application
from hub.audit.models import AuditRecord
from hub.clock import SHANGHAI
from hub.materials.models import Material, MaterialBlob
from hub.prereviews.models import PreReview
from tests.e2e.conftest import id_number
from tests.factories import ELF_BYTES, EXE_BYTES, JPEG_BYTES, pdf_bytes, png_bytes

MIB = 1024 * 1024


def data(**overrides):
    body = {"center": "binhe", "service_item": "open-restaurant",
            "applicant": {"name": "王小明", "id_number": id_number(), "phone": "13812345678"},
            "form": {"shop_name": "老边饺子馆"}}
    body.update(overrides)
    return body


def upload(client, files=None, body=None, raw_data=None, headers=None):
    files = files if files is not None else [("营业执照.pdf", pdf_bytes()),
                                             ("平面图.png", png_bytes())]
    form = {"data": raw_data if raw_data is not None else json.dumps(body or data(),
                                                                      ensure_ascii=False),
            "files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/api/v1/public/prereviews", data=form,
                       content_type="multipart/form-data", headers=headers or {})


def stored(session):
    return tuple(session.scalar(select(func.count()).select_from(model))
                 for model in (PreReview, Material, MaterialBlob))


def test_a_citizen_sends_the_form_and_materials_without_signing_in(client, desk, session):
    sent = upload(client)
    assert sent.status_code == 201, sent.json
    number, code = sent.json["number"], sent.json["code"]
    assert number.startswith("YS-BINHE-20261130-")
    assert sent.json["due_at"] == "2026-12-01T23:59:59+08:00"  # by the end of the next working day
    assert stored(session) == (1, 2, 2)
    row = session.scalars(select(PreReview)).one()
    assert row.status == "submitted" and row.form == {"shop_name": "老边饺子馆"}
    assert row.applicant_id_masked.count("*") == 10
    kinds = sorted(session.scalars(select(Material.content_type)))
    assert kinds == ["application/pdf", "image/png"]
    audit = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "prereview.submitted")).one()
    assert audit.actor == "citizen" and audit.target_id == number

    progress = client.get(f"/api/v1/public/progress/{number}", query_string={"code": code})
    assert progress.status_code == 200 and progress.json["type"] == "prereview"
    assert progress.json["status"] == "submitted" and progress.json["name"] == "王**"

    listed = client.get("/api/v1/prereviews", headers=desk["clerk"].headers)
    assert listed.status_code == 200
    item = listed.json["items"][0]
    assert item["number"] == number and item["warning"] is None
    assert [m["filename"] for m in item["materials"]] == ["营业执照.pdf", "平面图.png"]
    # The clerk downloads what was sent, byte for byte, as an attachment.
    material = item["materials"][1]
    got = client.get(f"/api/v1/prereviews/{number}/materials/{material['id']}",
                     headers=desk["clerk"].headers)
    assert got.status_code == 200 and got.data == png_bytes()
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]
    assert client.get(f"/api/v1/prereviews/{number}", headers=desk["other"].headers) \
        .status_code == 404


@pytest.mark.parametrize("files, status, field", [
    ([("营业执照.pdf", ELF_BYTES)], 415, "files.0"),  # a renamed program
    ([("平面图.png", pdf_bytes()), ("setup.jpg", EXE_BYTES)], 415, "files.1"),
    ([("照片.png", b"<html><script>alert(1)</script></html>")], 415, "files.0"),
    ([("空.pdf", b"")], 415, "files.0"),
    ([("大.pdf", pdf_bytes(padding=10 * MIB))], 413, "files.0"),  # just over 10 MiB
    ([], 422, "files"),
    ([(f"{n}.png", png_bytes()) for n in range(11)], 422, "files"),
])
def test_bad_files_are_refused_and_nothing_is_stored(client, desk, session, files, status,
                                                      field):
    response = upload(client, files=files)
    assert response.status_code == status, response.json
    assert field in response.json["errors"], response.json
    assert stored(session) == (0, 0, 0)
    assert session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action.like("prereview.%"))) == 0


@pytest.mark.parametrize("change, status, field", [
    ({"raw_data": "{not json"}, 400, "data"),
    ({"raw_data": "[1, 2]"}, 422, "data"),
    ({"body": data(applicant={"name": "王小明", "id_number": "210102199001011230",
                              "phone": "13812345678"})}, 422, "applicant.id_number"),
    ({"body": data(applicant={"name": "王小明", "id_number": 210102199001011237,
                              "phone": "13812345678"})}, 422, "applicant.id_number"),
    ({"body": data(form={})}, 422, "form.shop_name"),
    ({"body": data(form={"shop_name": 12})}, 422, "form.shop_name"),
    ({"body": data(service_item="no-such-item")}, 422, "service_item"),
    ({"body": data(center="daxi")}, 422, "center"),  # no window of daxi handles it
])
def test_bad_data_is_refused_and_nothing_is_stored(client, desk, session, change, status,
                                                    field):
    response = upload(client, **change)
    assert response.status_code == status, response.json
    assert field in response.json["errors"], response.json
    assert stored(session) == (0, 0, 0)


def test_an_upload_must_be_multipart(client, desk, session):
    response = client.post("/api/v1/public/prereviews", json=data())
    assert response.status_code == 415
    assert stored(session) == (0, 0, 0)


def test_the_larger_body_is_this_endpoints_alone(client, desk, session):
    two_mib = pdf_bytes(padding=2 * MIB)
    assert upload(client, files=[("扫描件.pdf", two_mib)]).status_code == 201
    elsewhere = client.post("/api/v1/public/appointments", data=b"{" + b" " * (2 * MIB) + b"}",
                            content_type="application/json")
    assert elsewhere.status_code == 413
    # Past files × size + 1 MiB the whole body is refused before it is read.
    too_much = client.post("/api/v1/public/prereviews", data=b"x" * (102 * MIB),
                           content_type="multipart/form-data; boundary=x")
    assert too_much.status_code == 413
    assert stored(session) == (1, 1, 1)


def test_the_same_file_twice_is_kept_once(client, desk, session):
    same = pdf_bytes("the same scan")
    assert upload(client, files=[("a.pdf", same), ("b.pdf", same)]).status_code == 201
    assert upload(client, files=[("c.pdf", same)]).status_code == 201
    assert stored(session) == (2, 3, 1)


def test_a_name_that_lies_is_made_to_tell_the_truth(client, desk, session):
    sent = upload(client, files=[("..\\\\..\\\\营业执照.exe", pdf_bytes()),
                                 ("photo\u202egnp.jpg", JPEG_BYTES)])
    assert sent.status_code == 201, sent.json
    assert sorted(session.scalars(select(Material.filename))) == ["photognp.jpg",
                                                                   "营业执照.exe.pdf"]


def test_the_clerk_returns_with_reasons_the_citizen_reads(client, desk, session):
    sent = upload(client).json
    url = f"/api/v1/prereviews/{sent['number']}/decision"
    clerk = desk["clerk"].headers
    assert client.post(url, json={"decision": "return"}, headers=clerk).status_code == 422
    assert client.post(url, json={"decision": "maybe"}, headers=clerk).status_code == 422
    assert client.post(url, json={"decision": "return", "reasons": [7]},
                       headers=clerk).status_code == 422
    assert client.post(url, json={"decision": "pass"},
                       headers=desk["other"].headers).status_code == 404
    assert session.scalar(select(PreReview.status)) == "submitted"
    returned = client.post(url, json={"decision": "return",
                                      "reasons": ["平面布局图未标明操作间"]}, headers=clerk)
    assert returned.status_code == 200, returned.json
    assert returned.json["status"] == "returned"
    assert client.post(url, json={"decision": "pass"}, headers=clerk).status_code == 409
    progress = client.get(f"/api/v1/public/progress/{sent['number']}",
                          query_string={"code": sent["code"]}).json
    assert progress["status"] == "returned" and progress["reasons"] == ["平面布局图未标明操作间"]
    accept = client.post(f"/api/v1/prereviews/{sent['number']}/accept", headers=clerk)
    assert accept.status_code == 409


def test_a_passed_pre_review_becomes_the_application_with_its_materials(
        client, desk, people, session):
    files = [("营业执照.pdf", pdf_bytes("licence")), ("平面图.png", png_bytes(8, 8)),
             ("健康证.jpg", JPEG_BYTES)]
    sent = upload(client, files=files).json
    clerk = desk["clerk"].headers
    number = sent["number"]
    assert client.post(f"/api/v1/prereviews/{number}/accept", headers=clerk).status_code == 409
    passed = client.post(f"/api/v1/prereviews/{number}/decision", json={"decision": "pass"},
                         headers=clerk)
    assert passed.status_code == 200 and passed.json["status"] == "passed"
    assert client.post(f"/api/v1/prereviews/{number}/accept",
                       headers=desk["other"].headers).status_code == 404
    accepted = client.post(f"/api/v1/prereviews/{number}/accept", headers=clerk)
    assert accepted.status_code == 201, accepted.json
    case = accepted.json
    assert case["form"] == {"shop_name": "老边饺子馆"} and case["status"] == "in_review"
    assert case["applicant"]["name"] == "王**" and case["receipt_code"]
    assert [m["filename"] for m in case["materials"]] == [n for n, _ in files]
    assert client.post(f"/api/v1/prereviews/{number}/accept", headers=clerk).status_code == 409
    assert session.scalar(select(func.count()).select_from(Application)) == 1
    assert session.scalar(select(PreReview.status)) == "accepted"

    detail = client.get(f"/api/v1/applications/{case['id']}", headers=clerk).json
    assert [m["sha256"] for m in detail["materials"]] == [m["sha256"] for m in case["materials"]]
    market = people.approver("market")
    for who in (desk["clerk"], desk["supervisor"], market):
        for material, (_, content) in zip(detail["materials"], files, strict=True):
            got = client.get(f"/api/v1/applications/{case['id']}/materials/{material['id']}",
                             headers=who.headers)
            assert got.status_code == 200
            assert got.data == content  # byte for byte
            assert got.headers["Content-Disposition"].startswith("attachment;")
            assert got.headers["Content-Type"] in ("application/pdf", "image/png", "image/jpeg")
    first = detail["materials"][0]["id"]
    url = f"/api/v1/applications/{case['id']}/materials/{first}"
    assert client.get(url, headers=desk["other"].headers).status_code == 404
    assert client.get(url).status_code == 401
    assert client.get(f"/api/v1/applications/{case['id']}/materials/not-a-uuid",
                      headers=clerk).status_code == 404
    actions = set(session.scalars(select(AuditRecord.action)))
    assert {"prereview.passed", "prereview.accepted", "application.submitted",
            "application.materials_attached"} <= actions


def test_reviews_turn_yellow_on_their_last_day_and_red_after_it(client, desk, people,
                                                                 frozen_clock):
    number = upload(client).json["number"]

    def card():
        headers = {"Authorization": f"Bearer {people.token_for(desk['clerk'].user)}"}
        return client.get(f"/api/v1/prereviews/{number}", headers=headers).json["warning"]

    assert card() is None
    frozen_clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    assert card() == "yellow"
    frozen_clock.set(dt.datetime(2026, 12, 2, 0, 0, 1, tzinfo=SHANGHAI))
    assert card() == "red"
    headers = {"Authorization": f"Bearer {people.token_for(desk['clerk'].user)}"}
    red = client.get("/api/v1/prereviews", query_string={"warning": "red"}, headers=headers)
    assert [p["number"] for p in red.json["items"]] == [number]
