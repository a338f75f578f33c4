"""The demo's week is planned by pure functions: the same seed gives the same week, every
event falls in the hall's opening hours, and every event is a step the routing engine
accepts at that moment (replayed here through the engine itself, no database)."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from hub.approvals import routing
from hub.approvals.calendar import WorkingCalendar
from hub.approvals.forms import form_errors
from hub.approvals.schemas import SubmissionSchema
from hub.demo.plan import (
    DAY_MINUTES,
    Decide,
    ItemRouting,
    Resubmit,
    Scan,
    Submit,
    WeekPlan,
    Withdraw,
    hall_moment,
    plan_week,
    working_days_of_week,
)
from hub.seed import SERVICE_ITEMS
from hub.timezones import SHANGHAI

CALENDAR = WorkingCalendar(holidays=frozenset(), workdays=frozenset(),
                           official_years=frozenset({2026}))
WEEK = working_days_of_week(dt.date(2026, 11, 30), CALENDAR.is_working_day)
CENTERS = ["district", *(f"street{n:02d}" for n in range(15))]
ITEMS = [ItemRouting.of(i["code"], i["stages"], i["form"]) for i in SERVICE_ITEMS]
DEFINITIONS = {i["code"]: i for i in SERVICE_ITEMS}


def week(seed: int = 1, cases: int = 400, days: list[dt.date] = WEEK) -> WeekPlan:
    return plan_week(seed=seed, days=days, centers=CENTERS, district="district", items=ITEMS,
                     cases=cases)


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(SHANGHAI)


def replay(plan: WeekPlan) -> tuple[dict[int, routing.Case], Counter[str]]:
    """Every event through the pure routing engine; a step it refuses raises."""
    cases: dict[int, routing.Case] = {}
    late = Counter[str]()
    for event in plan.events:
        if isinstance(event, Submit):
            item = DEFINITIONS[event.item]
            cases[event.case] = routing.submit(
                routing.stages_from(item["stages"]), submitted_at=event.at,
                promised_days=item["promised_days"], yellow_days=1, cal=CALENDAR).after
        elif isinstance(event, Decide):
            task = cases[event.case].task((event.stage, event.department))
            late["late decisions"] += event.at > task.deadline.due_at
            cases[event.case] = routing.decide(cases[event.case], task.key, event.decision,
                                               now=event.at, cal=CALENDAR).after
        elif isinstance(event, Resubmit):
            cases[event.case] = routing.resubmit(cases[event.case], now=event.at,
                                                 cal=CALENDAR).after
        elif isinstance(event, Withdraw):
            cases[event.case] = routing.withdraw(cases[event.case], now=event.at,
                                                 cal=CALENDAR).after
    for case in cases.values():
        for task in case.tasks:
            if task.status == routing.PENDING and case.status == routing.IN_REVIEW:
                late["overdue at the end"] += task.deadline.due_at < plan.end
                late["yellow at the end"] += task.deadline.yellow_at <= plan.end \
                    <= task.deadline.due_at
    return cases, late


def test_the_same_seed_gives_the_same_week_and_another_seed_another():
    assert week(7).events == week(7).events
    assert week(7).events != week(8).events


def test_every_center_gets_cases_the_district_a_quarter():
    plan = week(cases=400)
    submitted = Counter(e.center for e in plan.events if isinstance(e, Submit))
    assert sum(submitted.values()) == plan.cases == 400
    assert set(submitted) == set(CENTERS)
    assert submitted["district"] == 100
    assert {submitted[c] for c in CENTERS[1:]} <= {20}


def test_events_are_in_time_order_within_the_halls_opening_hours():
    plan = week(3)
    moments = [e.at for e in plan.events]
    assert moments == sorted(moments)
    assert plan.start == moments[0] and plan.end == moments[-1]
    for event in plan.events:
        at = local(event.at)
        assert at.date() in WEEK
        if isinstance(event, Scan):
            assert at.time() in (dt.time(8, 30), dt.time(12, 30), dt.time(17, 30))
        else:
            assert dt.time(9) <= at.time() <= dt.time(12) \
                or dt.time(13, 30) <= at.time() <= dt.time(17), event


def test_hall_minutes_skip_lunch_and_nights():
    def at(minute: float) -> tuple[dt.date, dt.time]:
        moment = local(hall_moment(WEEK, minute))
        return moment.date(), moment.time()

    monday, tuesday = WEEK[0], WEEK[1]
    assert at(0) == (monday, dt.time(9))
    assert at(179) == (monday, dt.time(11, 59))
    assert at(180) == (monday, dt.time(13, 30))
    assert at(DAY_MINUTES - 1) == (monday, dt.time(16, 59))
    assert at(DAY_MINUTES) == (tuesday, dt.time(9))


@pytest.mark.parametrize("seed", range(12))
def test_every_event_is_a_step_the_routing_engine_accepts(seed):
    plan = week(seed)
    cases, late = replay(plan)  # raises RoutingError on a step out of turn
    statuses = Counter(c.status for c in cases.values())
    assert len(cases) == plan.cases
    # The week has every kind of outcome, and cases still open when it ends.
    assert {routing.APPROVED, routing.REJECTED, routing.WITHDRAWN,
            routing.IN_REVIEW} <= set(statuses), statuses
    assert plan.count(Resubmit) > 0 and plan.count(Withdraw) > 0
    assert any(e.decision == "request_supplement" for e in plan.events
               if isinstance(e, Decide))
    # Late steps: decided after their own limit, or still pending past it at the end.
    assert late["late decisions"] + late["overdue at the end"] > 0, late
    assert late["yellow at the end"] > 0, late


def test_decisions_that_need_a_comment_have_one():
    for event in week(5).events:
        if isinstance(event, Decide) and event.decision != "approve":
            assert event.comment and event.comment.strip()


def test_answers_fit_each_items_form_and_applicants_pass_the_apis_schema():
    plan = week(11, cases=120)
    forms = {e.case: (e.item, e.form) for e in plan.events if isinstance(e, Submit)}
    for event in plan.events:
        if isinstance(event, Submit):
            SubmissionSchema().load({"service_item": event.item, "center": event.center,
                                     "applicant": dict(event.applicant),
                                     "form": dict(event.form)})
        if isinstance(event, (Submit, Resubmit)):
            item = DEFINITIONS[forms[event.case][0]]
            assert form_errors(item["form"], event.form, today=local(event.at).date()) == {}, \
                event
        if isinstance(event, Resubmit):
            assert event.form != forms[event.case][1]  # the supplement changed something


def test_closed_days_have_no_events_and_a_make_up_saturday_is_open():
    holiday = dt.date(2026, 12, 2)
    saturday = dt.date(2026, 12, 5)
    calendar = WorkingCalendar(holidays=frozenset({holiday}), workdays=frozenset({saturday}),
                               official_years=frozenset({2026}))
    days = working_days_of_week(dt.date(2026, 11, 30), calendar.is_working_day)
    assert holiday not in days and saturday in days and len(days) == 5
    plan = week(2, cases=64, days=days)
    used = {local(e.at).date() for e in plan.events}
    assert holiday not in used and saturday in used


def test_too_few_cases_for_every_center_is_refused():
    with pytest.raises(ValueError, match="one per center"):
        week(cases=len(CENTERS) - 1)
