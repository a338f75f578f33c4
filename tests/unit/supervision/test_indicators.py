"""The indicator formulas on hand-built cases (no I/O)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest

from hub.approvals.calendar import WorkingCalendar, deadline
from hub.supervision import indicators as ind
from hub.timezones import SHANGHAI

# 2026 as officially published for these tests: National Day 1–7 October off, Sunday
# 27 September and Saturday 10 October worked (调休上班).
NATIONAL_DAY = frozenset(dt.date(2026, 10, d) for d in range(1, 8))
MAKE_UP = frozenset({dt.date(2026, 9, 27), dt.date(2026, 10, 10)})
CAL = WorkingCalendar(holidays=NATIONAL_DAY, workdays=MAKE_UP,
                      official_years=frozenset({2026}))


def at(day: str, time: str = "09:00:00") -> dt.datetime:
    """An Asia/Shanghai wall-clock time, as the aware instant the database holds (UTC)."""
    local = dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)
    return local.astimezone(dt.timezone.utc)


def due(day: str) -> dt.datetime:
    return at(day, "23:59:59")


# -- on time: the due date's last second ---------------------------------------------------


def test_concluded_in_the_due_dates_last_second_is_on_time() -> None:
    assert ind.on_time(at("2026-12-04", "23:59:59"), due("2026-12-04"))
    assert ind.on_time(at("2026-12-04", "23:59:59") + dt.timedelta(microseconds=999_999),
                       due("2026-12-04"))


def test_one_second_after_the_due_dates_last_second_is_late() -> None:
    assert not ind.on_time(at("2026-12-05", "00:00:00"), due("2026-12-04"))
    assert not ind.on_time(due("2026-12-04") + dt.timedelta(seconds=1), due("2026-12-04"))


def test_on_time_uses_the_instant_not_the_utc_date() -> None:
    # 23:30 in Shanghai is 15:30 UTC the same day; 00:30 the next day is 16:30 UTC, still
    # "the same UTC date" as the deadline, yet late.
    assert ind.on_time(at("2026-12-04", "23:30:00"), due("2026-12-04"))
    assert not ind.on_time(at("2026-12-05", "00:30:00"), due("2026-12-04"))


def test_a_case_without_a_deadline_is_not_late() -> None:
    assert ind.on_time(at("2027-03-01"), None)


def test_the_routing_deadline_and_on_time_agree() -> None:
    due_at, provisional = deadline(CAL, at("2026-11-30", "09:00:00"), 5)
    assert not provisional
    assert due_at == due("2026-12-07")  # Mon + 5 working days = next Monday
    assert ind.on_time(due_at, due_at)
    assert not ind.on_time(due_at + dt.timedelta(seconds=1), due_at)


# -- working days used ---------------------------------------------------------------------


def test_working_days_used_counts_days_after_acceptance() -> None:
    # Accepted Monday 30 Nov, concluded Friday 4 Dec: Tue, Wed, Thu, Fri.
    assert ind.working_days_used(CAL, at("2026-11-30"), at("2026-12-04", "16:00:00")) == 4


def test_concluded_on_the_day_of_acceptance_used_no_working_day() -> None:
    assert ind.working_days_used(CAL, at("2026-11-30", "09:00:00"),
                                 at("2026-11-30", "17:00:00")) == 0


def test_weekends_holidays_and_make_up_days() -> None:
    # Fri 25 Sep → Fri 9 Oct: Sun 27 Sep (make-up) + 28, 29, 30 Sep + 8, 9 Oct; 1–7 Oct off.
    assert ind.working_days_used(CAL, at("2026-09-25"), at("2026-10-09")) == 6


def test_paused_time_is_excluded() -> None:
    # Four working days elapsed, two of them waiting for the applicant's supplement.
    assert ind.working_days_used(CAL, at("2026-11-30"), at("2026-12-04"), 2) == 2


def test_working_days_used_never_goes_negative() -> None:
    assert ind.working_days_used(CAL, at("2026-11-30"), at("2026-12-01"), 5) == 0


def test_local_date_is_shanghais() -> None:
    # 00:30 on 1 December in Shanghai is still 30 November in UTC.
    moment = at("2026-12-01", "00:30:00")
    assert moment.date() == dt.date(2026, 11, 30)
    assert ind.local_date(moment) == dt.date(2026, 12, 1)
    with pytest.raises(ValueError):
        ind.local_date(dt.datetime(2026, 12, 1))


# -- early, last day ---------------------------------------------------------------------


def test_early_means_a_working_day_or_more_before_the_due_day() -> None:
    assert ind.early(CAL, at("2026-12-03", "17:00:00"), due("2026-12-04"))  # Thu, due Fri
    assert not ind.early(CAL, at("2026-12-04", "08:00:00"), due("2026-12-04"))  # on the day
    # Friday with the deadline on Monday: Monday is a working day left.
    assert ind.early(CAL, at("2026-12-04"), due("2026-12-07"))
    # Friday with the deadline on Sunday: no working day left in between.
    assert not ind.early(CAL, at("2026-12-04"), due("2026-12-06"))
    assert not ind.early(CAL, at("2026-12-08"), due("2026-12-04"))  # late
    assert not ind.early(CAL, at("2026-12-01"), None)


def test_last_day_is_the_due_dates_shanghai_date() -> None:
    assert ind.last_day(at("2026-12-04", "00:00:01"), due("2026-12-04"))
    assert ind.last_day(at("2026-12-04", "23:59:59"), due("2026-12-04"))
    assert not ind.last_day(at("2026-12-03", "23:59:59"), due("2026-12-04"))
    assert not ind.last_day(at("2026-12-05", "00:00:00"), due("2026-12-04"))


def test_decision_buckets_run_from_an_hour_to_twenty_days() -> None:
    assert ind.DECISION_BUCKETS[0] == 3600 and ind.DECISION_BUCKETS[-2] == 20 * 86400
    assert ind.decision_bucket(0) == 3600
    assert ind.decision_bucket(3600) == 3600
    assert ind.decision_bucket(3601) == 4 * 3600
    assert math.isinf(ind.decision_bucket(21 * 86400))
    assert ind.le_label(3600.0) == "3600.0" and ind.le_label(math.inf) == "+Inf"


# -- aggregates ----------------------------------------------------------------------------


def test_rate_is_null_without_a_denominator() -> None:
    assert ind.rate(0, 0) is None
    assert ind.rate(2, 3) == 0.6667
    assert ind.rate(3, 3) == 1.0


def test_mean_median_and_90th_percentile_of_a_distribution() -> None:
    assert ind.mean({}) is None and ind.quantile({}, 0.5) is None
    assert ind.mean({1: 1, 2: 1, 6: 1}) == 3.0
    assert ind.quantile({1: 1, 2: 1, 3: 1}, 0.5) == 2.0
    assert ind.quantile({1: 1, 2: 1}, 0.5) == 1.5
    one_to_ten = {n: 1 for n in range(1, 11)}
    assert ind.quantile(one_to_ten, 0.9) == 9.1  # numpy / percentile_cont: 9 + 0.1 × (10 − 9)
    assert ind.quantile({0: 7, 4: 2, 9: 1}, 0.9) == 4.5
    assert ind.quantile({5: 3}, 0.9) == 5.0
    with pytest.raises(ValueError):
        ind.quantile(one_to_ten, 1.5)


def test_rank_shares_places_and_puts_streets_without_cases_last() -> None:
    rows = [{"center": "a", "timeliness_rate": 0.9, "concluded": 10},
            {"center": "b", "timeliness_rate": None, "concluded": 0},
            {"center": "c", "timeliness_rate": 1.0, "concluded": 3},
            {"center": "d", "timeliness_rate": 0.9, "concluded": 20},
            {"center": "e", "timeliness_rate": 0.5, "concluded": 2}]
    ranked = ind.rank(rows)
    assert [(r["center"], r["rank"]) for r in ranked] == [
        ("c", 1), ("d", 2), ("a", 2), ("e", 4), ("b", None)]


def test_figures_of_hand_built_cases() -> None:
    """Five cases accepted in the first week of December, seen on Friday 11 December."""
    now = at("2026-12-11", "10:00:00")
    cases = [
        # Concluded the day before it was due: on time, early, 3 working days.
        ind.Case(at("2026-11-30"), "approved", due("2026-12-04"), at("2026-12-04", "00:00:00"),
                 at("2026-12-03", "15:00:00")),
        # Concluded in the due date's last second after a 2-day supplement: on time, last
        # day, not early; 7 working days elapsed − 2 paused = 5.
        ind.Case(at("2026-11-30"), "rejected", due("2026-12-09"), None,
                 at("2026-12-09", "23:59:59"), paused_working_days=2),
        # One second later than its deadline: late.
        ind.Case(at("2026-12-01"), "approved", due("2026-12-07"), None,
                 at("2026-12-08", "00:00:00")),
        # Still open and overdue: red.
        ind.Case(at("2026-12-01"), "in_review", due("2026-12-10"), at("2026-12-09", "00:00:00")),
        # Open but waiting for the applicant: the clock stands, no card.
        ind.Case(at("2026-12-02"), "supplement_requested", due("2026-12-08"), None,
                 paused=True),
    ]
    figures = ind.figures(ind.tally(cases, CAL, now))
    assert figures["received"] == 5
    assert figures["concluded"] == 3
    assert figures["on_time"] == 2 and figures["on_time_rate"] == 0.6667
    assert figures["early"] == 1 and figures["early_rate"] == 0.3333
    assert figures["last_day"] == 1
    assert figures["avg_working_days"] == 4.33  # (3 + 5 + 5) / 3
    assert figures["median_working_days"] == 5.0
    assert figures["p90_working_days"] == 5.0
    assert (figures["in_progress"], figures["yellow"], figures["red"]) == (2, 0, 1)
    # The red one is overdue (the paused one is not: its deadline moves when it resumes).
    assert figures["overdue"] == 1
    assert figures["timeliness_rate"] == 0.5  # 2 on time / (3 concluded + 1 overdue)


def test_a_period_counts_receipts_and_conclusions_by_their_own_dates() -> None:
    now = at("2026-12-11")
    cases = [ind.Case(at("2026-11-30"), "approved", due("2026-12-14"), None,
                      at("2026-12-02", "23:59:59")),
             ind.Case(at("2026-12-01", "00:00:00"), "in_review", due("2026-12-14"))]
    # Only 1 December: the open case was received then; the other concluded the day after.
    first = ind.tally(cases, CAL, now, dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert (first.received, first.concluded, first.in_progress) == (1, 0, 1)
    second = ind.tally(cases, CAL, now, dt.date(2026, 12, 2), dt.date(2026, 12, 2))
    assert (second.received, second.concluded, second.on_time) == (0, 1, 1)
    empty = ind.figures(ind.tally([], CAL, now))
    assert empty["on_time_rate"] is None and empty["avg_working_days"] is None


def test_the_counting_calendar_agrees_with_the_calendar() -> None:
    counting = ind.CountingCalendar(CAL, dt.date(2026, 9, 1), dt.date(2026, 12, 31))
    days = [dt.date(2026, 8, 20) + dt.timedelta(days=n) for n in range(0, 150, 3)]
    for start in days:
        for end in days:
            assert counting.working_days_between(start, end) == \
                CAL.working_days_between(start, end), (start, end)
    # An empty or absurd span falls back to the calendar itself.
    wide = ind.CountingCalendar(CAL, dt.date(1900, 1, 1), dt.date(2026, 12, 31))
    assert wide.working_days_between(dt.date(2026, 9, 25), dt.date(2026, 10, 9)) == 6


# -- overdue and timeliness: deadlines that pass while a case is open ---------------------


def _open(submitted: str, due_day: str, *, paused: bool = False,
          status: str = "in_review") -> ind.Case:
    return ind.Case(at(submitted), "supplement_requested" if paused else status,
                    due(due_day), None, paused=paused)


def test_an_open_case_turns_overdue_in_the_second_after_its_due_day() -> None:
    case = _open("2026-11-30", "2026-12-04")
    assert not ind.is_overdue(at("2026-12-04", "23:59:59"), case.due_at)
    assert not ind.is_overdue(at("2026-12-04", "23:59:59") + dt.timedelta(microseconds=999_999),
                              case.due_at)
    assert ind.is_overdue(at("2026-12-05", "00:00:00"), case.due_at)


def test_overdue_needs_a_running_clock_and_a_deadline() -> None:
    late = at("2026-12-20")
    assert not ind.is_overdue(late, due("2026-12-04"), running=False)
    assert not ind.is_overdue(late, None)


def test_the_same_open_case_counts_once_its_deadline_passes() -> None:
    """Nothing changes in the case; only the clock moves past its due day."""
    cases = [ind.Case(at("2026-11-30"), "approved", due("2026-12-04"), None,
                      at("2026-12-02")),
             _open("2026-11-30", "2026-12-04")]
    before = ind.figures(ind.tally(cases, CAL, at("2026-12-04", "17:00:00")))
    after = ind.figures(ind.tally(cases, CAL, at("2026-12-07", "09:00:00")))
    assert (before["overdue"], before["timeliness_rate"]) == (0, 1.0)
    assert (after["overdue"], after["timeliness_rate"]) == (1, 0.5)
    # The on-time rate looks only at what was concluded: it stays at 100 %.
    assert before["on_time_rate"] == after["on_time_rate"] == 1.0


def test_overdue_counts_cases_by_the_day_they_fell_due_whenever_received() -> None:
    now = at("2026-12-21")
    cases = [_open("2026-10-12", "2026-11-20"),  # received in October, due in November
             _open("2026-11-23", "2026-12-04"),  # due in December
             _open("2026-12-14", "2026-12-25")]  # not yet due
    november = ind.tally(cases, CAL, now, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    december = ind.tally(cases, CAL, now, dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    all_time = ind.tally(cases, CAL, now)
    assert (november.received, november.overdue) == (1, 1)
    assert (december.received, december.overdue) == (1, 1)
    assert all_time.overdue == 2


def test_a_paused_case_is_not_overdue_until_its_clock_runs_again() -> None:
    waiting = _open("2026-11-30", "2026-12-04", paused=True)
    assert ind.tally([waiting], CAL, at("2026-12-20")).overdue == 0
    resumed = dataclasses.replace(waiting, status="in_review", paused=False)
    assert ind.tally([resumed], CAL, at("2026-12-20")).overdue == 1


def test_a_case_concluded_late_is_late_not_overdue() -> None:
    late = ind.Case(at("2026-11-30"), "approved", due("2026-12-04"), None, at("2026-12-08"))
    figures = ind.figures(ind.tally([late], CAL, at("2026-12-10")))
    assert (figures["concluded"], figures["on_time"], figures["overdue"]) == (1, 0, 0)
    assert figures["timeliness_rate"] == 0.0


def test_timeliness_is_null_with_nothing_concluded_nor_overdue() -> None:
    waiting = _open("2026-12-07", "2026-12-18")
    figures = ind.figures(ind.tally([waiting], CAL, at("2026-12-10")))
    assert figures["timeliness_rate"] is None and figures["on_time_rate"] is None
    only_overdue = ind.figures(ind.tally([waiting], CAL, at("2026-12-21")))
    assert only_overdue["timeliness_rate"] == 0.0 and only_overdue["on_time_rate"] is None


def test_a_street_leaving_cases_open_ranks_below_one_that_concludes_them() -> None:
    """The issue's finding: both 100 % on time, one holding overdue cases."""
    now = at("2026-12-21")
    done = [ind.Case(at("2026-12-01"), "approved", due("2026-12-11"), None, at("2026-12-10"))]
    holding = [*done, _open("2026-12-01", "2026-12-11"), _open("2026-12-02", "2026-12-14")]
    rows = [{"center": "holding", **ind.figures(ind.tally(holding, CAL, now))},
            {"center": "done", **ind.figures(ind.tally(done, CAL, now))}]
    assert rows[0]["on_time_rate"] == rows[1]["on_time_rate"] == 1.0
    ranked = ind.rank(rows)
    assert [(r["center"], r["rank"]) for r in ranked] == [("done", 1), ("holding", 2)]
    assert ranked[1]["timeliness_rate"] == 0.3333


