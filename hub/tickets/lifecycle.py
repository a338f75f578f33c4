"""The life of a ticket (工单): pure functions on plain data, no I/O.

Whoever receives a call, a message or a complaint owns the ticket (首问负责) until a
formal transfer with a reason. The owner assigns it to a department, which answers;
the owner may answer on the spot too. After the answer the owner calls the citizen
back (回访) and closes it: satisfied or unreachable close it; unsatisfied reopens it,
due again from the reopening. A ticket never closes without an answer.

The clock: the answer is due at the end of the Nth working day after receipt (N per
kind, from the policy), or after the reopening; it runs while the ticket waits for an
answer (open, assigned, reopened) and shows the same yellow and red cards as a case.
A ticket is *responded to* by its first action (assign, transfer or reply).
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from hub.approvals import cards
from hub.approvals.calendar import WorkingCalendar, deadline
from hub.approvals.routing import Deadline, make_deadline
from hub.domain_errors import DomainError, StateConflict

KINDS = ("consultation", "complaint", "suggestion", "rectification")
PUBLIC_KINDS = ("consultation", "complaint", "suggestion")  # rectifications: the hub's own
CHANNELS = ("hotline", "web", "mobile", "minxin", "walk_in", "rating")
STAFF_CHANNELS = ("hotline", "web", "mobile", "minxin", "walk_in")  # "rating": the hub's own
OPEN, ASSIGNED, ANSWERED, CLOSED, REOPENED = "open", "assigned", "answered", "closed", "reopened"
STATUSES = (OPEN, ASSIGNED, ANSWERED, CLOSED, REOPENED)
AWAITING_ANSWER = (OPEN, ASSIGNED, REOPENED)  # the answer's clock runs
SATISFIED, UNSATISFIED, UNREACHABLE = "satisfied", "unsatisfied", "unreachable"
OUTCOMES = (SATISFIED, UNSATISFIED, UNREACHABLE)
YELLOW_DAYS = 1  # yellow with one working day or less left, as for cases
RESPONSE_DAYS = 1  # responded: a first action by the end of the first working day after receipt
DEFAULT_POLICY = {"consultation": 3, "complaint": 10, "suggestion": 15, "rectification": 15}


class TicketError(StateConflict):
    """The ticket is not in a state that allows this step (HTTP 409)."""


class TicketInputError(DomainError):
    """What was asked makes no sense for this ticket (HTTP 400/422 at the boundary)."""


@dataclasses.dataclass(frozen=True)
class Ticket:
    kind: str
    status: str
    owner: str
    department: str | None
    days: int  # working days to answer, from the policy when received
    received_at: dt.datetime
    clock_from: dt.datetime  # receipt, or the last reopening
    deadline: Deadline
    respond_by: dt.datetime
    first_action_at: dt.datetime | None = None
    replies: int = 0
    answered_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    outcome: str | None = None  # the last callback's
    reopened: int = 0

    @property
    def awaiting_answer(self) -> bool:
        return self.status in AWAITING_ANSWER

    @property
    def responded(self) -> bool:
        return self.first_action_at is not None and self.first_action_at <= self.respond_by


def _acted(ticket: Ticket, now: dt.datetime) -> dt.datetime:
    return ticket.first_action_at or now


def _not_closed(ticket: Ticket, step: str) -> None:
    if ticket.status == CLOSED:
        raise TicketError(f"工单已办结，不能{step}")


def receive(kind: str, owner: str, *, now: dt.datetime, days: int,
            cal: WorkingCalendar) -> Ticket:
    """A new ticket, owned by whoever received it, due in ``days`` working days."""
    if kind not in KINDS:
        raise TicketInputError(f"未知的工单类型：{kind}")
    if days < 1:
        raise TicketInputError("答复时限至少为 1 个工作日")
    respond_by, _ = deadline(cal, now, RESPONSE_DAYS)
    return Ticket(kind=kind, status=OPEN, owner=owner, department=None, days=days,
                  received_at=now, clock_from=now,
                  deadline=make_deadline(cal, now, days, YELLOW_DAYS), respond_by=respond_by)


def assign(ticket: Ticket, department: str, *, now: dt.datetime) -> Ticket:
    """To a department, which is to answer by the due date (again, to send it on)."""
    _not_closed(ticket, "交办")
    if ticket.status == ANSWERED:
        raise TicketError("工单已答复，请回访后办结；对答复不满意的，回访后将重新办理")
    if department == ticket.department:
        raise TicketInputError("工单已交办该部门")
    return dataclasses.replace(ticket, status=ASSIGNED, department=department,
                               first_action_at=_acted(ticket, now))


def transfer(ticket: Ticket, to_user: str, *, now: dt.datetime) -> Ticket:
    """Ownership moves to ``to_user`` (the only way it moves); the status stays."""
    _not_closed(ticket, "转办")
    if to_user == ticket.owner:
        raise TicketInputError("工单已由该人员负责")
    return dataclasses.replace(ticket, owner=to_user, first_action_at=_acted(ticket, now))


def reply(ticket: Ticket, *, now: dt.datetime) -> Ticket:
    """An answer (by the department, or by the owner on the spot): the ticket is answered
    and waits for the callback. A further reply before the callback is added to it."""
    _not_closed(ticket, "答复")
    return dataclasses.replace(ticket, status=ANSWERED, replies=ticket.replies + 1,
                               answered_at=now, first_action_at=_acted(ticket, now))


def close(ticket: Ticket, outcome: str, *, now: dt.datetime, cal: WorkingCalendar) -> Ticket:
    """The owner's callback (回访): satisfied or unreachable close the ticket; unsatisfied
    reopens it, due again in its days from now."""
    if outcome not in OUTCOMES:
        raise TicketInputError(f"未知的回访结果：{outcome}")
    if ticket.status != ANSWERED or ticket.replies < 1:
        raise TicketError("工单尚未答复，不能办结：请先答复，再回访")
    if outcome == UNSATISFIED:
        return dataclasses.replace(
            ticket, status=REOPENED, outcome=outcome, answered_at=None, clock_from=now,
            deadline=make_deadline(cal, now, ticket.days, YELLOW_DAYS),
            reopened=ticket.reopened + 1)
    return dataclasses.replace(ticket, status=CLOSED, outcome=outcome, closed_at=now)


def recompute(ticket: Ticket, *, cal: WorkingCalendar) -> Ticket:
    """The due date again on ``cal`` (a year's schedule was published)."""
    return dataclasses.replace(
        ticket, deadline=make_deadline(cal, ticket.clock_from, ticket.days, YELLOW_DAYS),
        respond_by=deadline(cal, ticket.received_at, RESPONSE_DAYS)[0])


def card(ticket: Ticket, now: dt.datetime) -> cards.Card:
    """The ticket's card at ``now`` (the one rule of cases): only while it waits for an
    answer."""
    return cards.card(now, ticket.deadline.due_at, ticket.deadline.yellow_at,
                      running=ticket.awaiting_answer)


def overdue(ticket: Ticket, now: dt.datetime) -> bool:
    """Waiting for an answer past its due date (red)."""
    return card(ticket, now) == cards.RED


__all__ = ["ANSWERED", "ASSIGNED", "AWAITING_ANSWER", "CHANNELS", "CLOSED", "DEFAULT_POLICY",
           "KINDS", "OPEN", "OUTCOMES", "PUBLIC_KINDS", "REOPENED", "SATISFIED", "STATUSES",
           "STAFF_CHANNELS", "Ticket", "TicketError", "TicketInputError", "UNREACHABLE",
           "UNSATISFIED", "assign", "card", "close", "overdue", "receive", "recompute", "reply",
           "transfer"]
