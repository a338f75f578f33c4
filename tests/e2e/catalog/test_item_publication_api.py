"""The service-item editor's API (issue 21, item 9), on both backends: a draft beside the
published definition, publication only when it holds together (stage days within the
promised days, every department active with an active approver), new cases get what is
published while cases in flight keep theirs, availability per center and 停办,
departments deactivated; each change audited, bad input a 4xx that writes nothing."""
import pytest
from sqlalchemy import func, select

from hub.audit.models import AuditRecord
from hub.catalog.models import ServiceItem
from tests.e2e.approvals.conftest import hall  # noqa: F401

DRAFT = {"name": "开办餐饮店", "promised_days": 10, "yellow_days": 1,
         "form": [{"name": "shop_name", "label": "店铺名称", "type": "string", "required": True,
                   "departments": ["market"]},
                  {"name": "seats", "label": "座位数", "type": "integer", "min": 0, "max": 500,
                   "departments": ["fire"]}],
         "stages": [{"mode": "all", "tasks": [{"department": "market", "days": 2}]},
                    {"mode": "all", "tasks": [{"department": "fire", "days": 4},
                                              {"department": "food", "days": 4}]}]}


def audits(session, action):
    return session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == action))


def call(hall, method, path, body=None):  # noqa: F811
    return hall.client.open(f"/api/v1/service-items/open-restaurant{path}", method=method,
                            json=body, headers=hall.admin.headers)


def test_a_draft_is_published_and_only_new_cases_get_it(hall, session):  # noqa: F811
    before = hall.submitted()
    saved = call(hall, "PUT", "/draft", DRAFT)
    assert saved.status_code == 200, saved.json
    assert saved.json["problems"] == {} and saved.json["draft"]["stages"] == DRAFT["stages"]
    assert saved.json["published"]["stages"][1]["tasks"][0]["days"] == 5
    # Not yet published: a case accepted now still gets the published routing.
    meanwhile = hall.submitted()
    assert hall.task(meanwhile, "market")["due_at"] == hall.task(before, "market")["due_at"]
    published = call(hall, "POST", "/publish")
    assert published.status_code == 200, published.json
    assert published.json["version"] == 2 and published.json["has_draft"] is False
    after = hall.submitted(form={"shop_name": "老边饺子馆", "seats": 20})
    assert hall.task(after, "market")["due_at"] == "2026-12-02T23:59:59+08:00"  # 2 days now
    assert hall.task(hall.get(before["id"]), "market")["due_at"] == "2026-12-03T23:59:59+08:00"
    assert audits(session, "service_item.drafted") == 1
    assert audits(session, "service_item.published") == 1


@pytest.mark.parametrize("change, field, words", [
    ({"promised_days": 5}, "promised_days", "各阶段时限之和为 6 个工作日"),
    ({"stages": [{"mode": "all", "tasks": [{"department": "tax", "days": 2}]}]},
     "stages.0.tasks.0.department", "没有在岗的审批人员或首席代表"),
])
def test_publication_is_refused_while_the_draft_does_not_hold_together(
        hall, session, people, change, field, words):  # noqa: F811
    people.department("tax")
    assert call(hall, "PUT", "/draft", {**DRAFT, **change}).json["problems"][field]
    before = (audits(session, "service_item.published"),
              session.get(ServiceItem, "open-restaurant").version)
    refused = call(hall, "POST", "/publish")
    assert refused.status_code == 422 and words in refused.json["errors"][field][0]
    session.expire_all()
    assert (audits(session, "service_item.published"),
            session.get(ServiceItem, "open-restaurant").version) == before


def test_a_deactivated_department_takes_no_new_steps(hall, session):  # noqa: F811
    stopped = hall.client.patch("/api/v1/departments/food", json={"active": False},
                                headers=hall.admin.headers)
    assert stopped.status_code == 200 and stopped.json["active"] is False
    assert audits(session, "department.deactivated") == 1
    call(hall, "PUT", "/draft", DRAFT)
    refused = call(hall, "POST", "/publish")
    assert refused.status_code == 422
    assert "已停用" in refused.json["errors"]["stages.1.tasks.1.department"][0]
    assert hall.client.patch("/api/v1/departments/food", json={"active": "maybe"},
                             headers=hall.admin.headers).status_code == 422
    assert hall.client.patch("/api/v1/departments/food", json={"active": True},
                             headers=hall.clerk.headers).status_code == 403


def test_availability_per_center_and_stopping_an_item(hall, session):  # noqa: F811
    limited = call(hall, "PUT", "/availability", {"active": True, "centers": ["daxi"]})
    assert limited.status_code == 200 and limited.json["centers"] == ["daxi"]
    refused = hall.submit()
    assert refused.status_code == 422
    assert refused.json["errors"] == {"service_item": ["本中心不受理该事项"]}
    call(hall, "PUT", "/availability", {"active": False, "centers": None})
    assert hall.submit().json["errors"] == {"service_item": ["该事项已停办，不再受理新的申请"]}
    assert call(hall, "PUT", "/availability", {"active": True, "centers": ["nowhere"]}) \
        .status_code == 422
    assert audits(session, "service_item.availability") == 2


def test_a_draft_can_be_dropped_and_bad_input_changes_nothing(hall, session):  # noqa: F811
    assert call(hall, "DELETE", "/draft").status_code == 409
    assert call(hall, "POST", "/publish").status_code == 409
    before = audits(session, "service_item.drafted")
    for bad in ({**DRAFT, "promised_days": "10"}, {**DRAFT, "stages": []},
                {**DRAFT, "form": [{"name": "x", "label": "X", "type": "string", "min": 1}]}):
        assert call(hall, "PUT", "/draft", bad).status_code == 422
    assert audits(session, "service_item.drafted") == before
    assert hall.client.put("/api/v1/service-items/open-restaurant/draft", json=DRAFT,
                           headers=hall.clerk.headers).status_code == 403
    call(hall, "PUT", "/draft", DRAFT)
    dropped = call(hall, "DELETE", "/draft")
    assert dropped.status_code == 200 and dropped.json["draft"] is None
    assert audits(session, "service_item.draft_discarded") == 1
