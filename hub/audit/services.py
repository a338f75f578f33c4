"""The one audit writer, and the chain verification.

Every state change calls ``record`` inside its own transaction. Records are chained per
center: each holds the MAC (``hub.audit.chain``) of its fields and of the record before
it, under a key that is not in the database, so an edited, deleted, reordered or added
record breaks the chain, and the chain heads (kept in ``audit_chain_heads`` and anchored
outside the database by ``hub.audit.anchors``) reveal a cut-off tail.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from flask import Flask, current_app
from sqlalchemy import Select, bindparam, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from hub import clock
from hub.audit.anchors import Anchors
from hub.audit.chain import GENESIS, AuditKey, KeyRing, keyed_hash, legacy_hash, plain
from hub.audit.models import HUB_CHAIN, AuditChainHead, AuditRecord
from hub.db import TransactionState, before_commit, require_wired, upsert
from hub.permissions import Principal

_KEYS = "hub.audit.keys"


def init_app(app: Flask) -> None:
    settings = app.config["HUB_SETTINGS"]
    previous = [k.strip() for k in settings.audit_previous_keys.split(",") if k.strip()]
    app.extensions[_KEYS] = KeyRing.from_secrets(settings.audit_key, previous)


def keys() -> KeyRing:
    """The application's audit keys (``HUB_AUDIT_KEY`` and ``HUB_AUDIT_PREVIOUS_KEYS``)."""
    return current_app.extensions[_KEYS]


HASHED = ("chain", "seq", "at", "actor", "action", "target_type", "target_id", "center",
          "before", "after", "request_id")


def _hashed_fields(record: AuditRecord | Mapping[str, Any]) -> dict[str, Any]:
    """What a record's MAC covers (of a stored record, or of the values of one to write)."""
    values = record if isinstance(record, Mapping) else \
        {name: getattr(record, name) for name in HASHED}
    return {**{name: values[name] for name in HASHED},
            "at": values["at"].astimezone(dt.timezone.utc).isoformat()}


class _Pending(NamedTuple):
    key: AuditKey  # the key current when the records were made
    chains: dict[str, list[dict[str, Any]]]  # their fields but their place, by chain


# The records the transaction appends, written when it commits (``listen``).
_PENDING: TransactionState[_Pending] = TransactionState("hub.audit.pending")
_WIRED = "hub.audit.services.listen"


def listen(target: sessionmaker[Session] | Session) -> None:
    """Append the records of every session of a factory (or of one session) to their
    chains when it commits.

    A chain's head is locked at the commit, not at the first record: the center's other
    writers wait only for that commit, not for the rest of this transaction, and a
    transaction's records take two statements per chain (lock the head; append the
    records and move the head) however many it made (docs/BENCHMARKS.md, issue 23)."""
    before_commit(target, _write_pending, _WIRED)


