"""The public site's cast (appointments, pre-reviews): an item with its guide, binhe's
windows (two places per half-day), binhe's clerk, another center's clerk, an official;
a citizen's booking; fresh tokens after a test moved the clock on."""
from __future__ import annotations

import itertools
from typing import Any

import pytest

from hub.approvals.forms import with_check_character
from tests.factories import window_definition

TOMORROW = "2026-12-01"  # the frozen clock stands on Monday 30 November 2026, 09:00
_serial = itertools.count(1)


def id_number() -> str:
    """A fresh valid ID number (check character computed)."""
    return with_check_character(f"21010219900101{next(_serial) % 1000:03d}")


def booking(**overrides: Any) -> dict[str, Any]:
    body = {"center": "binhe", "service_item": "open-restaurant", "date": TOMORROW,
            "slot": "am", "applicant": {"name": "王小明", "id_number": id_number(),
                                        "phone": "13812345678"}}
    body.update(overrides)
    return body


@pytest.fixture
def desk(people):
    people.service_item()
    people.guide()
    people.windows("binhe", window_definition("A01", capacity_per_slot=2),
                   window_definition("A02", service_items=[], capacity_per_slot=5))
    return {"clerk": people.clerk(center="binhe"), "other": people.clerk(center="daxi"),
            "supervisor": people.supervisor(), "admin": people.admin()}


@pytest.fixture
def fresh(people):
    """Headers for ``who`` with a token issued now (after a test moved the clock on)."""
    def _fresh(who: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {people.token_for(who.user)}"}
    return _fresh


@pytest.fixture
def book(client):
    def _book(expect: int | None = 201, headers: dict[str, str] | None = None,
              **overrides: Any) -> Any:
        response = client.post("/api/v1/public/appointments", json=booking(**overrides),
                               headers=headers or {})
        if expect is not None:
            assert response.status_code == expect, response.json
        return response
    return _book
