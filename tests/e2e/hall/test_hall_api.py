"""The guide and the hall over HTTP: the administrator keeps them, anyone reads them
without signing in, officials read the coverage; bad input is a 422 that changes nothing."""
import pytest
from sqlalchemy import func, select

from hub.audit.models import AuditRecord
from hub.catalog.models import ServiceItem
from hub.hall.models import HallWindow
from tests.factories import guide_definition, window_definition


@pytest.fixture
def hall(people):
    people.service_item()
    return {"admin": people.admin(), "clerk": people.clerk(center="binhe"),
            "supervisor": people.supervisor()}


def test_admin_keeps_the_guide_and_windows_and_anyone_reads_them(client, hall, session):
    admin = hall["admin"].headers
    guide = guide_definition()
    put = client.put("/api/v1/service-items/open-restaurant/guide", json=guide, headers=admin)
    assert put.status_code == 200, put.json
    assert put.json == guide
    windows = [window_definition("A01", floor=1, capacity_per_slot=3),
               window_definition("B02", floor=2, name="食品经营许可窗口", capacity_per_slot=1),
               window_definition("B03", floor=2, name="消防窗口", service_items=[])]
    put = client.put("/api/v1/centers/binhe/windows", json=windows, headers=admin)
    assert put.status_code == 200, put.json
    assert [w["window"] for w in put.json] == ["A01", "B02", "B03"]

    # No Authorization header at all: the public site's API.
    read = client.get("/api/v1/public/guide/open-restaurant")
    assert read.status_code == 200, read.json
    body = read.json
    assert {k: body[k] for k in ("code", "name", "promised_days", "legal_days", "fee", "basis")} \
        == {"code": "open-restaurant", "name": "开办餐饮店", "promised_days": 10,
            "legal_days": 20, "fee": "不收费", "basis": guide["basis"]}
    assert body["materials"] == guide["materials"]
    assert [(w["center"], w["floor"], w["window"]) for w in body["windows"]] == \
        [("binhe", 1, "A01"), ("binhe", 2, "B02")]
    assert body["stages"][0]["tasks"][0]["department"] == "market"
    assert body["complete"] is True and body["bookable"] is True

    listed = client.get("/api/v1/public/centers/binhe/windows")
    assert listed.status_code == 200
    assert listed.json[0] == {"window": "A01", "floor": 1, "name": "市场监管综合窗口",
                              "service_items": ["open-restaurant"]}
    centers = client.get("/api/v1/public/centers").json
    district = next(c for c in centers if c["code"] == "district")
    assert district["address"] and district["hours"] and district["phone"]

    actions = set(session.scalars(select(AuditRecord.action)))
    assert {"service_item.guide_updated", "hall.windows_replaced"} <= actions


def test_the_public_reads_no_unknown_center_or_item(client, hall):
    assert client.get("/api/v1/public/guide/nothing-like-it").status_code == 404
    assert client.get("/api/v1/public/centers/atlantis/windows").status_code == 404
    assert client.get("/api/v1/public/centers/binhe/windows").json == []


@pytest.mark.parametrize("change, field", [
    ({"legal_days": "二十"}, "legal_days"),
    ({"legal_days": 0}, "legal_days"),
    ({"fee": 5}, "fee"),
    ({"materials": "营业执照"}, "materials"),
    ({"materials": [{"name": "营业执照", "copies": 0}]}, "materials.0.copies"),
    ({"materials": [{"copies": 1}]}, "materials.0.name"),
    ({"materials": [{"name": "营业执照"}, {"name": "营业执照"}]}, "materials"),
    ({"basis": "依据\x07"}, "basis"),
])
def test_a_bad_guide_is_422_and_changes_nothing(client, hall, session, change, field):
    response = client.put("/api/v1/service-items/open-restaurant/guide",
                          json=guide_definition(**change), headers=hall["admin"].headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert session.scalar(select(ServiceItem.guide)) is None
    assert session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "service_item.guide_updated")) == 0


@pytest.mark.parametrize("windows, field", [
    ([window_definition(service_items=["no-such-item"])], "0.service_items"),
    ([window_definition("A01"), window_definition("A01")], "1.window"),
    ([window_definition(capacity_per_slot=-1)], "0.capacity_per_slot"),
    ([window_definition(capacity_per_slot="两")], "0.capacity_per_slot"),
    ([window_definition(floor="二楼")], "0.floor"),
    ([window_definition(window="A 01")], "0.window"),
    ([{"window": "A01"}], "0.floor"),
])
def test_bad_windows_are_422_and_change_nothing(client, hall, people, session, windows, field):
    people.windows("binhe", window_definition("Z09"))
    response = client.put("/api/v1/centers/binhe/windows", json=windows,
                          headers=hall["admin"].headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert session.scalars(select(HallWindow.window)).all() == ["Z09"]


def test_windows_of_an_unknown_center_are_404(client, hall):
    response = client.put("/api/v1/centers/atlantis/windows", json=[window_definition()],
                          headers=hall["admin"].headers)
    assert response.status_code == 404


def test_only_the_administrator_keeps_the_guide_and_the_hall(client, hall):
    for who in ("clerk", "supervisor"):
        headers = hall[who].headers
        assert client.put("/api/v1/service-items/open-restaurant/guide",
                          json=guide_definition(), headers=headers).status_code == 403
        assert client.put("/api/v1/centers/binhe/windows", json=[window_definition()],
                          headers=headers).status_code == 403
    assert client.put("/api/v1/centers/binhe/windows", json=[window_definition()]).status_code \
        == 401


def test_officials_read_the_coverage_of_the_guides(client, hall, people):
    people.service_item(code="second-item", name="第二个事项")
    people.guide()
    assert client.get("/api/v1/supervision/guides", headers=hall["supervisor"].headers).json[
        "complete_guides"] == 0  # no window handles it yet
    people.windows("binhe", window_definition(), window_definition(
        "A02", service_items=["second-item"], capacity_per_slot=0))
    body = client.get("/api/v1/supervision/guides", headers=hall["supervisor"].headers).json
    assert (body["items"], body["complete_guides"], body["prereview_online"],
            body["booking_online"]) == (2, 1, 1, 1)
    assert body["incomplete"] == [{"code": "second-item", "name": "第二个事项",
                                   "missing": ["法定时限", "收费标准", "设定依据", "申请材料"]}]
    assert client.get("/api/v1/supervision/guides",
                      headers=hall["clerk"].headers).status_code == 403
