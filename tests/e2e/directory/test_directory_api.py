"""Centers, departments and staff accounts over HTTP: who may, who may not, bad input."""
import pytest
from sqlalchemy import func, select

from hub.audit.models import AuditRecord
from hub.directory.models import Department, User


def audit_count(session):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditRecord))


def test_centers_lists_the_district_and_fifteen_streets(client, people):
    response = client.get("/api/v1/centers", headers=people.clerk().headers)
    assert response.status_code == 200
    items = response.json["items"]
    assert len(items) == 16 and response.json["next_cursor"] is None
    assert items[0] == {"code": "district", "name": "沈河区政务服务中心", "level": "district",
                        "parent": None}
    streets = [c for c in items if c["level"] == "street"]
    assert len(streets) == 15 and all(c["parent"] == "district" for c in streets)
    assert all(c["name"].endswith("街道政务服务中心") for c in streets)


def test_lists_page_with_a_cursor(client, people):
    headers = people.clerk().headers
    first = client.get("/api/v1/centers?limit=10", headers=headers).json
    second = client.get(f"/api/v1/centers?limit=10&cursor={first['next_cursor']}", headers=headers).json
    codes = [c["code"] for c in first["items"] + second["items"]]
    assert len(codes) == 16 == len(set(codes)) and second["next_cursor"] is None


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=501", "limit"),
                                          ("limit=x", "limit"), ("cursor=%%%", "cursor"),
                                          ("cursor=WyJ4Il0", "cursor")])
def test_bad_paging_is_422_naming_the_field(client, people, query, field):
    response = client.get(f"/api/v1/centers?{query}", headers=people.clerk().headers)
    assert response.status_code == 422 and field in response.json["errors"]


def test_admin_creates_a_department_and_it_is_audited(client, people, session):
    admin = people.admin(username="root")
    response = client.post("/api/v1/departments", json={"code": "tax", "name": "区税务局"},
                           headers=admin.headers)
    assert response.status_code == 201 and response.json == {"code": "tax", "name": "区税务局"}
    record = session.scalars(select(AuditRecord).where(AuditRecord.target_id == "tax")).one()
    assert (record.actor, record.action, record.after) == (
        "root", "department.created", {"code": "tax", "name": "区税务局"})
    assert record.request_id == response.headers["X-Request-ID"]
    listed = client.get("/api/v1/departments", headers=people.clerk().headers).json["items"]
    assert {"code": "tax", "name": "区税务局"} in listed


def test_duplicate_department_is_409_and_writes_nothing(client, people, session):
    admin = people.admin()
    people.department("tax")
    before = audit_count(session)
    response = client.post("/api/v1/departments", json={"code": "tax", "name": "again"},
                           headers=admin.headers)
    assert response.status_code == 409
    assert audit_count(session) == before


@pytest.mark.parametrize("role", ["clerk", "approver", "chief", "supervisor", "adapter"])
def test_only_admin_creates_departments(client, people, session, role):
    caller = people.make(role, department="fire" if role in ("approver", "chief") else None)
    response = client.post("/api/v1/departments", json={"code": "tax", "name": "区税务局"},
                           headers=caller.headers)
    assert response.status_code == 403
    assert session.get(Department, "tax") is None


