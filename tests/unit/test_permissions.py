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


def test_every_action_is_described_in_chinese():
    # A refusal tells people what they may not do; a new rule needs its words too.
    from hub.permissions import ACTIONS

    assert sorted(set(RULES) - set(ACTIONS)) == []


def test_a_refusal_never_shows_the_rule_code():
    nobody = Principal(username="nobody", roles=frozenset())
    refused = [a for a in RULES if not allowed(nobody, a, Scope())]
    assert "task.assign" in refused
    for action in refused:
        with pytest.raises(PermissionDenied) as error:
            require(nobody, action, Scope())
        detail = error.value.detail
        assert detail.startswith("当前账号无权"), detail
        assert not any(c.isascii() and c.isalpha() for c in detail), detail
