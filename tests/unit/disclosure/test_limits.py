"""The statutory clock of a request for government information, on the real 2025 and 2026
official schedules (the ``chinese-calendar`` package's, as ``hub init`` loads them) and on
a provisional 2027. Every expected date below was counted by hand on the published
schedules, working day by working day (the comments show the count)."""
from __future__ import annotations

import datetime as dt

from hub.disclosure import limits
from tests.factories import official_calendar as official

D = dt.date
CAL = official(2025, 2026)


def test_the_schedules_are_the_published_ones():
    # National Day 2025: 1–8 October off, Sunday 28 September and Saturday 11 October worked;
    # Spring Festival 2026: 15–23 February off, Saturdays 14 and 28 February worked.
    assert CAL.is_working_day(D(2025, 9, 28)) and CAL.is_working_day(D(2025, 10, 11))
    assert not any(CAL.is_working_day(D(2025, 10, n)) for n in range(1, 9))
    assert CAL.is_working_day(D(2026, 2, 14)) and CAL.is_working_day(D(2026, 2, 28))
    assert not any(CAL.is_working_day(D(2026, 2, n)) for n in range(15, 24))


def test_twenty_working_days_across_national_day_count_its_make_up_days():
    # Received Friday 26 Sept: Sun 28 (1), 29 (2), 30 (3), [1–8 Oct off], 9 (4), 10 (5),
    # Sat 11 (6), 13–17 (7–11), 20–24 (12–16), 27 (17), 28 (18), 29 (19), 30 (20).
    limit = limits.answer_limit(CAL, D(2025, 9, 26))
    assert limit == limits.Limit(due_on=D(2025, 10, 30), yellow_on=D(2025, 10, 27),
                                 provisional=False)


def test_an_extension_adds_twenty_more_working_days_once():
    # From the 20th (30 Oct): 31 (21), 3–7 Nov (22–26), 10–14 (27–31), 17–21 (32–36),
    # 24 (37), 25 (38), 26 (39), 27 (40).
    limit = limits.answer_limit(CAL, D(2025, 9, 26), extended=True)
    assert limit.due_on == D(2025, 11, 27)
    assert limit.yellow_on == D(2025, 11, 24)


def test_twenty_working_days_across_the_spring_festival():
    # Received Monday 9 Feb 2026: 10–13 (1–4), Sat 14 (5), [15–23 off], 24–27 (6–9),
    # Sat 28 (10), 2–6 Mar (11–15), 9–13 (16–20).
    assert limits.answer_limit(CAL, D(2026, 2, 9)).due_on == D(2026, 3, 13)


def test_a_supplement_is_asked_within_seven_working_days_across_national_day():
    # Received Monday 22 Sept 2025: 23 (1), 24 (2), 25 (3), 26 (4), Sun 28 (5), 29 (6), 30 (7).
    assert limits.supplement_deadline(CAL, D(2025, 9, 22)) == D(2025, 9, 30)
    # Received Friday 26 Sept: Sun 28 (1), 29 (2), 30 (3), 9 Oct (4), 10 (5), Sat 11 (6), 13 (7).
    assert limits.supplement_deadline(CAL, D(2025, 9, 26)) == D(2025, 10, 13)


def test_a_supplement_is_possible_up_to_the_last_day_of_the_window_and_not_after():
    # Received Monday 22 Sept 2025: the window's last day is Tuesday 30 Sept.
    assert limits.supplement_possible(CAL, D(2025, 9, 22), D(2025, 9, 22))
    assert limits.supplement_possible(CAL, D(2025, 9, 22), D(2025, 9, 30))
    assert not limits.supplement_possible(CAL, D(2025, 9, 22), D(2025, 10, 1))
    assert not limits.supplement_possible(CAL, D(2025, 9, 22), D(2025, 10, 9))


def test_while_waiting_for_the_completed_request_no_limit_runs_then_twenty_days_from_it():
    assert limits.answer_limit(CAL, D(2025, 9, 22), waiting=True) == limits.WAITING
    # Completed request arrives Thursday 16 Oct: 17 (1), 20–24 (2–6), 27–31 (7–11),
    # 3–7 Nov (12–16), 10 (17), 11 (18), 12 (19), 13 (20).
    limit = limits.answer_limit(CAL, D(2025, 9, 22), resubmitted_on=D(2025, 10, 16))
    assert limit.due_on == D(2025, 11, 13)
    extended = limits.answer_limit(CAL, D(2025, 9, 22), resubmitted_on=D(2025, 10, 16),
                                   extended=True)
    assert extended.due_on == D(2025, 12, 11)  # 14–28 Nov (21–31), 1–5 Dec (32–36), 8–11


def test_a_limit_reaching_into_an_unpublished_year_is_provisional():
    # Received Monday 14 Dec 2026 with only 2025–2026 official: 15–18 (1–4), 21–25 (5–9),
    # 28–31 (10–13), [1 Jan 2027 New Year's Day, statutory], 4–8 (14–18), 11 (19), 12 (20).
    limit = limits.answer_limit(CAL, D(2026, 12, 14))
    assert limit.due_on == D(2027, 1, 12) and limit.provisional
    assert not limits.answer_limit(CAL, D(2026, 11, 2)).provisional
    assert not limits.answer_limit(official(2025, 2026, 2027), D(2026, 12, 14)).provisional


def test_cards_before_and_after_the_limit():
    limit = limits.answer_limit(CAL, D(2025, 9, 26))  # due 30 Oct, yellow from 27 Oct
    assert limits.warning(limit, D(2025, 10, 24)) is None
    assert limits.warning(limit, D(2025, 10, 27)) == "yellow"
    assert limits.warning(limit, D(2025, 10, 30)) == "yellow"  # due today: still in time
    assert limits.warning(limit, D(2025, 10, 31)) == "red"
    assert limits.warning(limits.WAITING, D(2026, 1, 1)) is None


def test_on_time_means_by_the_end_of_the_due_day():
    assert limits.answered_on_time(D(2025, 10, 30), D(2025, 10, 30))
    assert not limits.answered_on_time(D(2025, 10, 30), D(2025, 10, 31))
    assert limits.answered_on_time(None, D(2025, 12, 1))  # answered while waiting
