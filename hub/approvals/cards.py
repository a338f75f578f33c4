"""The yellow and red cards (红黄牌): the one rule every place that shows, filters or
counts them applies. Pure: plain values in, a card out.

A deadline is the last second of its due day (23:59:59 Asia/Shanghai) and anything
within that second is still on time, as ``indicators.on_time`` counts a concluded case.
So an open case or task whose clock runs shows at ``now``:

- ``"red"`` once that second is over: ``due_at < overdue_before(now)``;
- ``"yellow"`` from ``yellow_at`` on (the item's ``yellow_days`` working days or fewer
  left, fixed when the deadline is set): ``yellow_at <= now``;
- no card (``None``) otherwise, and always while its clock stands (waiting for a
  supplement) or once it is done.

A case shows the worst of its own card and those of its running steps (``worst``): a
step has its own time limit, and a late step makes the case red although the case's
own deadline has not passed. Every place that shows a case's card (its page, the
lists) shows that one.

``None`` is the one representation of "no card" (the API's ``warning: null``); only the
metrics write it as the label value ``none``. The SQL forms of the same rule
(``hub.approvals.queries``) compare columns with the same cut-offs.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

YELLOW: Literal["yellow"] = "yellow"
RED: Literal["red"] = "red"
LEVELS: tuple[Literal["yellow", "red"], ...] = (YELLOW, RED)

Card = Literal["yellow", "red"] | None


def overdue_before(now: dt.datetime) -> dt.datetime:
    """The instant a deadline must lie before to be past at ``now``: ``now`` truncated to
    the second. ``due_at < overdue_before(now)`` ⇔ ``now`` is past ``due_at``'s last second
    (also for a ``due_at`` that is not a whole second)."""
    return now.replace(microsecond=0)


def reached(level: Literal["yellow", "red"], now: dt.datetime, due_at: dt.datetime | None,
            yellow_at: dt.datetime | None) -> bool:
    """Whether ``now`` is at or past the threshold of ``level`` (red implies the yellow
    threshold was crossed too; the scan records each crossing once)."""
    if level == RED:
        return due_at is not None and due_at < overdue_before(now)
    return yellow_at is not None and yellow_at <= now


def card(now: dt.datetime, due_at: dt.datetime | None, yellow_at: dt.datetime | None,
         *, running: bool = True) -> Card:
    """The card of a case or task at ``now``; ``running`` is False when its clock stands
    (a supplement was asked for) or it is no longer open. No deadline, no card."""
    if not running or due_at is None:
        return None
    if reached(RED, now, due_at, yellow_at):
        return RED
    if reached(YELLOW, now, due_at, yellow_at):
        return YELLOW
    return None


_SEVERITY: dict[Card, int] = {None: 0, YELLOW: 1, RED: 2}


def worst(*shown: Card) -> Card:
    """The most severe of the cards (red over yellow over none); none of them: None."""
    return max(shown, key=_SEVERITY.__getitem__, default=None)
