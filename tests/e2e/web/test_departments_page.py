"""The administrator's department list says which departments nobody in post can decide
for (无人可办), by the same rule as the item editor's (hub/directory/deciders.py): the
walk of the demo found 人防办 flagged on /admin/items and not on /admin/departments."""
from __future__ import annotations

from tests.e2e.web.staff import Workstation, table_rows


def test_a_department_without_anyone_in_post_is_flagged_until_someone_is(app, people):
    people.departments("market", "civil")
    people.approver("market")
    admin = Workstation(app, people.admin())
    rows = {r[0]: r for r in table_rows(admin.get("/admin/departments"), "//table")}
    assert "无人可办" in rows["civil"][3] and "无人可办" not in rows["market"][3]
    people.chief("civil")
    rows = {r[0]: r for r in table_rows(admin.get("/admin/departments"), "//table")}
    assert "无人可办" not in rows["civil"][3]
