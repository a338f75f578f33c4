"""The one audit writer, and the chain verification.

Every state change calls ``record`` inside its own transaction. Records are
chained per center: each holds the hash of the one before it, so an edited,
deleted or reordered record breaks the chain, and the chain heads (kept in
``audit_chain_heads`` and exported by ``export_anchor``) reveal a cut-off tail.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import clock
from hub.audit.models import HUB_CHAIN, AuditChainHead, AuditRecord
from hub.db import upsert
from hub.permissions import Principal

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    """JSON-safe and stable: what is hashed is exactly what is stored and read back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, (dt.date, uuid.UUID)):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"cannot audit a {type(value).__name__}")


def record_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    body = json.dumps({**fields, "prev_hash": prev_hash}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=_default)
    return hashlib.sha256(body.encode()).hexdigest()


def _hashed_fields(rec: AuditRecord) -> dict[str, Any]:
    return {
        "chain": rec.chain, "seq": rec.seq, "at": rec.at.astimezone(dt.timezone.utc).isoformat(),
        "actor": rec.actor, "action": rec.action, "target_type": rec.target_type,
        "target_id": rec.target_id, "center": rec.center, "before": rec.before,
        "after": rec.after, "request_id": rec.request_id,
    }


_LOCKED_HEADS = "hub.audit.locked_heads"


def _lock_head(session: Session, chain: str, now: dt.datetime) -> AuditChainHead:
    """The chain's head, locked until the transaction ends. Locked once per transaction:
    a second record of the same change (a decision writes two or three) reuses it."""
    transaction = session.get_transaction()
    locked = session.info.get(_LOCKED_HEADS)
    if transaction is not None and locked is not None and locked[0] is transaction:
        head = locked[1].get(chain)
        if head is not None and head in session:
            return head
    head = _select_and_lock_head(session, chain, now)
    if session.in_nested_transaction():
        return head  # a savepoint rolled back would release the lock: take it each time
    locked = session.info.get(_LOCKED_HEADS)
    transaction = session.get_transaction()
    if locked is None or locked[0] is not transaction:
        locked = session.info[_LOCKED_HEADS] = (transaction, {})
    locked[1][chain] = head
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
    rec = AuditRecord(
        chain=chain, seq=head.seq + 1, at=now, actor=actor.username, action=action,
        target_type=target_type, target_id=str(target_id), center=center,
        before=_plain(dict(before)) if before is not None else None,
        after=_plain(dict(after)) if after is not None else None,
        request_id=actor.request_id, prev_hash=head.hash,
    )
    rec.hash = record_hash(head.hash, _hashed_fields(rec))
    head.seq, head.hash, head.updated_at = rec.seq, rec.hash, now
    session.add(rec)
    return rec


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys that changed, for a compact before/after."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


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


def verify(session: Session, anchors: Mapping[str, tuple[int, str]] | None = None) -> VerifyReport:
    """Walk every chain: sequence without gaps, each hash recomputed, each link intact,
    the end equal to the stored head, and every exported anchor still on the chain."""
    report = VerifyReport()
    heads = {h.chain: (h.seq, h.hash) for h in session.scalars(select(AuditChainHead))}
    chains = sorted(set(heads) | set(session.scalars(select(AuditRecord.chain).distinct()))
                    | set(anchors or {}))
    for chain in chains:
        report.chains += 1
        expected_seq, prev_hash = 1, GENESIS
        seen: dict[int, str] = {}
        for rec in _records(session, chain):
            report.records += 1
            if rec.seq != expected_seq:
                report.problems.append(ChainProblem(chain, expected_seq,
                                                    f"record {expected_seq} is missing"))
            if rec.prev_hash != prev_hash:
                report.problems.append(ChainProblem(chain, rec.seq, "link to the previous record is broken"))
            if record_hash(rec.prev_hash, _hashed_fields(rec)) != rec.hash:
                report.problems.append(ChainProblem(chain, rec.seq, "record was altered"))
            seen[rec.seq] = rec.hash
            expected_seq, prev_hash = rec.seq + 1, rec.hash
        last_seq = expected_seq - 1
        head = heads.get(chain)
        if head is None:
            report.problems.append(ChainProblem(chain, None, "chain head is missing"))
        elif head != (last_seq, prev_hash):
            report.problems.append(ChainProblem(
                chain, head[0], f"chain ends at {last_seq}, its head says {head[0]}: records were cut off or the head altered"))
        anchor = (anchors or {}).get(chain)
        if anchor is not None and seen.get(anchor[0]) != anchor[1]:
            report.problems.append(ChainProblem(
                chain, anchor[0], "an exported anchor is no longer on the chain: records were cut off or rewritten"))
    return report


def export_anchor(session: Session, directory: str | Path, now: dt.datetime | None = None) -> Path:
    """Write the chain heads to a file outside the database (one JSON line per chain)."""
    now = now or clock.now()
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"audit-anchor-{now.strftime('%Y%m%dT%H%M%S%fZ')}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for head in session.scalars(select(AuditChainHead).order_by(AuditChainHead.chain)):
            handle.write(json.dumps({"chain": head.chain, "seq": head.seq, "hash": head.hash,
                                     "exported_at": now.isoformat()}) + "\n")
    return path


def load_anchors(directory: str | Path) -> dict[str, tuple[int, str]]:
    """The latest exported anchor of every chain."""
    anchors: dict[str, tuple[int, str]] = {}
    folder = Path(directory)
    if not folder.is_dir():
        return anchors
    for path in sorted(folder.glob("audit-anchor-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                anchors[item["chain"]] = (int(item["seq"]), item["hash"])
    return anchors
