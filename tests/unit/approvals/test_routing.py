"""The routing engine on plain data: the walks one by one, then random decision
sequences (Hypothesis) against the invariants."""
from __future__ import annotations

import datetime as dt

import pytest
from chinese_calendar import constants
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from hub.approvals import routing
from hub.approvals.calendar import WorkingCalendar, deadline, end_of_day, local_date
from hub.approvals.routing import RoutingError, Stage, StageTask
from hub.timezones import SHANGHAI

CAL = WorkingCalendar(
    holidays=frozenset(d for d in constants.holidays if d.year in (2025, 2026)),
    workdays=frozenset(d for d in constants.workdays if d.year in (2025, 2026)),
    official_years=frozenset({2025, 2026}))
MONDAY = dt.datetime(2026, 11, 30, 9, tzinfo=SHANGHAI)
RESTAURANT = (Stage("all", (StageTask("market", 3),)),
              Stage("all", (StageTask("food", 5), StageTask("fire", 5),
                            StageTask("environment", 5))))
FIRE_CHECK = (Stage("any", (StageTask("fire", 3), StageTask("environment", 3))),
              Stage("all", (StageTask("market", 2),)))


def new_case(stages=RESTAURANT, at=MONDAY, promised=10) -> routing.Case:
    return routing.submit(stages, submitted_at=at, promised_days=promised, yellow_days=1,
                          cal=CAL).after


def day(d: int, month: int = 12, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, d, hour, tzinfo=SHANGHAI)


def test_submission_opens_the_first_stage_with_its_deadlines():
    transition = routing.submit(RESTAURANT, submitted_at=MONDAY, promised_days=10,
                                yellow_days=1, cal=CAL)
    case = transition.after
    assert case.status == "in_review" and case.stage == 1
    assert transition.opened == ((1, "market"),)
    assert case.deadline.due_at == end_of_day(dt.date(2026, 12, 14))
    assert case.deadline.yellow_at == dt.datetime(2026, 12, 12, tzinfo=SHANGHAI)
    assert case.task((1, "market")).deadline.due_at == end_of_day(dt.date(2026, 12, 3))


def test_all_stage_needs_every_approval_then_the_last_stage_issues_one_result():
    case = routing.decide(new_case(), (1, "market"), "approve", now=day(1), cal=CAL).after
    assert case.stage == 2 and {t.key for t in case.tasks if t.is_open} == {
        (2, "food"), (2, "fire"), (2, "environment")}
    assert case.task((2, "fire")).deadline.due_at == end_of_day(dt.date(2026, 12, 8))
    case = routing.decide(case, (2, "food"), "approve", now=day(2), cal=CAL).after
    case = routing.decide(case, (2, "fire"), "approve", now=day(2), cal=CAL).after
    assert case.status == "in_review" and not case.result_issued
    last = routing.decide(case, (2, "environment"), "approve", now=day(3), cal=CAL)
    assert last.after.status == "approved" and last.result_issued
    assert last.after.concluded_at == day(3)
    with pytest.raises(RoutingError):
        routing.decide(last.after, (2, "environment"), "approve", now=day(3), cal=CAL)


def test_any_stage_passes_on_the_first_approval_and_cancels_the_rest():
    case = new_case(FIRE_CHECK, promised=5)
    t = routing.decide(case, (1, "environment"), "approve", now=day(1), cal=CAL)
    assert t.after.task((1, "fire")).status == "cancelled"
    assert t.after.stage == 2 and t.opened == ((2, "market"),)
    assert set(t.changed) == {(1, "environment"), (1, "fire")}


def test_a_rejection_concludes_and_cancels_what_is_open():
    case = routing.decide(new_case(), (1, "market"), "approve", now=day(1), cal=CAL).after
    t = routing.decide(case, (2, "fire"), "reject", now=day(2), cal=CAL)
    assert t.after.status == "rejected" and not t.after.result_issued
    assert {t.key: t.status for t in t.after.tasks if t.stage == 2} == {
        (2, "food"): "cancelled", (2, "fire"): "rejected", (2, "environment"): "cancelled"}
    with pytest.raises(RoutingError):
        routing.withdraw(t.after, now=day(3), cal=CAL)


