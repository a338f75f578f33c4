"""Anchors: the chain heads written outside the database, signed, so that a tail cut off
or a chain rewritten by whoever can write the database is found by ``hub audit verify``.

Beat appends one signed line to the day's file (``audit-anchor-YYYYMMDD.jsonl`` in
``HUB_AUDIT_ANCHOR_DIR``) every few minutes when a head moved. Keep copies elsewhere (a
log host, write-once storage): what is deleted here can no longer be checked against,
and the records written since the last anchor can be cut off without a trace.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit.chain import KeyRing, anchor_is_genuine, sign_anchor
from hub.audit.models import AuditChainHead
from hub.clock import local

PATTERN = "audit-anchor-*.jsonl"

Point = tuple[int, str]  # (seq, hash) of a chain's head


@dataclasses.dataclass
class Anchors:
    """What the anchor files say: the latest anchored head of each chain (signed or from
    an older, unsigned file), the earliest signed one, and the lines that are not genuine."""

    latest: dict[str, Point] = dataclasses.field(default_factory=dict)
    legacy: dict[str, Point] = dataclasses.field(default_factory=dict)
    earliest_signed: dict[str, Point] | None = None
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def points(self) -> dict[str, list[Point]]:
        """Every (seq, hash) the chain must still hold, by chain."""
        found: dict[str, set[Point]] = {}
        for source in (self.latest, self.legacy, self.earliest_signed or {}):
            for chain, point in source.items():
                found.setdefault(chain, set()).add(point)
        return {chain: sorted(points) for chain, points in found.items()}

    def keyed_after(self, chain: str) -> int | None:
        """Records past this seq were written by keyed code (a signed anchor held the
        chain there, or did not know it yet: 0); None while no signed anchor exists."""
        if self.earliest_signed is None:
            return None
        point = self.earliest_signed.get(chain)
        return point[0] if point else 0


def _heads(session: Session) -> dict[str, dict[str, object]]:
    return {h.chain: {"seq": h.seq, "hash": h.hash}
            for h in session.scalars(select(AuditChainHead).order_by(AuditChainHead.chain))}


def write_anchor(session: Session, directory: str | Path, keyring: KeyRing, now: dt.datetime, *,
                 force: bool = False) -> Path | None:
    """Append the signed chain heads to the day's anchor file; unless ``force``, nothing
    when no head moved since the last anchor. Returns the file written, or None."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    heads = _heads(session)
    if not force and heads == _last_heads(folder):
        return None
    line = sign_anchor(keyring.current, {"exported_at": now.isoformat(), "heads": heads})
    path = folder / f"audit-anchor-{local(now):%Y%m%d}.jsonl"
    data = (json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n").encode()
    # One append of one line: a reader never sees half of it, and earlier lines stay.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def _last_heads(folder: Path) -> dict[str, object] | None:
    files = sorted(folder.glob(PATTERN))
    if not files:
        return None
    lines = files[-1].read_text(encoding="utf-8").splitlines()
    try:
        last = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        return None
    return last.get("heads") if isinstance(last, dict) else None


def read_anchors(directory: str | Path, keyring: KeyRing) -> Anchors:
    """Every anchor file of ``directory``, oldest first; a signed line whose signature
    does not match is reported, never trusted."""
    anchors = Anchors()
    folder = Path(directory)
    if not folder.is_dir():
        return anchors
    for path in sorted(folder.glob(PATTERN)):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if text.strip():
                _read_line(anchors, keyring, f"{path.name} line {number}", text)
    return anchors


def _read_line(anchors: Anchors, keyring: KeyRing, where: str, text: str) -> None:
    try:
        item = json.loads(text)
        if "heads" in item:  # a signed line: every chain's head at one moment
            if not anchor_is_genuine(keyring, item):
                anchors.problems.append(f"{where}: its signature does not match: the anchor "
                                        "was edited, forged, or signed with a key not configured")
                return
            heads = {c: (int(h["seq"]), str(h["hash"])) for c, h in item["heads"].items()}
            anchors.latest.update(heads)
            if anchors.earliest_signed is None:
                anchors.earliest_signed = heads
        else:  # a line of an unsigned file from before the chain was keyed
            anchors.legacy[str(item["chain"])] = (int(item["seq"]), str(item["hash"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        anchors.problems.append(f"{where}: not an anchor")
