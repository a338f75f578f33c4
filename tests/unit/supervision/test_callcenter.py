"""The call center's three rates and the satisfaction figures, on plain rows: each
numerator, denominator and clock as written in hub.supervision.callcenter."""
from __future__ import annotations

import datetime as dt

import pytest

from hub.timezones import SHANGHAI
from hub.supervision import callcenter as cc


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


NOW = at("2026-12-10T12:00:00")
RESPOND_BY = at("2026-12-01T23:59:59")
DUE = at("2026-12-14T23:59:59")


def ticket(status="open", received="2026-11-30T09:00:00", first=None, answered=None,
           outcome=None, due=DUE, respond_by=RESPOND_BY) -> cc.TicketFacts:
    return cc.TicketFacts(received_at=at(received), status=status, respond_by=respond_by,
                          due_at=due, first_action_at=at(first) if first else None,
                          answered_at=at(answered) if answered else None, outcome=outcome,
                          yellow_at=due - dt.timedelta(days=1))


def test_response_counts_the_first_action_by_the_end_of_the_next_working_day():
    rows = [ticket(first="2026-12-01T23:59:59.900000"),  # within the last second
            ticket(first="2026-12-02T00:00:00"),  # a second too late
            ticket()]  # no action yet
    figures = cc.ticket_figures(cc.tally_tickets(rows, [], NOW))
    assert (figures["received"], figures["responded"]) == (3, 1)
    assert figures["response_rate"] == pytest.approx(0.3333)


def test_resolution_leaves_the_unreachable_out_and_a_reopened_counts_as_unsatisfied():
    rows = [ticket("closed", first="2026-11-30T10:00", answered="2026-12-01T10:00",
                   outcome="satisfied"),
            ticket("closed", first="2026-11-30T10:00", answered="2026-12-01T10:00",
                   outcome="unreachable"),
            ticket("reopened", first="2026-11-30T10:00", outcome="unsatisfied"),
            ticket("answered", first="2026-11-30T10:00", answered="2026-12-15T10:00")]
    figures = cc.ticket_figures(cc.tally_tickets(rows, [5, 3, 1], NOW))
    assert (figures["resolved"], figures["resolution_rate"]) == (1, 0.5)
    assert figures["answered_on_time"] == 2  # the late answer of the 15th does not count
    assert (figures["ratings"], figures["satisfaction_rate"]) == (3, 0.6667)


def test_overdue_is_awaiting_an_answer_past_a_due_date_in_the_period():
    late = ticket(due=at("2026-12-03T23:59:59"))
    answered_late = ticket("answered", answered="2026-12-09T10:00",
                           due=at("2026-12-03T23:59:59"))
    received_before = ticket(received="2026-11-20T09:00", due=at("2026-12-04T23:59:59"))
    t = cc.tally_tickets([late, answered_late, received_before], [], NOW,
                         dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert t.overdue == 2 and t.received == 0  # received before the period, due within it
    assert cc.tally_tickets([late], [], at("2026-12-03T23:59:59.5")).overdue == 0


def test_no_denominator_no_rate_and_the_score_weighs_what_exists():
    empty = cc.ticket_figures(cc.TicketTally())
    assert empty["response_rate"] is None and empty["resolution_rate"] is None
    assert empty["satisfaction_rate"] is None and empty["score"] is None
    assert cc.score({"response_rate": 1.0, "resolution_rate": 0.5,
                     "satisfaction_rate": 0.5}) == pytest.approx(0.55)
    # Only the response rate known: it alone decides.
    assert cc.score({"response_rate": 0.8, "resolution_rate": None,
                     "satisfaction_rate": None}) == pytest.approx(0.8)


def test_satisfaction_and_rectifications():
    rows = [cc.RatingFacts(5), cc.RatingFacts(3), cc.RatingFacts(4, excluded=True),
            cc.RatingFacts(1, rectification_status="closed",
                           rectification_closed_at=at("2026-12-08T10:00"),
                           rectification_due_at=at("2026-12-09T23:59:59")),
            cc.RatingFacts(2, rectification_status="closed",
                           rectification_closed_at=at("2026-12-10T10:00"),
                           rectification_due_at=at("2026-12-09T23:59:59")),
            cc.RatingFacts(1, rectification_status="assigned",
                           rectification_due_at=at("2026-12-09T23:59:59"),
                           rectification_yellow_at=at("2026-12-09T00:00:00")),
            cc.RatingFacts(2, excluded=True)]
    figures = cc.rating_figures(cc.tally_ratings(rows, NOW))
    assert figures == {"ratings": 5, "satisfied": 2, "satisfaction_rate": 0.4, "bad": 3,
                       "rectified": 2, "rectified_on_time": 1, "rectifications_overdue": 1,
                       "excluded": 2}
    assert cc.rating_figures(cc.RatingTally())["satisfaction_rate"] is None
