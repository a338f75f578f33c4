"""The shared database: the declarative base, the one engine and the one session factory.

Requests get a session bound to the application context (``db.session()``); Celery
tasks and CLI commands open one with ``session_scope``. Services own the
transactions: they commit, the teardown closes (and so rolls back what was left).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

log = logging.getLogger("hub.db")

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes stored as UTC on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware datetime")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)

    @property
    def python_type(self) -> type:
        return dt.datetime


JsonType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UtcDateTime(),
        dict[str, Any]: JsonType,
        list[Any]: JsonType,
        list[str]: JsonType,
    }


def make_engine(url: str, *, pool_size: int = 5, statement_timeout_ms: int = 30_000,
                sqlite_busy_timeout_ms: int = 30_000) -> Engine:
    """The engine for a URL, tuned per backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": sqlite_busy_timeout_ms / 1000},
            poolclass=StaticPool if memory else None,
            hide_parameters=True,
        )
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # Plain postgresql:// would pick psycopg2, which is not installed: psycopg 3 it is.
        parsed = parsed.set(drivername="postgresql+psycopg")
    # hide_parameters: a statement's error (in a log line or a traceback) never quotes the
    # values bound to it, which hold names, ciphertexts and look-up hashes.
    return create_engine(
        parsed,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={
            "options": f"-c statement_timeout={statement_timeout_ms} -c timezone=UTC",
            "connect_timeout": 5,
            "application_name": "service-center-hub",
        },
    )


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transactions into our own hands: pysqlite's implicit BEGIN would start
        # them deferred, and a deferred reader that later writes fails with SQLITE_BUSY.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        # One writer at a time, decided when the transaction starts, never half-way.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The engine and session factory of one application."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_options)
        self.sessionmaker: sessionmaker[Session] = sessionmaker(
            self.engine, expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session for a task or a command; rolled back unless the caller committed."""
        session = self.sessionmaker()
        try:
            yield session
        finally:
            close(session)

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask) -> None:
    settings = app.config["HUB_SETTINGS"]
    app.extensions["hub.db"] = Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms,
    )
    app.teardown_appcontext(_close_session)


def get_database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["hub.db"]


def session() -> Session:
    """The session of the current application context (one per request)."""
    if "db_session" not in g:
        g.db_session = get_database().sessionmaker()
    return g.db_session


def close(db_session: Session) -> None:
    """End a session; when its connection died under it (the database restarted), drop
    the connection instead of raising: what the request or task did is already decided,
    and a failed rollback must not turn a made answer into a 500 or a done task into a retry."""
    try:
        db_session.close()
    except DBAPIError as exc:
        log.warning("session_close_failed error=%s", type(exc.orig).__name__)
        db_session.invalidate()


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        close(db_session)



class TransactionState(Generic[T]):
    """What one module remembers for the length of a session's transaction (the audit
    chain heads it locked, the calendar it read, the rollup increments due at commit):
    declared once per module, kept in ``Session.info`` under its own key with the
    (root) transaction it belongs to, so a later transaction never sees it."""

    def __init__(self, key: str) -> None:
        self.key = key

    def get(self, session: Session) -> T | None:
        """The value kept for the session's current transaction, or None."""
        kept = session.info.get(self.key)
        transaction = session.get_transaction()
        if kept is None or transaction is None or kept[0] is not transaction:
            return None
        return kept[1]  # type: ignore[no-any-return]

    def put(self, session: Session, value: T) -> T:
        """Keep ``value`` for the session's current transaction (one must have begun)."""
        transaction = session.get_transaction()
        if transaction is None:
            raise RuntimeError(f"{self.key}: the session has no transaction to keep it for")
        session.info[self.key] = (transaction, value)
        return value

    def pop(self, session: Session) -> T | None:
        """The value kept for the current transaction (None if none), forgotten."""
        value = self.get(session)
        session.info.pop(self.key, None)
        return value


def before_commit(target: sessionmaker[Session] | Session, hook: Callable[[Session], None],
                  name: str) -> None:
    """Run ``hook`` as every session of ``target`` (a factory, or one session) commits,
    and mark those sessions as wired for ``name`` (``require_wired``): what a module
    gathers in a transaction (the rollups' increments, the audit records) and writes at
    its commit. Hooks run in the order they were wired."""
    if not event.contains(target, "before_commit", hook):
        event.listen(target, "before_commit", hook)
    if isinstance(target, Session):
        target.info[name] = True
    else:
        target.configure(info={**target.kw.get("info", {}), name: True})


def require_wired(session: Session, name: str, what: str) -> None:
    """Refuse a session whose commit would not write ``what`` (lost without a word)."""
    if not session.info.get(name):
        raise RuntimeError(f"this session's factory does not write {what}: "
                           f"wire it with {name}")


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database could not be used just now (unreachable, the
    connection lost, the pool exhausted, a deadlock or a timeout), not that the work was
    wrong: the same work may succeed later (a request answers 503, a task tries again)."""
    return isinstance(error, (OperationalError, PoolTimeout)) or (
        isinstance(error, DBAPIError) and error.connection_invalidated)


def insert_for(dialect: str) -> Any:
    """The ``insert`` construct with ``ON CONFLICT`` of a backend (PostgreSQL or SQLite:
    they share the API), for statements built once per dialect."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def upsert(session: Session, entity: Any) -> Any:
    """``INSERT … ON CONFLICT`` for the session's backend."""
    return insert_for(session.get_bind().dialect.name)(entity)