@pytest.mark.parametrize("body, field", [
    ({"name": "x"}, "code"), ({"code": "tax"}, "name"), ({"code": "Tax!", "name": "x"}, "code"),
    ({"code": "tax", "name": ""}, "name"), ({"code": 5, "name": "x"}, "code"),
    ({"code": "tax", "name": "x", "extra": 1}, "extra"),
])
def test_invalid_department_is_422_naming_the_field(client, people, session, body, field):
    response = client.post("/api/v1/departments", json=body, headers=people.admin().headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"]
    assert session.get(Department, "tax") is None


def new_user(**overrides):
    return {"username": "li.na", "display_name": "李娜", "center": "binhe", "roles": ["clerk"],
            "password": "long enough pw", **overrides}


def test_admin_manages_the_user_directory(client, people, session):
    admin = people.admin()
    created = client.post("/api/v1/users", json=new_user(), headers=admin.headers)
    assert created.status_code == 201, created.json
    assert created.json == {"username": "li.na", "display_name": "李娜", "center": "binhe",
                            "department": None, "roles": ["clerk"], "status": "active",
                            "source": "hub"}
    assert "password" not in created.json
    stored = session.scalars(select(User).where(User.username == "li.na")).one()
    assert stored.password_hash.startswith("$argon2id$")
    got = client.get("/api/v1/users/li.na", headers=people.supervisor().headers)
    assert got.status_code == 200 and got.json["center"] == "binhe"
    patched = client.patch("/api/v1/users/li.na", json={"display_name": "李娜娜"}, headers=admin.headers)
    assert patched.json["display_name"] == "李娜娜"
    listed = client.get("/api/v1/users?center=binhe&status=active", headers=admin.headers).json
    assert [u["username"] for u in listed["items"]] == ["li.na"]
    actions = session.scalars(select(AuditRecord.action).where(AuditRecord.target_id == "li.na")
                              .order_by(AuditRecord.id)).all()
    assert actions == ["user.created", "user.updated"]


def test_user_filters(client, people):
    admin = people.admin()
    people.approver("fire", username="fire1")
    people.make("clerk", username="gone", center="binhe", status="left")
    by_dept = client.get("/api/v1/users?department=fire", headers=admin.headers).json["items"]
    assert [u["username"] for u in by_dept] == ["fire1"]
    left = client.get("/api/v1/users?status=left", headers=admin.headers).json["items"]
    assert [u["username"] for u in left] == ["gone"]
    assert client.get("/api/v1/users?status=away", headers=admin.headers).status_code == 422


@pytest.mark.parametrize("overrides, field", [
    ({"center": "nowhere"}, "center"), ({"department": "nowhere"}, "department"),
    ({"roles": ["approver"]}, "department"), ({"roles": []}, "roles"),
    ({"roles": ["king"]}, "roles"), ({"password": "short"}, "password"),
    ({"username": "空 格"}, "username"), ({"status": "retired"}, "status"),
])
def test_invalid_users_are_refused_and_nothing_is_written(client, people, session, overrides, field):
    before = audit_count(session)
    response = client.post("/api/v1/users", json=new_user(**overrides), headers=people.admin().headers)
    assert response.status_code == 422, response.json
    # List items are named by position: "roles.0".
    assert any(key.split(".")[0] == field for key in response.json["errors"]), response.json
    assert audit_count(session) == before
    assert session.scalars(select(User).where(User.username == new_user(**overrides)["username"])).first() is None


def test_duplicate_username_is_409(client, people):
    admin = people.admin()
    assert client.post("/api/v1/users", json=new_user(), headers=admin.headers).status_code == 201
    assert client.post("/api/v1/users", json=new_user(), headers=admin.headers).status_code == 409


def test_unknown_user_is_404(client, people):
    admin = people.admin()
    assert client.get("/api/v1/users/nobody", headers=admin.headers).status_code == 404
    assert client.patch("/api/v1/users/nobody", json={"display_name": "x"},
                        headers=admin.headers).status_code == 404


@pytest.mark.parametrize("role, read, write", [
    ("admin", 200, 201), ("supervisor", 200, 403), ("clerk", 403, 403),
    ("approver", 403, 403), ("chief", 403, 403), ("adapter", 403, 403),
])
def test_user_directory_permissions(client, people, role, read, write):
    caller = people.make(role, department="fire" if role in ("approver", "chief") else None)
    assert client.get("/api/v1/users", headers=caller.headers).status_code == read
    assert client.post("/api/v1/users", json=new_user(), headers=caller.headers).status_code == write
    patch = client.patch(f"/api/v1/users/{caller.username}", json={"roles": ["admin"]},
                         headers=caller.headers)
    assert patch.status_code == (200 if role == "admin" else 403)


def test_a_forbidden_caller_gets_403_before_validation(client, people):
    response = client.post("/api/v1/users", json={"nonsense": True}, headers=people.clerk().headers)
    assert response.status_code == 403
