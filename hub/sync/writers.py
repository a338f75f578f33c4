"""Set-based writes of canonical records into the one database.

Each writer takes a batch of prepared records of one center (``hub.sync.prepare``),
rejects what the database says is wrong (an unknown department, a username taken),
pre-selects the rows the batch already has to tell new, changed and unchanged apart,
and writes only the new and the changed in one statement: ``INSERT … ON CONFLICT
(key) DO UPDATE … WHERE`` the row differs. On PostgreSQL the applications go through
COPY into a temporary staging table first (the fastest way in). Unchanged rows are
not written at all, so a re-run with nothing new rewrites nothing.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    DateTime,
    Table,
    and_,
    bindparam,
    case,
    column,
    func,
    literal_column,
    select,
    table,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from hub import audit, clock, privacy
from hub.approvals import staffing
from hub.approvals.calendar import local_date
from hub.approvals.models import Application
from hub.db import insert_for, upsert
from hub.directory.models import Department, User
from hub.permissions import Principal
from hub.supervision import rollups
from hub.supervision.rollups import CaseCount
from hub.sync.prepare import COPY_COLUMNS, Compared, PreparedCase, Reasons

Record = dict[str, Any]


class SyncReconciliationError(RuntimeError):
    """The database did not take exactly the rows the batch said it would write."""


@dataclasses.dataclass
class WriteResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[Record, Reasons]] = dataclasses.field(default_factory=list)
    accepted: list[str] = dataclasses.field(default_factory=list)  # external ids written or same


# -- Applications -------------------------------------------------------------------------------

# What decides "changed": prepare.Compared's columns.
_COMPARED = Compared._fields
# On a change: everything from the source and what follows from it; never the id, the
# number, the creation time or what the hub itself added.
_UPDATED = ("service_item_code", "status", "applicant_name", "applicant_id_encrypted",
            "applicant_id_hash", "applicant_id_masked", "submitted_at", "due_at", "yellow_at",
            "due_at_provisional", "concluded_at", "deleted_at", "updated_at")


def _same(old: Any, case: PreparedCase) -> bool:
    # A plain tuple in Compared's order equals it (and costs less, once per record).
    return ((old.service_item_code, old.status, old.applicant_name, old.applicant_id_hash,
             old.submitted_at, old.concluded_at) == case.compared
            and (old.deleted_at is not None) == case.deleted)


def write_applications(session: Session, center: str, actor: Principal,
                       cases: Sequence[PreparedCase],
                       complete: Callable[[list[Record]], list[PreparedCase]], *,
                       analysed: set[str]) -> WriteResult:
    """Upsert a batch of prepared case records of ``center``, with their rollups;
    ``complete`` finishes the preparation of the new and changed ones that lack it;
    ``analysed``: the centers whose planner statistics this run already checked."""
    result = WriteResult()
    if not cases:
        return result
    existing = {row.external_id: row for row in
                _existing(session, center, [c.key for c in cases])}
    now = clock.now()
    new_rows: list[PreparedCase] = []
    changed_rows: list[PreparedCase] = []
    recount: set[dt.date] = set()
    for case in cases:
        result.accepted.append(case.key)
        old = existing.get(case.key)
        if old is None:
            new_rows.append(case)
        elif _same(old, case):
            result.unchanged += 1
        else:  # written with its new values; its id and first tombstone time stay (SQL)
            changed_rows.append(case)
            for moment in (case.compared.submitted_at, case.compared.concluded_at,
                           old.submitted_at, old.concluded_at):
                if moment is not None:
                    recount.add(local_date(moment))
    if any(c.line is None for c in new_rows + changed_rows):
        new_rows, changed_rows = _completed(new_rows, complete), _completed(changed_rows, complete)
    added: list[CaseCount] = [count for case in new_rows for count in case.counts or ()]
    if new_rows or changed_rows:
        rows = new_rows + changed_rows
        if session.get_bind().dialect.name == "postgresql":
            inserted, updated = _copy_upsert_applications(session, [c.line for c in rows], now)
            if inserted and center not in analysed:
                analysed.add(center)
                _keep_center_in_statistics(session, center)
        else:
            inserted, updated = _upsert_applications(
                session, [{**c.row, "created_at": now, "updated_at": now}  # type: ignore[dict-item]
                          for c in rows])
        if (inserted, updated) != (len(new_rows), len(changed_rows)):
            raise SyncReconciliationError(
                f"applications of {center}: expected {len(new_rows)} inserted and "
                f"{len(changed_rows)} updated, the database reports {inserted} and {updated}")
        result.inserted, result.updated = inserted, updated
        rollups.count_synced(session, center, added=added, recount=recount)
        audit.record(session, actor, "sync.applications_written", target_type="center",
                     target_id=center, center=center,
                     after={"inserted": [c.key for c in new_rows],
                            "updated": [c.key for c in changed_rows]})
    return result


def _completed(cases: list[PreparedCase],
               complete: Callable[[list[Record]], list[PreparedCase]]) -> list[PreparedCase]:
    ready = [c for c in cases if c.line is not None]
    return ready + complete([c.record for c in cases if c.line is None])  # type: ignore[misc]


_PRESELECTED = ("external_id", "id", *_COMPARED, "deleted_at")
# One probe per key. ``external_id = ANY(:keys)`` let the planner pick the center's index
# and filter every row of the center when the statistics were stale (a first load: the
# table analysed empty), which made each batch cost as much as the rows before it; the
# probe itself still needs statistics that know the center (_keep_center_in_statistics).
_PRESELECT_PG = text(
    "SELECT a.* FROM json_array_elements_text(CAST(:keys AS json)) AS k(key) CROSS JOIN LATERAL "
    f"(SELECT {', '.join(_PRESELECTED)} FROM applications "
    "WHERE center_code = :center AND external_id = k.key LIMIT 1) AS a"
).columns(*[Application.__table__.c[c] for c in _PRESELECTED])


# True: the statistics give the center a fair estimate (it is among the most common
# values, or there is no such list and every center gets the average); NULL (no row):
# the table was never analysed.
_CENTER_IN_STATISTICS = text(
    "SELECT most_common_vals IS NULL "
    "OR :center = ANY(CAST(CAST(most_common_vals AS text) AS text[])) "
    "FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'applications' "
    "AND attname = 'center_code'")


def _keep_center_in_statistics(session: Session, center: str) -> None:
    """The pre-select's probe must use the (center, external id) index. When the
    planner's statistics do not know the center (a fresh table, a center's first load),
    it believes the center has almost no rows and may probe through the (center,
    submitted) index instead, reading every row of the center for each key: each batch
    then cost more than the one before (docs/BENCHMARKS.md). So once per run (the run
    keeps the centers checked), after the first rows it wrote, a center the statistics
    lack is analysed in (a sample of the table, in the batch's transaction: it sees the
    batch's rows)."""
    if not session.scalar(_CENTER_IN_STATISTICS, {"center": center}):
        session.execute(text("ANALYZE applications"))


def _existing(session: Session, center: str, keys: list[str]) -> Any:
    """The stored rows of the batch's keys (the columns that decide "changed")."""
    if session.get_bind().dialect.name == "postgresql":
        # The keys as one JSON text: json encodes them in C, psycopg's array dumper in
        # Python, a key at a time.
        return session.execute(_PRESELECT_PG, {"keys": json.dumps(keys), "center": center})
    return session.execute(
        select(*[Application.__table__.c[c] for c in _PRESELECTED])
        .where(Application.center_code == center, Application.external_id.in_(keys)))


def _differs(table: Table, excluded: Any) -> Any:
    """The row differs from the incoming one (NULL-safe on both backends)."""
    target = tuple_(*[table.c[c] for c in _COMPARED], table.c.deleted_at.is_(None))
    incoming = tuple_(*[excluded[c] for c in _COMPARED], excluded["deleted_at"].is_(None))
    return target.is_distinct_from(incoming)


def _on_conflict(stmt: Any) -> Any:
    """The one conflict rule of both backends: a changed row takes the source's values,
    keeps its id and the time it was first tombstoned, and is written only when it
    differs."""
    table, excluded = Application.__table__, stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["center_code", "external_id"],
        set_={**{c: excluded[c] for c in _UPDATED if c != "deleted_at"},
              "deleted_at": case((excluded.deleted_at.is_(None), None),
                                 else_=func.coalesce(table.c.deleted_at, excluded.deleted_at)),
              "version": table.c.version + 1},
        where=_differs(table, excluded))


