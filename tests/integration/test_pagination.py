"""Keyset pages forwards and backwards, ascending and descending, on both databases: every
row once, in order, whichever way a reader walks."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.directory.models import Department
from hub.errors import ValidationFailed
from hub.pagination import paginate

CODES = [f"d{n:02d}" for n in range(1, 8)]  # seven rows, pages of three: 3 + 3 + 1


@pytest.fixture
def departments(people):  # type: ignore[no-untyped-def]
    people.departments(*CODES)


def _walk(session, descending):  # type: ignore[no-untyped-def]
    """Forwards to the end, then back to the start: the codes of each page seen."""
    def page(cursor):  # type: ignore[no-untyped-def]
        return paginate(session, select(Department), [Department.code], limit=3,
                        cursor=cursor, descending=descending)

    pages, current = [], page(None)
    assert current["prev_cursor"] is None  # the first page has nothing before it
    pages.append(current)
    while current["next_cursor"]:
        current = page(current["next_cursor"])
        pages.append(current)
    back = [current]
    while current["prev_cursor"]:
        current = page(current["prev_cursor"])
        back.append(current)
    return ([[d.code for d in p["items"]] for p in pages],
            [[d.code for d in p["items"]] for p in back])


@pytest.mark.parametrize("descending", [False, True])
def test_forwards_and_back_again(session, departments, descending) -> None:
    forwards, backwards = _walk(session, descending)
    codes = sorted(CODES, reverse=descending)
    assert forwards == [codes[0:3], codes[3:6], codes[6:7]]
    assert backwards == list(reversed(forwards))


def test_a_page_before_a_row_that_is_first_by_now_is_the_first_page(session, departments,
                                                                   people) -> None:
    first = paginate(session, select(Department), [Department.code], limit=3, cursor=None)
    second = paginate(session, select(Department), [Department.code], limit=3,
                      cursor=first["next_cursor"])
    back = paginate(session, select(Department), [Department.code], limit=3,
                    cursor=second["prev_cursor"])
    assert [d.code for d in back["items"]] == CODES[:3] and back["prev_cursor"] is None
    # Rows inserted before the page meanwhile are found on the way back, none skipped.
    people.departments("a01", "a02")
    again = paginate(session, select(Department), [Department.code], limit=3,
                     cursor=first["next_cursor"])
    before = paginate(session, select(Department), [Department.code], limit=3,
                      cursor=again["prev_cursor"])
    assert [d.code for d in before["items"]] == CODES[:3]
    assert before["prev_cursor"] is not None
    start = paginate(session, select(Department), [Department.code], limit=3,
                     cursor=before["prev_cursor"])
    assert [d.code for d in start["items"]] == ["a01", "a02"] and start["prev_cursor"] is None


def test_a_forged_cursor_is_a_clear_error(session, departments) -> None:
    # Unsigned (a "before" cursor written by hand), or signed for another listing.
    other = paginate(session, select(Department), [Department.code], limit=3, cursor=None,
                     descending=True)["next_cursor"]
    for forged in ("eyJiZWZvcmUiOiAxfQ", "eyJiZWZvcmUiOls1XX0", "!!", other):
        with pytest.raises(ValidationFailed) as refused:
            paginate(session, select(Department), [Department.code], limit=3, cursor=forged)
        assert "cursor" in refused.value.errors
