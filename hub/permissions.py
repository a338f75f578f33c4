"""The one place for permissions: who may do what, to which object.

Deny by default: an action missing from ``RULES`` is refused. Views check the
route-level action; services check object-level ones on the rows they load, with
the same table. The authorisation tests are generated from it too.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Protocol

from hub.errors import PermissionDenied

SYSTEM_ROLE = "system"


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who acts: a signed-in user, an adapter's service account, or the system itself."""

    username: str
    roles: frozenset[str]
    user_id: int | None = None
    center: str | None = None
    department: str | None = None
    display_name: str = ""
    request_id: str | None = None

    @classmethod
    def system(cls, name: str = "system", request_id: str | None = None) -> Principal:
        return cls(username=name, roles=frozenset({SYSTEM_ROLE}), display_name="系统",
                   request_id=request_id)

    @property
    def is_system(self) -> bool:
        return SYSTEM_ROLE in self.roles

    def has_role(self, *roles: str) -> bool:
        return self.is_system or bool(self.roles.intersection(roles))


class Scoped(Protocol):
    """What object-level rules look at: the center and department an object belongs to."""

    center: str | None
    department: str | None


@dataclasses.dataclass(frozen=True)
class Scope:
    center: str | None = None
    department: str | None = None


Rule = Callable[[Principal, Any], bool]


def roles(*names: str) -> Rule:
    return lambda principal, _resource=None: principal.has_role(*names)


def own_center(*names: str) -> Rule:
    """A role acting on its own center's objects (clerks, adapters)."""
    return lambda p, r: p.is_system or (p.has_role(*names) and r is not None
                                       and r.center is not None and r.center == p.center)


def own_department(*names: str) -> Rule:
    """A role acting on its own department's objects (approvers, chiefs)."""
    return lambda p, r: p.is_system or (p.has_role(*names) and r is not None
                                       and r.department is not None
                                       and r.department == p.department)


def involved_department(*names: str) -> Rule:
    """A role acting on an object that several departments share (an application read
    by the approvers and chiefs of any department with a task on it)."""
    return lambda p, r: p.is_system or (p.has_role(*names) and r is not None
                                       and p.department is not None
                                       and p.department in getattr(r, "departments", ()))


def any_of(*rules: Rule) -> Rule:
    return lambda p, r: any(rule(p, r) for rule in rules)


def anyone(_principal: Principal, _resource: Any = None) -> bool:
    return True


RULES: dict[str, Rule] = {
    # Directory
    "centers.read": anyone,
    "departments.read": anyone,
    "departments.write": roles("admin"),
    "users.read": roles("admin", "supervisor"),
    "users.write": roles("admin"),
    # Catalog
    "catalog.read": anyone,
    "catalog.write": roles("admin"),
    # Audit
    "audit.read": roles("supervisor", "admin"),
    # E-supervision: officials and administrators read every center's figures.
    "supervision.read": roles("supervisor", "admin"),
    # Sync: admins start runs, supervisors watch them; a center's adapter service account
    # writes only its own center's records.
    "sync.run": roles("admin"),
    "sync.read": roles("admin", "supervisor"),
    "sync.write": own_center("adapter"),
    # Approvals. Plural names guard a route (role only); singular ones one object, by its
    # center or department. A supervisor reads everything and writes nothing.
    "applications.list": roles("clerk", "supervisor"),
    "applications.view": roles("clerk", "approver", "chief", "supervisor"),
    "applications.submit": roles("clerk"),
    "applications.change": roles("clerk"),  # withdraw, resubmit
    "applications.view_applicant": roles("clerk", "supervisor"),
    "application.list_center": any_of(own_center("clerk"), roles("supervisor")),
    "application.read": any_of(own_center("clerk"), roles("supervisor"),
                               involved_department("approver", "chief")),
    "application.submit": own_center("clerk"),
    "application.change": own_center("clerk"),
    "application.read_applicant": any_of(own_center("clerk"), roles("supervisor")),
    "tasks.list": roles("approver", "chief", "supervisor"),
    "tasks.decide": roles("approver", "chief"),
    "tasks.assign": roles("chief"),
    "task.list_department": any_of(own_department("approver", "chief"), roles("supervisor")),
    "task.decide": own_department("approver", "chief"),
    "task.assign": own_department("chief"),
    "notifications.read": roles("clerk", "approver", "chief", "supervisor"),
    # The working-day calendar
    "calendar.read": anyone,
    "calendar.write": roles("admin"),
}


def allowed(principal: Principal, action: str, resource: Any = None) -> bool:
    rule = RULES.get(action)
    if rule is None:
        return False
    return bool(rule(principal, resource))


def require(principal: Principal, action: str, resource: Any = None) -> None:
    """Raise ``PermissionDenied`` unless ``principal`` may do ``action`` (to ``resource``)."""
    if not allowed(principal, action, resource):
        raise PermissionDenied(f"当前账号无权执行此操作（{action}）")