def _upsert_applications(session: Session, rows: list[Record]) -> tuple[int, int]:
    """SQLite (and any backend without COPY): one executemany ``INSERT … ON CONFLICT``."""
    before = _count_keys(session, rows)
    session.execute(_on_conflict(upsert(session, Application.__table__)), rows)
    after = _count_keys(session, rows)
    return after - before, len(rows) - (after - before)


def _count_keys(session: Session, rows: list[Record]) -> int:
    center = rows[0]["center_code"]
    return session.scalar(select(func.count()).select_from(Application).where(
        and_(Application.center_code == center,
             Application.external_id.in_([r["external_id"] for r in rows])))) or 0


_STAGE = "sync_stage_cases"


def _copy_upsert_applications(session: Session, lines: list[bytes], now: dt.datetime
                              ) -> tuple[int, int]:
    """PostgreSQL: COPY the batch's prepared lines into a temporary staging table, then
    upsert from it (``upsert_from_stage``)."""
    with stage(session) as copy:
        copy.write(b"".join(lines))
    return upsert_from_stage(session, now)


@contextlib.contextmanager
def stage(session: Session) -> Iterator[Any]:
    """A COPY into the (emptied at commit) staging table of the COPY_COLUMNS."""
    copied = ", ".join(COPY_COLUMNS)
    session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} ON COMMIT DELETE ROWS "
                         f"AS SELECT {copied} FROM applications WITH NO DATA"))
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {_STAGE} ({copied}) FROM STDIN") as copy:
        yield copy


