"""Requests' limits over time: the yellow and red cards raised as open requests cross
their thresholds, recorded once per level and due day and audited, as for cases and
tickets. Bounded batches, one transaction each.

The thresholds are the disclosure's own (``hub.disclosure.limits``: yellow from the
third working day before the limit, red once the due day is over, on Asia/Shanghai
calendar days), applied in SQL by ``services.card_reached``, the rule the lists filter
by; so a request is carded exactly when it shows that card. A request waiting for the
completed request (no limit runs) or answered shows none and is never carded.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from hub import audit
from hub.approvals import cards
from hub.approvals.calendar import local_date
from hub.approvals.deadlines import ScanReport, scan_levels
from hub.db import upsert
from hub.disclosure.models import OPEN, DisclosureRequest, DisclosureWarning
from hub.disclosure.services import TARGET, card_reached
from hub.permissions import Principal

WARNINGS_ACTOR = Principal.system("beat:disclosure-warnings")
# Spelled out (no f-string): the audit viewer's labels are checked against these.
ACTIONS = {cards.YELLOW: "disclosure.warning.yellow", cards.RED: "disclosure.warning.red"}


def _key(request_id: Any, due_on: dt.date, level: str) -> str:
    # Per due day: an extended or completed request is due again and earns its cards again.
    return f"{request_id}:{due_on.isoformat()}:{level}"


def _candidates(now: dt.datetime, level: str, limit: int) -> Select[Any]:
    today = local_date(now)
    warned = exists().where(DisclosureWarning.request_id == DisclosureRequest.id,
                            DisclosureWarning.level == level,
                            DisclosureWarning.due_on == DisclosureRequest.due_on)
    return (select(DisclosureRequest.id, DisclosureRequest.number, DisclosureRequest.center_code,
                   DisclosureRequest.due_on)
            .where(DisclosureRequest.status == OPEN, DisclosureRequest.due_on.is_not(None),
                   card_reached(level, today), ~warned)
            .order_by(DisclosureRequest.due_on, DisclosureRequest.id).limit(limit))


def _raise(session: Session, now: dt.datetime, level: str, request_id: Any, number: str,
           center: str, due_on: dt.date) -> bool:
    raised = session.execute(
        upsert(session, DisclosureWarning)
        .values(request_id=request_id, center_code=center, level=level, due_on=due_on,
                raised_at=now, dedupe_key=_key(request_id, due_on, level))
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(DisclosureWarning.id)).scalar_one_or_none()
    if raised is None:  # another scan raised it meanwhile
        return False
    audit.record(session, WARNINGS_ACTOR, ACTIONS[level], target_type=TARGET,
                 target_id=request_id, center=center,
                 after={"number": number, "level": level, "due_on": due_on})
    return True


def scan_warnings(session: Session, *, batch: int = 500) -> ScanReport:
    """Record the card of every open request that crossed a threshold since the last
    scan: one row per level and due day, audited, the request as target. A request found
    already red gets its yellow card too (as a ticket does). Commits once per batch."""
    return scan_levels(session, _candidates, _raise, batch)


__all__ = ["ACTIONS", "WARNINGS_ACTOR", "scan_warnings"]
