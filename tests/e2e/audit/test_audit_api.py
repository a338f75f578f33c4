"""The audit trail over HTTP: who may read it, filters, newest first."""
import datetime as dt

import pytest


@pytest.fixture
def trail(client, people):
    admin = people.admin(username="root")
    for code in ("tax", "police", "health"):
        assert client.post("/api/v1/departments", json={"code": code, "name": code},
                           headers=admin.headers).status_code == 201
    return admin


def test_supervisor_reads_the_trail_newest_first_with_filters(client, people, trail):
    supervisor = people.supervisor()
    page = client.get("/api/v1/audit?actor=root&limit=2", headers=supervisor.headers).json
    assert [r["target_id"] for r in page["items"]] == ["health", "police"]
    rest = client.get(f"/api/v1/audit?actor=root&limit=2&cursor={page['next_cursor']}",
                      headers=supervisor.headers).json
    assert [r["target_id"] for r in rest["items"]] == ["tax"] and rest["next_cursor"] is None
    record = client.get("/api/v1/audit?target=police", headers=supervisor.headers).json["items"][0]
    assert record["actor"] == "root" and record["action"] == "department.created"
    assert record["target_type"] == "department" and record["after"] == {"code": "police", "name": "police"}
    assert record["at"].endswith("+00:00")


@pytest.mark.parametrize("role, status", [("admin", 200), ("supervisor", 200), ("clerk", 403),
                                          ("approver", 403), ("chief", 403), ("adapter", 403)])
def test_who_may_read_the_trail(client, people, trail, role, status):
    caller = people.make(role, department="fire" if role in ("approver", "chief") else None)
    assert client.get("/api/v1/audit", headers=caller.headers).status_code == status


def test_the_trail_cannot_be_written_through_the_api(client, trail):
    for method in (client.post, client.put, client.delete, client.patch):
        assert method("/api/v1/audit", json={}, headers=trail.headers).status_code == 405


def test_the_trail_by_action_and_by_date(client, people, trail, frozen_clock):
    frozen_clock.advance(dt.timedelta(days=2))  # Wednesday 2 December
    supervisor, admin = people.supervisor(), people.admin(username="root2")
    client.post("/api/v1/departments", json={"code": "urban", "name": "urban"},
                headers=admin.headers)
    client.patch("/api/v1/users/root2", json={"display_name": "管理员二"}, headers=admin.headers)

    def targets(**query):
        page = client.get("/api/v1/audit", query_string=query, headers=supervisor.headers)
        assert page.status_code == 200, page.json
        return [(r["action"], r["target_id"]) for r in page.json["items"]]

    assert targets(action="user.updated") == [("user.updated", "root2")]
    # A trailing ".*" is every action of that kind; ``_`` and ``%`` are not wildcards.
    assert {a for a, _ in targets(action="department.*")} == {"department.created"}
    assert targets(action="user_updated.*") == []
    # Dates are Asia/Shanghai days, both ends included.
    assert {t for _, t in targets(**{"from": "2026-12-02", "to": "2026-12-02"})} == {
        "urban", "root2"}
    assert {t for _, t in targets(to="2026-11-30", action="department.created")} == {
        "tax", "police", "health"}
    for bad, field in (({"action": "DROP TABLE"}, "action"),
                       ({"from": "2026-12-03", "to": "2026-12-01"}, "to"),
                       ({"from": "yesterday"}, "from")):
        refused = client.get("/api/v1/audit", query_string=bad, headers=supervisor.headers)
        assert refused.status_code == 422 and field in refused.json["errors"], refused.json