def record(
    session: Session,
    actor: Principal,
    action: str,
    *,
    target_type: str,
    target_id: Any,
    center: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Append one record to the chain of ``center`` (or the hub's chain), in the caller's
    transaction: written when the caller commits it with the change it describes, and
    gone with it if it rolls back."""
    require_wired(session, _WIRED, "the audit records")
    if session.in_nested_transaction():
        # A savepoint rolled back would leave its records to the outer commit: an action
        # recorded that did not happen. Nothing in the hub records inside one.
        raise RuntimeError("audit records cannot be made inside a savepoint")
    if session.get_transaction() is None:
        session.connection()  # begins the transaction the record belongs to
    pending = _PENDING.get(session) or _PENDING.put(session, _Pending(keys().current, {}))
    chain = center or HUB_CHAIN
    pending.chains.setdefault(chain, []).append({
        "chain": chain, "at": at or clock.now(), "actor": actor.username, "action": action,
        "target_type": target_type, "target_id": str(target_id), "center": center,
        "before": plain(dict(before)) if before is not None else None,
        "after": plain(dict(after)) if after is not None else None,
        "request_id": actor.request_id})


def _write_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the records wait for the transaction's commit
    pending = _PENDING.pop(session)
    if not pending:
        return
    dialect = session.get_bind().dialect.name
    key = pending.key
    for chain in sorted(pending.chains):  # one order for every writer: no deadlock
        records = pending.chains[chain]
        seq, prev_hash = _lock_head(session, chain, records[-1]["at"])
        rows = []
        for values in records:
            seq += 1
            row = {**values, "seq": seq, "prev_hash": prev_hash, "key_id": key.id}
            row["hash"] = prev_hash = keyed_hash(key, prev_hash, _hashed_fields(row))
            rows.append(row)
        head = {"chain": chain, "seq": seq, "hash": prev_hash,
                "updated_at": max(r["at"] for r in records)}
        if dialect == "postgresql":
            session.execute(_APPEND, {**head, "records": json.dumps(
                [{**row, "at": row["at"].isoformat()} for row in rows], ensure_ascii=False)})
        else:  # SQLite has no data-modifying WITH: the same in two statements
            session.execute(insert(AuditRecord.__table__), rows)
            session.execute(_MOVE_HEAD, head)


def _lock_head(session: Session, chain: str, now: dt.datetime) -> tuple[int, str]:
    """The chain's last (seq, hash), its head locked until the transaction ends; a chain
    without records starts at (0, GENESIS)."""
    found = session.execute(_LOCK_HEAD, {"chain": chain}).one_or_none()
    if found is None:
        session.execute(upsert(session, AuditChainHead.__table__)
                        .values(chain=chain, seq=0, hash=GENESIS, updated_at=now)
                        .on_conflict_do_nothing(index_elements=["chain"]))
        found = session.execute(_LOCK_HEAD, {"chain": chain}).one()
    return found.seq, found.hash


_HEADS = AuditChainHead.__table__
_LOCK_HEAD = (select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.chain == bindparam("chain"))
              .with_for_update())
_COLUMNS = (*HASHED, "prev_hash", "hash", "key_id")
_MOVE_HEAD = text("UPDATE audit_chain_heads SET seq = :seq, hash = :hash, "
                  "updated_at = :updated_at WHERE chain = :chain").bindparams(
    bindparam("updated_at", type_=_HEADS.c.updated_at.type))
# A transaction's records of one chain and the head's move, in one statement of a single
# parameter (the records as one JSON array): one round trip however many records, and a
# statement SQLAlchemy caches (a multi-row VALUES it compiles anew each time). ORDER BY
# seq: the records take their ids in the chain's order.
_APPEND = text(f"""
    WITH appended AS (
        INSERT INTO audit_records ({", ".join(_COLUMNS)})
        SELECT {", ".join(_COLUMNS)}
        FROM jsonb_to_recordset(CAST(:records AS jsonb)) AS r(
            chain text, seq bigint, at timestamptz, actor text, action text,
            target_type text, target_id text, center text, before jsonb, after jsonb,
            request_id text, prev_hash text, hash text, key_id text)
        ORDER BY seq)
    {_MOVE_HEAD.text}""").bindparams(
    bindparam("updated_at", type_=_HEADS.c.updated_at.type))


def trail_query(*, actor: str | None = None, action: str | None = None,
                target: str | None = None, start: dt.datetime | None = None,
                end: dt.datetime | None = None) -> Select[tuple[AuditRecord]]:
    """The audit trail filtered: ``actor`` and ``target`` (a target id) exactly, ``action``
    exactly or, ending in ``.*``, every action under that prefix (``task.*``: every
    decision); ``start`` ≤ ``at`` < ``end``. Each filter is served by an index."""
    stmt = select(AuditRecord)
    if target:
        stmt = stmt.where(AuditRecord.target_id == target)
    if actor:
        stmt = stmt.where(AuditRecord.actor == actor)
    if action:
        if action.endswith(".*"):
            stmt = stmt.where(AuditRecord.action.startswith(action[:-1], autoescape=True))
        else:
            stmt = stmt.where(AuditRecord.action == action)
    if start is not None:
        stmt = stmt.where(AuditRecord.at >= start)
    if end is not None:
        stmt = stmt.where(AuditRecord.at < end)
    return stmt


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys that changed, for a compact before/after."""
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


@dataclasses.dataclass
class ChainProblem:
    chain: str
    seq: int | None
    problem: str


@dataclasses.dataclass
class VerifyReport:
    chains: int = 0
    records: int = 0
    problems: list[ChainProblem] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _records(session: Session, chain: str, batch: int = 5000) -> Iterator[AuditRecord]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditRecord).where(AuditRecord.chain == chain, AuditRecord.seq > last)
            .order_by(AuditRecord.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify(session: Session, anchors: Anchors | None = None,
           keyring: KeyRing | None = None) -> VerifyReport:
    """Walk every chain: sequence without gaps, each MAC recomputed under the key that
    made it, each link intact, the end equal to the stored head, and every anchored head
    still on the chain; records past what a genuine anchor holds must be keyed."""
    keyring = keyring or keys()
    anchors = anchors or Anchors()
    report = VerifyReport(problems=[ChainProblem("anchors", None, p) for p in anchors.problems])
    heads = {chain: (seq, hash_) for chain, seq, hash_ in session.execute(
        select(AuditChainHead.chain, AuditChainHead.seq, AuditChainHead.hash))}
    chains = sorted(set(heads) | set(session.scalars(select(AuditRecord.chain).distinct()))
                    | set(anchors.points))
    for chain in chains:
        report.chains += 1
        last_seq, last_hash, seen = _walk(session, chain, keyring, anchors, report)
        head = heads.get(chain)
        if head is None:
            report.problems.append(ChainProblem(chain, None, "chain head is missing"))
        elif head != (last_seq, last_hash):
            report.problems.append(ChainProblem(
                chain, head[0], f"chain ends at {last_seq}, its head says {head[0]}: records were cut off or the head altered"))
        for seq, anchored in anchors.points.get(chain, ()):
            if seen.get(seq) != anchored:
                report.problems.append(ChainProblem(
                    chain, seq, "an exported anchor is no longer on the chain: records were cut off or rewritten"))
    return report


def _walk(session: Session, chain: str, keyring: KeyRing, anchors: Anchors,
          report: VerifyReport) -> tuple[int, str, dict[int, str]]:
    """Check one chain's records in order; the last seq and hash, and every seq's hash."""
    expected_seq, prev_hash, keyed = 1, GENESIS, False
    keyed_after = anchors.keyed_after(chain)
    seen: dict[int, str] = {}
    for rec in _records(session, chain):
        report.records += 1
        if rec.seq != expected_seq:
            report.problems.append(ChainProblem(chain, expected_seq,
                                                f"record {expected_seq} is missing"))
        if rec.prev_hash != prev_hash:
            report.problems.append(ChainProblem(chain, rec.seq, "link to the previous record is broken"))
        if rec.key_id is None:
            if keyed or (keyed_after is not None and rec.seq > keyed_after):
                report.problems.append(ChainProblem(
                    chain, rec.seq, "record has no key where every record is keyed: it was forged or rewritten"))
            expected = legacy_hash(rec.prev_hash, _hashed_fields(rec))
        else:
            keyed = True
            key = keyring.get(rec.key_id)
            if key is None:
                report.problems.append(ChainProblem(
                    chain, rec.seq, f"record was made with an unknown key {rec.key_id} "
                                    "(forged, or an old key missing from HUB_AUDIT_PREVIOUS_KEYS)"))
                expected = rec.hash
            else:
                expected = keyed_hash(key, rec.prev_hash, _hashed_fields(rec))
        if expected != rec.hash:
            report.problems.append(ChainProblem(chain, rec.seq, "record was altered"))
        seen[rec.seq] = rec.hash
        expected_seq, prev_hash = rec.seq + 1, rec.hash
    return expected_seq - 1, prev_hash, seen
