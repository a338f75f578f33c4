"""Counting in the shared database, so every gunicorn worker and every process sees the
same counts: one upsert per counted request, on the key's own row."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.db import upsert
from hub.throttle.models import ThrottleWindow
from hub.throttle.windows import Rate, Verdict, judge


def count(session: Session, scope: str, key: str, rate: Rate, now: dt.datetime) -> Verdict:
    """Count one request of ``key`` and judge it against ``rate``. One statement: the
    key's current window is incremented and returned with the previous window's count.
    The caller commits (soon: the row stays locked until then)."""
    moment = now.timestamp()
    slot = rate.slot(moment)
    previous = (select(ThrottleWindow.hits)
                .where(ThrottleWindow.scope == scope, ThrottleWindow.key == key,
                       ThrottleWindow.slot == slot - 1)
                .scalar_subquery())
    stmt = upsert(session, ThrottleWindow).values(
        scope=scope, key=key, slot=slot, hits=1,
        expires_at=_expiry(rate, slot),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["scope", "key", "slot"], set_={"hits": ThrottleWindow.hits + 1},
    ).returning(ThrottleWindow.hits, previous)
    current, before = session.execute(stmt).one()
    return judge(rate, before or 0, current, rate.elapsed(moment))


def peek(session: Session, scope: str, key: str, rate: Rate, now: dt.datetime) -> Verdict:
    """Judge a request of ``key`` that would be counted now, without counting it."""
    moment = now.timestamp()
    slot = rate.slot(moment)
    rows = dict(session.execute(
        select(ThrottleWindow.slot, ThrottleWindow.hits)
        .where(ThrottleWindow.scope == scope, ThrottleWindow.key == key,
               ThrottleWindow.slot.in_((slot - 1, slot)))
    ).all())
    return judge(rate, rows.get(slot - 1, 0), rows.get(slot, 0) + 1, rate.elapsed(moment),
                 counted=False)


def clear(session: Session, scope: str, key: str) -> None:
    """Forget a key's counts in a scope (in the caller's transaction)."""
    session.execute(delete(ThrottleWindow).where(ThrottleWindow.scope == scope,
                                                 ThrottleWindow.key == key))


def prune(session: Session, now: dt.datetime) -> int:
    """Delete the windows no judgement reads any more; returns how many."""
    result = session.execute(delete(ThrottleWindow).where(ThrottleWindow.expires_at < now))
    session.commit()
    return result.rowcount or 0


def _expiry(rate: Rate, slot: int) -> dt.datetime:
    # A window is read as "current" and then as "previous": two windows after its start.
    return dt.datetime.fromtimestamp((slot + 2) * rate.window, dt.timezone.utc)
