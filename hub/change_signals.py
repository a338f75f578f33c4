"""Change signals: a process caches what rarely changes (who a bearer token stands for,
the working-day calendar, the departments' endpoints) and is told at once when another
process changes it.

On PostgreSQL, triggers (migrations 0015, 0016) ``NOTIFY hub_changes`` in the transaction
that updates or deletes a user, deletes or updates a bearer token, or writes a calendar
year or day or a department; the payload is the table's name. Each process listens on a
connection of its own (a daemon thread, started on first use, one per process and
database) and empties the caches that depend on that table. A commit of this process
that touched such a table empties them directly too (``watch``), so the process that
revoked a token never serves it again, whatever the listener's delay.

A cache serves only while its listener is connected and listening. Before the first
``LISTEN``, after the connection is lost and on SQLite (one process, no listener), every
look-up reads the database. An entry is stored only if no signal arrived and the
listener did not reconnect between the read it came from and the store (``stamp``), so
a read that raced a change is never kept.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

log = logging.getLogger("hub.change_signals")

CHANNEL = "hub_changes"
# The tables whose changes the triggers signal (migrations 0015 and 0016 create them).
SIGNALLED = frozenset({"users", "api_tokens", "calendar_years", "calendar_days",
                       "departments"})
_RECONNECT_SECONDS = (0.5, 1, 2, 5)
_TOUCHED = "hub.change_signals.touched"  # in a session's info: tables written in its transaction

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Cache(Generic[K, V]):
    """Values kept while the listener is live; a signal of any of ``tables`` empties it."""

    def __init__(self, listener: Listener, tables: frozenset[str], size: int) -> None:
        self.listener = listener
        self.tables = tables
        self.size = size
        self._data: dict[K, V] = {}
        self._version = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        if not self.listener.live:
            return None
        return self._data.get(key)

    def stamp(self) -> tuple[int, int] | None:
        """Taken before the database is read for a value ``put`` will store."""
        if not self.listener.live:
            return None
        return self.listener.epoch, self._version

    def put(self, key: K, value: V, stamp: tuple[int, int] | None) -> None:
        with self._lock:
            if stamp is None or not self.listener.live \
                    or stamp != (self.listener.epoch, self._version):
                return  # a change was signalled (or missed) since the read: don't keep it
            if len(self._data) >= self.size:
                self._data.clear()  # bounded; refilled from the database as it is used
            self._data[key] = value

    def drop(self) -> None:
        with self._lock:
            self._version += 1
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class Listener:
    """``LISTEN hub_changes`` on a connection of its own, in a daemon thread."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.live = False
        self.epoch = 0  # bumped at each (re)connection: stamps taken before are void
        self.signals = 0
        self._caches: dict[str, Cache[Any, Any]] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-change-signals",
                                        daemon=True)
        self._thread.start()

    def cache(self, name: str, tables: frozenset[str], size: int = 10_000) -> Cache[Any, Any]:
        with self._lock:
            if name not in self._caches:
                self._caches[name] = Cache(self, tables, size)
            return self._caches[name]

    def changed(self, tables: set[str] | frozenset[str]) -> None:
        """Empty the caches that depend on any of ``tables``."""
        with self._lock:
            caches = list(self._caches.values())
        for cache in caches:
            if cache.tables & tables:
                cache.drop()

    def stop(self) -> None:
        self._stopped.set()
        self.live = False

    def _run(self) -> None:
        failures = 0
        while not self._stopped.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True,
                                     application_name="hub change signals") as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Whatever changed before LISTEN was not signalled: start afresh.
                    self.epoch += 1
                    self.changed(SIGNALLED)
                    self.live = True
                    failures = 0
                    while not self._stopped.is_set():
                        for notice in conn.notifies(timeout=1.0):
                            self.signals += 1
                            self.changed({notice.payload})
            except Exception as exc:  # the database restarted, the connection dropped
                if not self._stopped.is_set():
                    log.warning("change_signals_lost error=%s", type(exc).__name__)
            finally:
                self.live = False
                self.changed(SIGNALLED)
            failures += 1
            self._stopped.wait(_RECONNECT_SECONDS[min(failures, len(_RECONNECT_SECONDS)) - 1])


_listeners: dict[tuple[int, str], Listener] = {}
_registry_lock = threading.Lock()


def listener(engine: Engine) -> Listener | None:
    """This process's listener on ``engine``'s database, started on first use; None on
    SQLite (one process: nothing else changes what it caches)."""
    if engine.dialect.name != "postgresql":
        return None
    key = (os.getpid(), str(engine.url))  # a forked worker starts its own
    found = _listeners.get(key)
    if found is not None:
        return found
    with _registry_lock:
        found = _listeners.get(key)
        if found is None:
            conninfo = engine.url.set(drivername="postgresql").render_as_string(
                hide_password=False)
            found = _listeners[key] = Listener(conninfo)
            event.listen(engine, "engine_disposed", lambda _engine: _forget(key))
    return found


def _forget(key: tuple[int, str]) -> None:
    with _registry_lock:
        found = _listeners.pop(key, None)
    if found is not None:
        found.stop()


def changed_here(tables: frozenset[str]) -> None:
    """Empty this process's caches depending on ``tables``, whatever the database (what a
    command or a test changed behind the sessions' backs)."""
    pid = os.getpid()
    for (owner, _url), found in list(_listeners.items()):
        if owner == pid:
            found.changed(tables)


def cache(session: Session, name: str, tables: frozenset[str]) -> Cache[Any, Any] | None:
    """The cache ``name`` of the session's database in this process, if it can have one."""
    found = listener(session.get_bind().engine)
    return found.cache(name, tables) if found is not None else None


# -- This process's own commits -----------------------------------------------------------


def watch(factory: sessionmaker[Session]) -> None:
    """Empty this process's caches after a commit of ``factory``'s sessions that wrote a
    signalled table (through the ORM or a statement run by the session)."""
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "do_orm_execute", _on_execute)
    event.listen(factory, "after_commit", _after_commit)
    event.listen(factory, "after_rollback", _after_rollback)


def _touch(session: Session, table: str | None) -> None:
    if table in SIGNALLED:
        session.info.setdefault(_TOUCHED, set()).add(table)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted, *session.new):
        _touch(session, getattr(obj, "__tablename__", None))


def _on_execute(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        _touch(session=state.session, table=getattr(table, "name", None))


def _after_commit(session: Session) -> None:
    tables = session.info.pop(_TOUCHED, None)
    if tables:
        found = listener(session.get_bind().engine)
        if found is not None:
            found.changed(tables)


def _after_rollback(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


__all__ = ["CHANNEL", "SIGNALLED", "Cache", "Listener", "cache", "changed_here", "listener",
           "watch"]
