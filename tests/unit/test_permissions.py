import pytest

from hub.errors import PermissionDenied
from hub.permissions import RULES, Principal, Scope, allowed, own_center, own_department, require


def person(*roles, center="binhe", department=None):
    return Principal(username="p", roles=frozenset(roles), center=center, department=department)


def test_unknown_action_is_denied_by_default():
    assert not allowed(person("admin"), "no.such.action")
    with pytest.raises(PermissionDenied):
        require(person("admin"), "no.such.action")


def test_supervisor_reads_everything_and_writes_nothing():
    supervisor = person("supervisor")
    for action in RULES:
        if action.endswith((".write", ".submit", ".decide", ".create")):
            assert not allowed(supervisor, action, Scope(center="binhe")), action


def test_own_center_rule_is_object_level():
    rule = own_center("clerk")
    assert rule(person("clerk"), Scope(center="binhe"))
    assert not rule(person("clerk"), Scope(center="daxi"))
    assert not rule(person("clerk"), None)
    assert not rule(person("approver"), Scope(center="binhe"))


def test_own_department_rule_is_object_level():
    rule = own_department("approver")
    assert rule(person("approver", department="fire"), Scope(department="fire"))
    assert not rule(person("approver", department="fire"), Scope(department="market"))
    assert not rule(person("approver", department=None), Scope(department=None))


def test_system_principal_passes_every_rule():
    system = Principal.system()
    assert all(allowed(system, action, Scope(center="x", department="y")) for action in RULES)
