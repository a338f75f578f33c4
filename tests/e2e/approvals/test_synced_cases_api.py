"""Cases synced from a center's own system are that system's records (issue 21,
item 7), over HTTP on both backends: the API says so (source, external_id, read_only),
and every change the hub would make to them is refused with 409, writing nothing."""
import pytest
from sqlalchemy import func, select

from adapters.sample.data import application_records
from hub.approvals.models import Application
from hub.audit.models import AuditRecord
from tests.integration.sync.conftest import fake_center, http_center, sync  # noqa: F401


@pytest.fixture
def synced(app, http_center, session):  # noqa: F811
    http_center.put_many("applications", [
        r for r in application_records("binhe", 6, items=("open-restaurant",))])
    [run] = sync(app, stream="applications")
    assert run.status == "succeeded"
    return session.scalars(select(Application).where(Application.status == "in_review")).first()


def audit_count(session):
    return session.scalar(select(func.count()).select_from(AuditRecord))


def test_a_synced_case_reads_as_its_systems_record(client, people, synced):
    clerk = people.clerk(center="binhe")
    body = client.get(f"/api/v1/applications/{synced.id}", headers=clerk.headers).json
    assert body["source"] == "sync" and body["read_only"] is True
    assert body["external_id"] == synced.external_id
    assert body["applicant"]["phone"] is None and body["tasks"] == []


def test_the_hub_changes_nothing_of_a_synced_case(client, people, session, synced):
    clerk = people.clerk(center="binhe")
    before = (audit_count(session), synced.status, synced.version)
    base = f"/api/v1/applications/{synced.id}"
    for path, body in ((f"{base}/withdraw", {"reason": "申请人撤回"}),
                       (f"{base}/resubmit", {"form": {"shop_name": "老边饺子馆"}})):
        response = client.post(path, json=body, headers=clerk.headers)
        assert response.status_code == 409, response.json
        assert "中心自有业务系统" in response.json["detail"]
    session.expire_all()
    row = session.get(Application, synced.id)
    assert (audit_count(session), row.status, row.version) == before
