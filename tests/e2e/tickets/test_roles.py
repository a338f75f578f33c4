"""Who may do what to a ticket, from one table, on SQLite and PostgreSQL: every call center
endpoint × every role, of the ticket's own center or department and of another. Allowed
actors are not refused; a role that may use the route but not on this ticket because it
belongs to another center or department gets 404 (its existence does not leak); every
other refusal is 403 (a role that may not use the route at all is refused before any
ticket is looked at); nobody signed in gets 401."""
from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.tickets.conftest import CallCenter

# The cast: the ticket is binhe's, owned by op.binhe, assigned to market.
ACTORS = ("owner", "operator", "clerk", "operator@other", "approver", "chief",
          "approver@other", "chief@other", "supervisor", "admin", "adapter")
OTHERS = {"operator@other", "approver@other", "chief@other"}


def _cast(cc: CallCenter) -> dict[str, Any]:
    return {"owner": cc.operator, "operator": cc.operator2, "clerk": cc.clerk,
            "operator@other": cc.other, "approver": cc.approvers["market"],
            "chief": cc.chiefs["market"], "approver@other": cc.approvers["fire"],
            "chief@other": cc.chiefs["fire"], "supervisor": cc.supervisor, "admin": cc.admin,
            "adapter": cc.people.make("adapter", center="binhe")}


# (method, path, body, allowed actors, actors told "not found"); {id} is the ticket's.
TABLE = [
    ("GET", "/api/v1/tickets/{id}", None,
     {"owner", "operator", "clerk", "approver", "chief", "supervisor"}, OTHERS),
    ("GET", "/api/v1/tickets/{id}/caller", None, {"owner", "operator", "clerk", "supervisor"},
     {"operator@other"}),
    ("POST", "/api/v1/tickets/{id}/reply", {"content": "答复", "version": "{version}"},
     {"owner", "approver", "chief"}, OTHERS),
    ("POST", "/api/v1/tickets/{id}/assign", {"department": "fire", "note": "转消防"},
     {"owner", "chief"}, OTHERS),
    ("POST", "/api/v1/tickets/{id}/transfer", {"to_user": "op2.binhe", "reason": "接手"},
     {"owner"}, OTHERS),
    ("POST", "/api/v1/tickets/{id}/close", {"outcome": "satisfied"}, {"owner"}, OTHERS),
]
LISTS = [  # route-level: who may reach the list or the form at all
    ("GET", "/api/v1/tickets", None, set(ACTORS) - {"admin", "adapter"}),
    ("POST", "/api/v1/callers/history", {"phone": "13912345678"},
     {"owner", "operator", "clerk", "operator@other"}),
    ("GET", "/api/v1/tickets/policy", None, set(ACTORS)),
    ("GET", "/api/v1/ratings", None, {"clerk", "chief", "chief@other", "supervisor", "admin"}),
    ("GET", "/api/v1/supervision/tickets", None, {"supervisor", "admin"}),
    ("GET", "/api/v1/supervision/ratings", None, {"supervisor", "admin"}),
]


def _ticket(cc: CallCenter, answered: bool) -> dict[str, Any]:
    ticket = cc.acted(cc.received(), "assign", department="market")
    if answered:
        ticket = cc.acted(ticket, "reply", cc.approvers["market"], content="已处理")
    return ticket


@pytest.mark.parametrize("method, path, body, allowed, hidden", TABLE,
                         ids=[f"{m} {p.rsplit('/', 1)[-1]}" for m, p, _, _, _ in TABLE])
def test_each_action_on_a_ticket_per_role(cc, method, path, body, allowed, hidden):
    cast = _cast(cc)
    for actor in ACTORS:
        # A fresh ticket each time: an allowed action changes it.
        ticket = _ticket(cc, answered=path.endswith("/close"))
        url = path.format(id=ticket["id"])
        data = None if body is None else {
            k: (ticket["version"] if v == "{version}" else v) for k, v in body.items()}
        response = cc.client.open(url, method=method, json=data, headers=cast[actor].headers)
        if actor in allowed:
            assert response.status_code < 400, (actor, url, response.get_json())
        elif actor in hidden:
            assert response.status_code == 404, (actor, url, response.status_code)
            assert ticket["number"] not in response.get_data(as_text=True)
        else:
            assert response.status_code == 403, (actor, url, response.status_code)
    anonymous = cc.client.open(path.format(id=_ticket(cc, False)["id"]), method=method,
                               json=body)
    assert anonymous.status_code == 401


@pytest.mark.parametrize("method, path, body, allowed", LISTS,
                         ids=[f"{m} {p}" for m, p, _, _ in LISTS])
def test_each_list_and_form_per_role(cc, method, path, body, allowed):
    cast = _cast(cc)
    for actor in ACTORS:
        response = cc.client.open(path, method=method, json=body, headers=cast[actor].headers)
        if actor in allowed:
            assert response.status_code == 200, (actor, path, response.get_json())
        else:
            assert response.status_code == 403, (actor, path, response.status_code)
    assert cc.client.open(path, method=method, json=body).status_code == 401
    create = cc.client.post("/api/v1/tickets", headers=cast["adapter"].headers, json={})
    assert create.status_code == 403
