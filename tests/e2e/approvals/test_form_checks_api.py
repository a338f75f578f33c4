"""The checks a government form needs (issue 21, item 5) over HTTP on both backends:
the item's field definitions (ranges, not before today, the credit code's check
character) refuse bad answers with 422 naming the field and write nothing, at the
window's API, on resubmission and in the public site's pre-review."""

import pytest
from sqlalchemy import func, select

from hub.approvals.models import Application
from hub.audit.models import AuditRecord
from hub.outbox.models import OutboxMessage
from hub.prereviews.models import PreReview
from tests.e2e.approvals.conftest import ID_NUMBER, PHONE
from tests.e2e.prereviews.test_prereviews_api import data as prereview_data
from tests.e2e.prereviews.test_prereviews_api import upload

FORM = [
    {"name": "shop_name", "label": "店铺名称", "type": "string", "required": True,
     "departments": ["market"], "company": True},
    {"name": "seats", "label": "座位数", "type": "integer", "min": 0, "max": 2000,
     "departments": ["fire"]},
    {"name": "area_m2", "label": "经营面积（平方米）", "type": "number", "min": 1, "max": 10000,
     "departments": ["fire"]},
    {"name": "opening", "label": "开业日期", "type": "date", "not_past": True,
     "departments": ["market"]},
    {"name": "credit_code", "label": "统一社会信用代码", "type": "credit_code",
     "departments": ["market"]},
]
GOOD = {"shop_name": "老边饺子馆", "seats": 20, "area_m2": 85.5, "opening": "2026-12-15",
        "credit_code": "91350100M000100Y43"}


@pytest.fixture
def checked_item(people):
    people.service_item(code="open-restaurant", form=FORM)


def written(session):
    return tuple(session.scalar(select(func.count()).select_from(model))
                 for model in (Application, AuditRecord, OutboxMessage, PreReview))


def submit(hall, form):
    return hall.client.post("/api/v1/applications", headers=hall.clerk.headers, json={
        "service_item": "open-restaurant", "center": "binhe",
        "applicant": {"name": "张三丰", "id_number": ID_NUMBER, "phone": PHONE}, "form": form})


@pytest.mark.parametrize("change, field, message", [
    ({"seats": -5}, "form.seats", "不能小于 0"),
    ({"area_m2": 1e9}, "form.area_m2", "不能大于 10000"),
    ({"seats": 20.5}, "form.seats", "应为整数"),
    ({"opening": "2026-11-29"}, "form.opening", "不能早于受理当日（2026-11-30）"),
    ({"credit_code": "91350100M000100Y44"}, "form.credit_code", "统一社会信用代码校验位不符，请核对"),
    ({"credit_code": "91350100M000100Y4"}, "form.credit_code", "统一社会信用代码应为 18 位"),
])
def test_a_bad_answer_is_refused_naming_the_field_and_nothing_is_written(
        checked_item, hall, session, change, field, message):
    before = written(session)
    response = submit(hall, {**GOOD, **change})
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"] == {field: [message]}
    assert written(session) == before


def test_good_answers_are_kept_and_a_credit_code_as_its_18_capitals(checked_item, hall, session):
    response = submit(hall, {**GOOD, "opening": "2026-11-30",
                             "credit_code": "９１３５０１００ｍ０００１００ｙ４３"})
    assert response.status_code == 201, response.json
    assert response.json["form"]["credit_code"] == "91350100M000100Y43"
    assert session.scalars(select(Application.form)).one()["credit_code"] == "91350100M000100Y43"


def test_a_resubmission_is_checked_against_the_cases_own_form(checked_item, hall, session):
    application = submit(hall, GOOD).json
    task = hall.task(application, "market")
    hall.decided(task, "request_supplement", comment="请核对开业日期")
    url = f"/api/v1/applications/{application['id']}/resubmit"
    before = written(session)
    refused = hall.client.post(url, headers=hall.clerk.headers,
                               json={"form": {**GOOD, "seats": -5, "opening": "2026-11-01"}})
    assert refused.status_code == 422
    assert refused.json["errors"] == {"form.seats": ["不能小于 0"],
                                      "form.opening": ["不能早于受理当日（2026-11-30）"]}
    assert written(session) == before
    assert hall.client.post(url, headers=hall.clerk.headers,
                            json={"form": {**GOOD, "seats": 30}}).status_code == 200


def test_an_item_definition_with_checks_that_do_not_fit_is_refused(hall, session):
    definition = {"code": "bad-ranges", "name": "范围有误的事项", "promised_days": 5,
                  "stages": [{"mode": "all", "tasks": [{"department": "market", "days": 2}]}],
                  "form": [{"name": "seats", "label": "座位数", "type": "integer",
                            "min": 10, "max": 5},
                           {"name": "name", "label": "名称", "type": "string", "min": 1},
                           {"name": "day", "label": "日期", "type": "boolean", "not_past": True}]}
    before = written(session)
    response = hall.client.post("/api/v1/service-items", json=definition,
                                headers=hall.admin.headers)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"form.0.max", "form.1.min", "form.2.not_past"}
    assert written(session) == before


def test_the_public_pre_review_uses_the_same_checks(checked_item, client, desk, session):
    for change, field in (({"seats": -5}, "form.seats"), ({"area_m2": 1e9}, "form.area_m2"),
                          ({"credit_code": "91350100M000100Y44"}, "form.credit_code")):
        response = upload(client, body=prereview_data(form={**GOOD, **change}))
        assert response.status_code == 422, response.json
        assert list(response.json["errors"]) == [field]
        assert written(session)[3] == 0
    ok = upload(client, body=prereview_data(form={**GOOD, "credit_code": "91350100m000100y43"}))
    assert ok.status_code == 201, ok.json
    assert session.scalars(select(PreReview.form)).one()["credit_code"] == "91350100M000100Y43"