def test_supplement_stops_the_clock_until_resubmission():
    case = routing.decide(new_case(), (1, "market"), "approve", now=day(1), cal=CAL).after
    case = routing.decide(case, (2, "food"), "approve", now=day(2), cal=CAL).after
    paused = routing.decide(case, (2, "fire"), "request_supplement", now=day(2), cal=CAL).after
    assert paused.status == "supplement_requested" and paused.paused_at == day(2)
    # Paused Wednesday 2 December, resumed Monday 7 December: 3, 4 and 7 December stood still.
    resumed = routing.resubmit(paused, now=day(7), cal=CAL)
    after = resumed.after
    assert after.status == "in_review" and after.paused_working_days == 3
    assert after.task((2, "fire")).status == "pending"  # it asked: pending again
    assert after.task((2, "food")).status == "approved"  # decisions made stand
    assert after.deadline.due_at == end_of_day(dt.date(2026, 12, 17))  # 14 → 17 December
    env = after.task((2, "environment"))
    assert env.paused_working_days == 3
    assert env.deadline.due_at == end_of_day(dt.date(2026, 12, 11))  # 8 → 11 December
    assert after.task((1, "market")).deadline == case.task((1, "market")).deadline
    with pytest.raises(RoutingError):
        routing.resubmit(after, now=day(8), cal=CAL)


def test_other_departments_may_decide_while_the_case_waits_for_a_supplement():
    case = routing.decide(new_case(FIRE_CHECK, promised=5), (1, "fire"), "request_supplement",
                          now=day(1), cal=CAL).after
    # 或签: the other department approves; the stage passes, the pause ends there.
    t = routing.decide(case, (1, "environment"), "approve", now=day(3), cal=CAL)
    assert t.after.status == "in_review" and t.after.paused_at is None
    assert t.after.paused_working_days == 2
    assert t.after.task((1, "fire")).status == "cancelled"
    assert t.after.task((2, "market")).paused_working_days == 0


def test_withdrawal_during_a_pause_counts_the_pause():
    case = routing.decide(new_case(), (1, "market"), "request_supplement", now=day(1),
                          cal=CAL).after
    t = routing.withdraw(case, now=day(4), cal=CAL)
    assert t.after.status == "withdrawn" and t.after.paused_working_days == 3
    assert t.after.task((1, "market")).status == "cancelled"


def test_recompute_on_the_published_year():
    case = new_case(at=day(21))
    assert case.deadline.provisional
    published = WorkingCalendar(holidays=CAL.holidays | {dt.date(2027, 1, 1), dt.date(2027, 1, 4)},
                                workdays=CAL.workdays,
                                official_years=CAL.official_years | {2027})
    t = routing.recompute(case, cal=published)
    assert not t.after.deadline.provisional
    assert t.after.deadline.due_at == end_of_day(dt.date(2027, 1, 6))


# -- Random decision sequences -----------------------------------------------------------------

DEPARTMENTS = ("market", "food", "fire", "environment", "tax")
stage_strategy = st.builds(
    lambda mode, departments, days: Stage(mode, tuple(StageTask(d, n) for d, n in
                                                      zip(departments, days))),
    st.sampled_from(["all", "any"]),
    st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=3, unique=True),
    st.lists(st.integers(1, 8), min_size=3, max_size=3))


