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
from collections.abc import Iterator, Mapping
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hub import clock
from hub.audit.anchors import Anchors
from hub.audit.chain import GENESIS, KeyRing, keyed_hash, legacy_hash, plain
from hub.audit.models import HUB_CHAIN, AuditChainHead, AuditRecord
from hub.db import TransactionState, upsert
from hub.permissions import Principal

_KEYS = "hub.audit.keys"


def init_app(app: Flask) -> None:
    settings = app.config["HUB_SETTINGS"]
    previous = [k.strip() for k in settings.audit_previous_keys.split(",") if k.strip()]
    app.extensions[_KEYS] = KeyRing.from_secrets(settings.audit_key, previous)


def keys() -> KeyRing:
    """The application's audit keys (``HUB_AUDIT_KEY`` and ``HUB_AUDIT_PREVIOUS_KEYS``)."""
    return current_app.extensions[_KEYS]


def _hashed_fields(rec: AuditRecord) -> dict[str, Any]:
    return {
        "chain": rec.chain, "seq": rec.seq, "at": rec.at.astimezone(dt.timezone.utc).isoformat(),
        "actor": rec.actor, "action": rec.action, "target_type": rec.target_type,
        "target_id": rec.target_id, "center": rec.center, "before": rec.before,
        "after": rec.after, "request_id": rec.request_id,
    }


_LOCKED_HEADS: TransactionState[dict[str, AuditChainHead]] = TransactionState(
    "hub.audit.locked_heads")


def _lock_head(session: Session, chain: str, now: dt.datetime) -> AuditChainHead:
    """The chain's head, locked until the transaction ends. Locked once per transaction:
    a second record of the same change (a decision writes two or three) reuses it."""
    locked = _LOCKED_HEADS.get(session) or {}
    head = locked.get(chain)
    if head is not None and head in session:
        return head
    head = _select_and_lock_head(session, chain, now)
    if session.in_nested_transaction():
        return head  # a savepoint rolled back would release the lock: take it each time
    locked[chain] = head
    _LOCKED_HEADS.put(session, locked)
    return head


def _select_and_lock_head(session: Session, chain: str, now: dt.datetime) -> AuditChainHead:
    # populate_existing: a head this session read in an earlier transaction stays in its
    # identity map (expire_on_commit=False) with the values it had then; the locked read
    # must overwrite them with the row's current ones, or the next record would reuse a
    # sequence number another process has written since.
    stmt = (select(AuditChainHead).where(AuditChainHead.chain == chain).with_for_update()
            .execution_options(populate_existing=True))
    head = session.scalars(stmt).one_or_none()
    if head is None:
        session.execute(
            upsert(session, AuditChainHead)
            .values(chain=chain, seq=0, hash=GENESIS, updated_at=now)
            .on_conflict_do_nothing(index_elements=["chain"])
        )
        head = session.scalars(stmt).one()
    return head


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
) -> AuditRecord:
    """Append one record to the chain of ``center`` (or the hub's chain), in the caller's
    transaction; the caller commits it with the change it describes."""
    now = at or clock.now()
    chain = center or HUB_CHAIN
    head = _lock_head(session, chain, now)
    key = keys().current
    rec = AuditRecord(
        chain=chain, seq=head.seq + 1, at=now, actor=actor.username, action=action,
        target_type=target_type, target_id=str(target_id), center=center,
        before=plain(dict(before)) if before is not None else None,
        after=plain(dict(after)) if after is not None else None,
        request_id=actor.request_id, prev_hash=head.hash, key_id=key.id,
    )
    rec.hash = keyed_hash(key, head.hash, _hashed_fields(rec))
    head.seq, head.hash, head.updated_at = rec.seq, rec.hash, now
    session.add(rec)
    return rec


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
    heads = {h.chain: (h.seq, h.hash) for h in session.scalars(select(AuditChainHead))}
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
