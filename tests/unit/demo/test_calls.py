"""The call center's demo week is planned by pure functions: the same seed gives the same
week, every event falls in the hall's hours and in time order, every ticket's events are
steps the ticket's lifecycle accepts at that moment, every rating is of a case the routing
engine had concluded (or a ticket closed) by then, and the week has every kind of event."""
from __future__ import annotations

from collections import Counter

from hub.approvals import routing
from hub.demo.calls import (
    REGULAR_CALLER,
    Answer,
    Appeal,
    Assign,
    Call,
    Callback,
    DecideAppeal,
    Rate,
    Rectify,
    Transfer,
    conclusions,
    plan_calls,
)
from hub.seed import DEPARTMENTS
from hub.tickets import lifecycle as lc
from tests.unit.demo.test_plan import CALENDAR, CENTERS, ITEMS, WEEK, local, replay, week


def calls(seed: int = 1, tickets: int = 120):
    hall = week(seed)
    return hall, plan_calls(seed=seed, week=hall, days=WEEK, centers=CENTERS,
                            district="district", departments=list(DEPARTMENTS), items=ITEMS,
                            tickets=tickets)


def test_the_same_seed_gives_the_same_calls_and_another_seed_others():
    assert calls(3)[1].events == calls(3)[1].events
    assert calls(3)[1].events != calls(4)[1].events


def test_events_are_in_time_order_within_the_halls_hours():
    _, plan = calls()
    moments = [e.at for e in plan.events]
    assert moments == sorted(moments)
    for event in plan.events:
        local_time = local(event.at)
        assert local_time.date() in WEEK
        assert "09:00" <= f"{local_time:%H:%M}" <= "17:00", event


def test_conclusions_are_the_routing_engines():
    hall, _ = calls()
    engine, _ = replay(hall)
    concluded = conclusions(hall, ITEMS)
    assert concluded
    for case, state in engine.items():
        if state.status in (routing.APPROVED, routing.REJECTED, routing.WITHDRAWN):
            assert concluded[case] == state.concluded_at, case
        else:
            assert case not in concluded, case


def test_every_ticket_step_is_one_the_lifecycle_accepts_and_every_rating_is_due():
    hall, plan = calls()
    concluded = conclusions(hall, ITEMS)
    tickets: dict[int, lc.Ticket] = {}
    rated: set = set()
    rectifying: dict = {}
    for event in plan.events:
        if isinstance(event, Call):
            tickets[event.ticket] = lc.receive(event.kind, "owner", now=event.at, days=10,
                                               cal=CALENDAR)
        elif isinstance(event, Assign):
            tickets[event.ticket] = lc.assign(tickets[event.ticket], event.department,
                                              now=event.at)
        elif isinstance(event, Transfer):
            tickets[event.ticket] = lc.transfer(tickets[event.ticket], f"to-{event.to_center}",
                                                now=event.at)
        elif isinstance(event, Answer):
            assert not event.by_department or tickets[event.ticket].department
            tickets[event.ticket] = lc.reply(tickets[event.ticket], now=event.at)
        elif isinstance(event, Callback):
            tickets[event.ticket] = lc.close(tickets[event.ticket], event.outcome, now=event.at,
                                             cal=CALENDAR)
        elif isinstance(event, Rate):
            kind, index = event.subject
            if kind == "case":
                assert concluded[index] < event.at
            else:
                assert tickets[index].status == lc.CLOSED
            assert event.subject not in rated  # once (一事一评)
            rated.add(event.subject)
            if event.level <= 2:
                rectifying[event.subject] = "open"
        elif isinstance(event, Rectify):
            assert event.subject in rated
            state = rectifying[event.subject]
            assert state == ("answered" if event.close else "open")
            rectifying[event.subject] = "closed" if event.close else "answered"
        elif isinstance(event, Appeal):
            assert event.subject in rated
        elif isinstance(event, DecideAppeal):
            assert any(isinstance(e, Appeal) and e.subject == event.subject and e.at < event.at
                       for e in plan.events)


def test_the_week_has_every_kind_of_event():
    _, plan = calls()
    kinds = Counter(type(e).__name__ for e in plan.events)
    assert {"Call", "Assign", "Transfer", "Answer", "Callback", "Rate", "Rectify", "Appeal",
            "DecideAppeal"} <= set(kinds)
    outcomes = Counter(e.outcome for e in plan.events if isinstance(e, Callback))
    assert {"satisfied", "unsatisfied", "unreachable"} <= set(outcomes)
    channels = Counter(e.channel for e in plan.events if isinstance(e, Call))
    assert channels.most_common(1)[0][0] == "hotline" and channels["web"] > 0
    levels = Counter(e.level for e in plan.events if isinstance(e, Rate))
    assert levels[1] + levels[2] > 0 and levels[5] > levels[1]
    regular = [e for e in plan.events if isinstance(e, Call) and e.caller == REGULAR_CALLER]
    assert len(regular) == 3 and {e.center for e in regular} == {"district"}
    assert plan.count(Call) == 120