def test_supplements_per_case_counts_requests_made_in_the_period() -> None:
    asked = ind.Case(at("2026-11-30"), "in_review", due("2026-12-18"),
                     supplements=(at("2026-12-01"), at("2026-12-08")))
    plain = ind.Case(at("2026-12-02"), "in_review", due("2026-12-18"))
    december = ind.figures(ind.tally([asked, plain], CAL, at("2026-12-09"),
                                     dt.date(2026, 12, 1), dt.date(2026, 12, 31)))
    assert (december["received"], december["supplement_requests"]) == (1, 2)
    assert december["supplements_per_case"] == 2.0
    assert ind.figures(ind.Tally())["supplements_per_case"] is None


def test_the_composite_score_weighs_the_known_parts() -> None:
    # 100 × (0.6 × 0.9 + 0.3 × 0.8 + 0.1 × (1 − 0.5)) = 83
    assert ind.composite_score(0.9, 0.8, 0.5) == 83.0
    # No ratings yet: timeliness and supplements only, in proportion (0.6 : 0.1).
    assert ind.composite_score(0.9, None, 0.5) == round(100 * (0.54 + 0.05) / 0.7, 1)
    # More than one supplement per case counts as one (that part scores 0).
    assert ind.composite_score(1.0, 1.0, 3.0) == 90.0
    assert ind.composite_score(0.8) == 80.0  # timeliness alone
    assert ind.composite_score(None, 1.0, 0.0) is None  # nothing due: no score


def test_the_formula_on_the_page_says_the_weights() -> None:
    for name, weight in ind.COMPOSITE_WEIGHTS:
        assert f"{weight} ×" in ind.COMPOSITE_FORMULA, name
    assert sum(weight for _, weight in ind.COMPOSITE_WEIGHTS) == pytest.approx(1.0)