def _from_stage() -> Any:
    staged = table(_STAGE, *[column(c) for c in COPY_COLUMNS])
    at = bindparam("now", type_=DateTime(timezone=True))
    return _on_conflict(insert_for("postgresql")(Application.__table__).from_select(
        [*COPY_COLUMNS, "created_at", "updated_at"],
        select(*[staged.c[c] for c in COPY_COLUMNS], at, at)
    )).returning(literal_column("xmax = 0"))


_FROM_STAGE = _from_stage()  # built once, run with the batch's time


def upsert_from_stage(session: Session, now: dt.datetime) -> tuple[int, int]:
    """One ``INSERT … SELECT … ON CONFLICT … DO UPDATE … WHERE`` it differs (the rule of
    ``_on_conflict``); ``RETURNING (xmax = 0)`` tells the inserted rows from the updated
    ones. Returns (inserted, updated)."""
    flags = session.execute(_FROM_STAGE, {"now": now}).scalars().all()
    session.execute(text(f"TRUNCATE {_STAGE}"))
    inserted = sum(1 for flag in flags if flag)
    return inserted, len(flags) - inserted


# -- Staff ----------------------------------------------------------------------------------------

_STAFF = ("username", "display_name", "department_code", "roles", "status")


def write_staff(session: Session, center: str, actor: Principal,
                records: Sequence[Record]) -> WriteResult:
    """Upsert a batch of canonical staff records of ``center`` into the one directory,
    keyed by (source = the center, external id). Staff who left are marked, never
    deleted, and every token they hold stops at once. Synced staff get no password:
    they sign in through their center."""
    result = WriteResult()
    departments = {r["department"] for r in records if r.get("department")}
    known_departments = set(session.scalars(
        select(Department.code).where(Department.code.in_(departments))))
    existing = {u.external_id: u for u in session.scalars(
        select(User).where(User.source == center,
                           User.external_id.in_([r["external_id"] for r in records])))}
    usernames = {u.username: u for u in session.scalars(
        select(User).where(User.username.in_([r["username"] for r in records])))}
    claimed: set[str] = set()
    now = clock.now()
    for record in records:
        key = record["external_id"]
        reasons: Reasons = {}
        if record.get("department") and record["department"] not in known_departments:
            reasons["department"] = [f"未知的部门：{record['department']}"]
        holder = usernames.get(record["username"])
        if (holder is not None and (holder.source, holder.external_id) != (center, key)) or \
                record["username"] in claimed:
            reasons["username"] = [f"用户名 {record['username']} 已被其他账号使用"]
        if reasons:
            result.rejected.append((record, reasons))
            continue
        claimed.add(record["username"])
        result.accepted.append(key)
        values = {"username": record["username"], "display_name": record["display_name"],
                  "department_code": record.get("department"), "roles": record["roles"],
                  "status": record["status"]}
        user = existing.get(key)
        if user is None:
            user = User(center_code=center, source=center, external_id=key, password_hash=None,
                        token_generation=0, created_at=now, updated_at=now, **values)
            session.add(user)
            audit.record(session, actor, "user.created", target_type="user",
                         target_id=user.username, center=center,
                         after={**values, "source": center, "external_id": key})
            result.inserted += 1
            continue
        before = {k: getattr(user, k) for k in _STAFF}
        if before == values:
            result.unchanged += 1
            continue
        changed_before, changed_after = audit.changes(before, values)
        if staffing.departure(session, user, values) is not None:
            changed_after["tasks_released"] = staffing.release_tasks(
                session, actor, user.username, f"{center} 的人员同步：不再担任本部门审批")
        if before["status"] == "active" and values["status"] != "active":
            user.token_generation += 1  # leaving ends every token at once
        for name, value in values.items():
            setattr(user, name, value)
        user.updated_at = now
        audit.record(session, actor, "user.updated", target_type="user", target_id=user.username,
                     center=center, before=changed_before, after=changed_after)
        result.updated += 1
    session.flush()
    return result


def mask_record(stream: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A raw record fit to keep in quarantine: personal data masked, JSON-safe."""
    masked = dict(record)
    if stream == "applications":
        for name, mask in (("applicant_id_number", privacy.mask_id_number),
                           ("applicant_phone", privacy.mask_phone),
                           ("applicant_name", privacy.mask_name)):
            if isinstance(masked.get(name), str):
                masked[name] = mask(masked[name])
    return json.loads(json.dumps(masked, ensure_ascii=False, default=str))
