"""The ticket's life on plain data: the steps one by one, then random walks (Hypothesis)
against its invariants: a closed ticket has a reply, a reopened one a new due date from
its reopening, ownership changes only by transfer."""
from __future__ import annotations

import datetime as dt

import pytest
from chinese_calendar import constants
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from hub.approvals.calendar import WorkingCalendar, deadline
from hub.timezones import SHANGHAI
from hub.tickets import lifecycle as lc
from hub.tickets.lifecycle import TicketError

CAL = WorkingCalendar(
    holidays=frozenset(d for d in constants.holidays if d.year in (2025, 2026)),
    workdays=frozenset(d for d in constants.workdays if d.year in (2025, 2026)),
    official_years=frozenset({2025, 2026}))
MONDAY = dt.datetime(2026, 11, 30, 9, tzinfo=SHANGHAI)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def new(kind="complaint", days=10, now=MONDAY) -> lc.Ticket:
    return lc.receive(kind, "op1", now=now, days=days, cal=CAL)


def test_a_new_ticket_is_open_owned_by_its_receiver_and_due_in_working_days():
    ticket = new()
    assert (ticket.status, ticket.owner, ticket.department) == ("open", "op1", None)
    # Ten working days after Monday 30 November: Monday 14 December, end of day.
    assert ticket.deadline.due_at == at("2026-12-14T23:59:59")
    assert ticket.deadline.yellow_at == at("2026-12-12T00:00:00")  # after the 9th working day
    assert ticket.respond_by == at("2026-12-01T23:59:59")
    assert not ticket.deadline.provisional


def test_a_deadline_into_an_unpublished_year_is_provisional():
    ticket = new(days=15, now=at("2026-12-21T10:00:00"))
    assert ticket.deadline.provisional
    assert ticket.deadline.due_at.astimezone(SHANGHAI).year == 2027


def test_the_walk_assign_reply_callback():
    ticket = lc.assign(new(), "market", now=at("2026-11-30T10:00:00"))
    assert ticket.status == "assigned" and ticket.responded
    ticket = lc.reply(ticket, now=at("2026-12-02T15:00:00"))
    assert ticket.status == "answered" and ticket.replies == 1
    closed = lc.close(ticket, "satisfied", now=at("2026-12-03T09:00:00"), cal=CAL)
    assert (closed.status, closed.outcome) == ("closed", "satisfied")
    assert closed.closed_at == at("2026-12-03T09:00:00")


def test_unsatisfied_reopens_with_a_new_due_date_from_the_callback():
    answered = lc.reply(lc.assign(new(days=3), "market", now=MONDAY), now=at("2026-12-01T10:00"))
    reopened = lc.close(answered, "unsatisfied", now=at("2026-12-04T16:00:00"), cal=CAL)
    assert reopened.status == "reopened" and reopened.reopened == 1
    assert reopened.answered_at is None and reopened.closed_at is None
    assert reopened.deadline.due_at == at("2026-12-09T23:59:59")  # 3 working days after Friday
    assert lc.card(reopened, at("2026-12-09T08:00:00")) == "yellow"
    assert lc.card(reopened, at("2026-12-10T00:00:00")) == "red"


def test_no_closing_without_an_answer_and_nothing_after_closing():
    with pytest.raises(TicketError):
        lc.close(new(), "satisfied", now=MONDAY, cal=CAL)
    with pytest.raises(TicketError):
        lc.close(lc.assign(new(), "fire", now=MONDAY), "unreachable", now=MONDAY, cal=CAL)
    closed = lc.close(lc.reply(new(), now=MONDAY), "unreachable", now=MONDAY, cal=CAL)
    for step in (lambda t: lc.assign(t, "fire", now=MONDAY),
                 lambda t: lc.transfer(t, "op2", now=MONDAY),
                 lambda t: lc.reply(t, now=MONDAY),
                 lambda t: lc.close(t, "satisfied", now=MONDAY, cal=CAL)):
        with pytest.raises(TicketError):
            step(closed)


def test_response_is_the_first_action_by_the_end_of_the_next_working_day():
    friday = new(now=at("2026-12-04T17:00:00"))
    assert friday.respond_by == at("2026-12-07T23:59:59")  # Monday
    assert lc.transfer(friday, "op2", now=at("2026-12-07T23:00:00")).responded
    late = lc.assign(friday, "fire", now=at("2026-12-08T08:00:00"))
    assert not late.responded
    # Only the first action counts: a later one does not make it on time again.
    assert lc.reply(late, now=at("2026-12-08T09:00:00")).first_action_at == late.first_action_at


