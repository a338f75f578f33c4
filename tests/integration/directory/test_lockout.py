"""The account lock of sign-in throttling (``hub.directory.lockout``) taken in one
statement: a second lock while one holds is refused (two failures at once cannot both
insert one), an expired lock is taken again; each taking is audited once."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from hub import db
from hub.audit.models import AuditRecord
from hub.directory import lockout
from hub.directory.models import SignInLock
from hub.permissions import Principal

ATTEMPT = lockout.Attempt(username="Wang", address="192.0.2.7")
NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.timezone.utc)


def take(app, now: dt.datetime) -> bool:  # type: ignore[no-untyped-def]
    settings = app.config["HUB_SETTINGS"]
    with db.get_database(app).session_scope() as work:
        taken = lockout._lock(work, ATTEMPT, None, 12.4, settings, now,
                              Principal.system("anonymous"))
        work.commit()
    return taken


def test_a_lock_is_taken_once_while_it_holds_and_again_once_it_expired(app, session):
    lasts = dt.timedelta(seconds=app.config["HUB_SETTINGS"].login_lock_seconds)
    assert take(app, NOW)
    assert not take(app, NOW + dt.timedelta(seconds=1))  # held: a twin's lock is refused
    assert take(app, NOW + lasts)  # expired: taken again
    lock = session.scalars(select(SignInLock)).one()
    assert (lock.username, lock.failures) == ("wang", 12)
    assert lock.locked_until == NOW + 2 * lasts
    assert session.scalar(select(func.count()).select_from(AuditRecord)
                          .where(AuditRecord.action == "signin.locked")) == 2