class Routing(RuleBasedStateMachine):
    """Random walks of one case. The model keeps, independently of the engine, the
    pauses it saw and the working days each stood still."""

    @initialize(stages=st.lists(stage_strategy, min_size=1, max_size=3),
                start=st.datetimes(min_value=dt.datetime(2026, 9, 20),
                                   max_value=dt.datetime(2026, 12, 31)),
                promised=st.integers(1, 15), yellow=st.integers(0, 3))
    def submit(self, stages, start, promised, yellow):
        self.now = start.replace(tzinfo=SHANGHAI)
        self.case = routing.submit(tuple(stages), submitted_at=self.now,
                                   promised_days=promised, yellow_days=yellow, cal=CAL).after
        self.paused_days = 0
        self.task_paused: dict[tuple[int, str], int] = {}

    def _apply(self, transition: routing.Transition) -> None:
        before, after = transition.before, transition.after
        if before is not None and before.paused_at is not None and after.paused_at is None:
            stood = CAL.working_days_between(local_date(before.paused_at), local_date(self.now))
            self.paused_days += stood
            for task in before.tasks:
                if task.is_open:
                    self.task_paused[task.key] = self.task_paused.get(task.key, 0) + stood
        self.case = after

    @rule(hours=st.integers(1, 120))
    def time_passes(self, hours):
        self.now += dt.timedelta(hours=hours)

    @precondition(lambda self: self.case.is_open)
    @rule(data=st.data(), decision=st.sampled_from(
        ["approve", "approve", "approve", "request_supplement", "request_supplement", "reject"]))
    def decide(self, data, decision):
        pending = [t for t in self.case.tasks if t.status == "pending"]
        if not pending:
            return
        task = data.draw(st.sampled_from(pending))
        self._apply(routing.decide(self.case, task.key, decision, now=self.now, cal=CAL))

    @precondition(lambda self: self.case.is_open)
    @rule(data=st.data())
    def a_decided_task_cannot_be_decided_again(self, data):
        done = [t for t in self.case.tasks if t.status != "pending"]
        if done:
            task = data.draw(st.sampled_from(done))
            with pytest.raises(RoutingError):
                routing.decide(self.case, task.key, "approve", now=self.now, cal=CAL)

    @precondition(lambda self: self.case.status == "supplement_requested")
    @rule()
    def resubmit(self):
        self._apply(routing.resubmit(self.case, now=self.now, cal=CAL))

    @rule(now=st.integers(0, 9))
    def withdraw(self, now):
        if self.case.is_open and now == 0:  # seldom: let most walks run their course
            self._apply(routing.withdraw(self.case, now=self.now, cal=CAL))
        elif not self.case.is_open:
            with pytest.raises(RoutingError):
                routing.withdraw(self.case, now=self.now, cal=CAL)

    @invariant()
    def a_concluded_case_has_no_open_task(self):
        if not self.case.is_open:
            assert not [t for t in self.case.tasks if t.is_open]
            assert self.case.concluded_at is not None and self.case.paused_at is None

    @invariant()
    def one_result_at_most_and_only_when_approved(self):
        assert self.case.result_issued == (self.case.status == "approved")

    @invariant()
    def an_any_stage_never_has_two_approvals(self):
        for number, stage in enumerate(self.case.stages, 1):
            approved = [t for t in self.case.stage_tasks(number) if t.status == "approved"]
            if stage.mode == "any":
                assert len(approved) <= 1

    @invariant()
    def later_stages_open_only_after_the_earlier_passed(self):
        for number, stage in enumerate(self.case.stages, 1):
            if number < self.case.stage or self.case.status == "approved":
                statuses = [t.status for t in self.case.stage_tasks(number)]
                assert ("approved" in statuses) if stage.mode == "any" else \
                    all(s == "approved" for s in statuses)
        assert all(t.stage <= self.case.stage for t in self.case.tasks)

    @invariant()
    def paused_time_never_counts(self):
        case = self.case
        assert case.paused_working_days == self.paused_days
        assert (case.status == "supplement_requested") == (case.paused_at is not None)
        if case.is_open:
            due, _ = deadline(CAL, case.submitted_at, case.promised_days + self.paused_days)
            assert case.deadline.due_at == due
            for task in case.tasks:
                if task.is_open:
                    paused = self.task_paused.get(task.key, 0)
                    assert task.paused_working_days == paused
                    assert task.deadline.due_at == deadline(CAL, task.opened_at,
                                                            task.days + paused)[0]

    @invariant()
    def due_dates_fall_at_the_end_of_a_working_day(self):
        for d in [self.case.deadline] + [t.deadline for t in self.case.tasks]:
            local = d.due_at.astimezone(SHANGHAI)
            assert local.time() == dt.time(23, 59, 59)
            assert CAL.is_working_day(local.date())
            assert d.yellow_at <= d.due_at


TestRouting = Routing.TestCase
TestRouting.settings = settings(max_examples=300, stateful_step_count=40, deadline=None,
                                suppress_health_check=[HealthCheck.too_slow])