def test_cards_run_only_while_an_answer_is_awaited():
    ticket = new(days=3)
    assert lc.card(ticket, at("2026-12-02T09:00:00")) is None
    assert lc.card(ticket, at("2026-12-03T00:00:00")) == "yellow"
    assert lc.card(ticket, at("2026-12-04T00:00:00")) == "red" and lc.overdue(
        ticket, at("2026-12-04T00:00:00"))
    assert lc.card(lc.reply(ticket, now=at("2026-12-04T10:00")), at("2026-12-09T00:00")) is None


class TicketWalk(RuleBasedStateMachine):
    """Random walks of one ticket; the model keeps, apart from the machine, who owns it
    by the transfers it made, and when the clock last started."""

    @initialize(kind=st.sampled_from(lc.KINDS), days=st.integers(1, 20),
                start=st.datetimes(min_value=dt.datetime(2025, 1, 1),
                                   max_value=dt.datetime(2026, 12, 31)))
    def receive(self, kind, days, start):
        self.now = start.replace(tzinfo=SHANGHAI)
        self.ticket = lc.receive(kind, "owner0", now=self.now, days=days, cal=CAL)
        self.owner = "owner0"
        self.clock_from = self.now
        self.replies_seen = 0

    def _try(self, step):
        before = self.ticket
        try:
            self.ticket = step(before)
        except TicketError:
            self.ticket = before
            return False
        return True

    @rule(hours=st.integers(1, 200))
    def time_passes(self, hours):
        self.now += dt.timedelta(hours=hours)

    @rule(department=st.sampled_from(["market", "fire", "urban"]))
    def assign(self, department):
        if department != self.ticket.department:
            self._try(lambda t: lc.assign(t, department, now=self.now))

    @rule(to=st.sampled_from(["owner0", "owner1", "owner2"]))
    def transfer(self, to):
        if to != self.ticket.owner and self._try(lambda t: lc.transfer(t, to, now=self.now)):
            self.owner = to

    @rule()
    def reply(self):
        if self._try(lambda t: lc.reply(t, now=self.now)):
            self.replies_seen += 1

    @rule(outcome=st.sampled_from(lc.OUTCOMES))
    def close(self, outcome):
        was_answered = self.ticket.status == "answered"
        closed = self._try(lambda t: lc.close(t, outcome, now=self.now, cal=CAL))
        assert closed == was_answered  # a callback only after an answer
        if closed and outcome == "unsatisfied":
            self.clock_from = self.now

    @precondition(lambda self: self.ticket.status == "closed")
    @rule()
    def a_closed_ticket_stays_closed(self):
        assert not self._try(lambda t: lc.reply(t, now=self.now))

    @invariant()
    def a_closed_ticket_has_a_reply(self):
        if self.ticket.status == "closed":
            assert self.ticket.replies >= 1 and self.ticket.closed_at is not None
            assert self.ticket.outcome in ("satisfied", "unreachable")

    @invariant()
    def ownership_changes_only_by_transfer(self):
        assert self.ticket.owner == self.owner

    @invariant()
    def the_due_date_counts_from_receipt_or_the_last_reopening(self):
        ticket = self.ticket
        assert ticket.clock_from == self.clock_from
        due, provisional = deadline(CAL, self.clock_from, ticket.days)
        assert (ticket.deadline.due_at, ticket.deadline.provisional) == (due, provisional)
        if ticket.status == "reopened":
            assert ticket.outcome == "unsatisfied" and ticket.reopened >= 1
            assert ticket.clock_from >= ticket.received_at

    @invariant()
    def replies_are_counted(self):
        assert self.ticket.replies == self.replies_seen
        assert (self.ticket.status == "answered") == (self.ticket.answered_at is not None
                                                      and self.ticket.status != "closed")

    @invariant()
    def no_card_unless_an_answer_is_awaited(self):
        if self.ticket.status not in lc.AWAITING_ANSWER:
            assert lc.card(self.ticket, self.now) is None


TestTicketWalk = TicketWalk.TestCase
TestTicketWalk.settings = settings(max_examples=300, stateful_step_count=40, deadline=None,
                                   suppress_health_check=[HealthCheck.too_slow])
