"""The card rule (红黄牌) at its boundaries: one function, the same instant as on-time."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from hub.approvals import cards
from hub.supervision import indicators as ind
from hub.timezones import SHANGHAI

US = dt.timedelta(microseconds=1)


def at(day: str, time: str = "09:00:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


DUE = at("2026-12-04", "23:59:59")  # the last second of Friday
YELLOW = at("2026-12-04", "00:00:00")  # one working day left


def test_no_card_before_yellow_at_and_yellow_from_its_first_microsecond() -> None:
    assert cards.card(YELLOW - US, DUE, YELLOW) is None
    assert cards.card(YELLOW, DUE, YELLOW) == "yellow"


def test_the_whole_last_second_is_still_yellow() -> None:
    assert cards.card(DUE, DUE, YELLOW) == "yellow"
    assert cards.card(DUE + dt.timedelta(microseconds=999_999), DUE, YELLOW) == "yellow"


def test_red_from_the_first_instant_after_the_last_second() -> None:
    assert cards.card(DUE + dt.timedelta(seconds=1), DUE, YELLOW) == "red"
    assert cards.card(at("2026-12-09"), DUE, YELLOW) == "red"


def test_a_deadline_off_the_whole_second_ends_with_its_second() -> None:
    # A center's system may send 23:59:59.5: the second it falls in is still on time.
    due = DUE + dt.timedelta(milliseconds=500)
    assert cards.card(DUE + dt.timedelta(microseconds=999_999), due, YELLOW) == "yellow"
    assert cards.card(DUE + dt.timedelta(seconds=1), due, YELLOW) == "red"


def test_a_stopped_clock_or_no_deadline_shows_no_card() -> None:
    late = at("2026-12-09")
    assert cards.card(late, DUE, YELLOW, running=False) is None
    assert cards.card(late, None, None) is None
    assert cards.card(late, None, YELLOW) is None


def test_no_yellow_at_goes_from_no_card_straight_to_red() -> None:
    assert cards.card(DUE, DUE, None) is None
    assert cards.card(DUE + dt.timedelta(seconds=1), DUE, None) == "red"


def test_reached_counts_a_crossing_even_when_a_later_card_shows() -> None:
    late = DUE + dt.timedelta(seconds=1)
    assert cards.reached("yellow", late, DUE, YELLOW) and cards.reached("red", late, DUE, YELLOW)
    assert not cards.reached("red", DUE, DUE, YELLOW)


def test_no_card_is_none_everywhere() -> None:
    assert cards.LEVELS == ("yellow", "red")
    assert None not in cards.LEVELS and "none" not in cards.LEVELS


instants = st.datetimes(min_value=dt.datetime(2026, 12, 4, 23, 59, 57),
                        max_value=dt.datetime(2026, 12, 5, 0, 0, 2),
                        timezones=st.just(SHANGHAI))


@given(now=instants, due_at=instants)
def test_red_exactly_when_a_conclusion_now_would_be_late(now: dt.datetime,
                                                        due_at: dt.datetime) -> None:
    assert (cards.card(now, due_at, None) == "red") == (not ind.on_time(now, due_at))


def test_a_case_shows_the_worst_of_its_own_card_and_its_steps() -> None:
    assert cards.worst() is None and cards.worst(None, None) is None
    assert cards.worst("yellow", None) == "yellow"
    assert cards.worst("yellow", "red", None) == "red"  # a late step over a case near its end
    assert cards.worst(None, "yellow") == "yellow"
