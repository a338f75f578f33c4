"""Importing a 民心网 export: each valid row received as a ticket (channel ``minxin``) by
the importing operator, who owns it (首问负责), at the row's center (the operator's
when the row names none), due from the time 民心网 received it.

Idempotent by the 民心网 number: a case already imported (by this file or an earlier
one, by anyone) is counted, never received twice; a unique index makes two imports of
the same file at once receive each case once. Each ticket is received in its own
transaction and audited as any received ticket (the ticket as target); the import as a
whole is audited once, with its counts and the refused rows' numbers (no personal data).
A file the hub cannot read at all (``minxin.ExportError``) changes nothing.
"""
from __future__ import annotations

import dataclasses
import hashlib
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.directory.models import Center
from hub.permissions import Principal, Scope, allowed, require
from hub.tickets import minxin
from hub.tickets.models import Ticket
from hub.tickets.services import receive_imported, scope_of

TARGET = "minxin_import"
AUDITED_ROWS = 200  # refused row numbers kept in the import's audit record, at most
_CHUNK = 500  # numbers looked up per query

Progress = Callable[[int, int], None]  # (cases done, cases in the file)


@dataclasses.dataclass(frozen=True)
class Imported:
    """A row whose case is now a ticket: ``ticket`` (the hub's number) and ``ticket_id``
    are None for a case already imported at a center the operator does not see."""

    row: int
    number: str  # 民心网编号
    ticket: str | None
    ticket_id: uuid.UUID | None


@dataclasses.dataclass(frozen=True)
class Report:
    file_hash: str  # SHA-256 of the file, the import's audit target
    rows: int  # data rows read (blank ones not counted)
    received: tuple[Imported, ...]
    already: tuple[Imported, ...]  # imported before: nothing new
    refused: tuple[minxin.Refusal, ...]

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "received": len(self.received),
                "already_imported": len(self.already), "refused": len(self.refused)}


def _centers(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.execute(select(Center.code, Center.name))}


def _existing(session: Session, numbers: Iterable[str]) -> dict[str, Ticket]:
    wanted = sorted(set(numbers))
    found: dict[str, Ticket] = {}
    for start in range(0, len(wanted), _CHUNK):
        found.update((row.external_number, row) for row in session.scalars(
            select(Ticket).where(Ticket.channel == minxin.CHANNEL,
                                 Ticket.external_number.in_(wanted[start:start + _CHUNK]))))
    return found  # type: ignore[return-value]


def _already(actor: Principal, case: minxin.Case, row: Ticket) -> Imported:
    """The ticket a case became, named only to whoever may see it."""
    if allowed(actor, "ticket.read", scope_of(row)):
        return Imported(case.row, case.number, row.number, row.id)
    return Imported(case.row, case.number, None, None)


def _out_of_reach(actor: Principal, case: minxin.Case, names: Mapping[str, str]
                  ) -> minxin.Refusal:
    center = case.ticket["center"]
    own = names.get(actor.center or "", actor.center or "无")
    return minxin.Refusal(case.row, case.number, {minxin.HEADERS["center"]: [
        f"该件属{names.get(center, center)}，您只能导入本中心（{own}）的件："
        "请由该中心的话务员导入，或改为本中心后导入、再转办"]})


def import_minxin(session: Session, actor: Principal, data: bytes, *,
                  filename: str | None = None, progress: Progress | None = None) -> Report:
    """Receive the export's cases as tickets owned by ``actor`` (an operator). Raises
    ``minxin.ExportError`` for a file that is not a readable export (nothing written)."""
    require(actor, "tickets.import_minxin")
    names = _centers(session)
    parsed = minxin.parse(minxin.read_export(data),
                          centers=minxin.center_aliases(names.items()),
                          default_center=actor.center, now=clock.now())
    earlier = _existing(session, (case.number for case in parsed.cases))
    received: list[Imported] = []
    already: list[Imported] = []
    refused = list(parsed.refused)
    total = len(parsed.cases)
    for done, case in enumerate(parsed.cases, start=1):
        row = earlier.get(case.number)
        if row is not None:
            already.append(_already(actor, case, row))
        elif not allowed(actor, "ticket.create", Scope(center=case.ticket["center"])):
            refused.append(_out_of_reach(actor, case, names))
        else:
            outcome = _receive(session, actor, case)
            (received if outcome[1] else already).append(outcome[0])
        if progress is not None:
            progress(done, total)
    report = Report(file_hash=hashlib.sha256(data).hexdigest(), rows=parsed.rows,
                    received=tuple(received), already=tuple(already),
                    refused=tuple(sorted(refused, key=lambda r: r.row)))
    _audit(session, actor, report, filename)
    session.commit()
    return report


def _receive(session: Session, actor: Principal, case: minxin.Case) -> tuple[Imported, bool]:
    """(the case as a ticket, whether this import received it)."""
    try:
        row = receive_imported(session, actor, case.ticket, received_at=case.received_at,
                               external_number=case.number)
        session.commit()
    except IntegrityError:
        # Imported by someone else in the meantime (the unique number): theirs stands.
        session.rollback()
        row = _existing(session, [case.number]).get(case.number)  # type: ignore[assignment]
        if row is None:
            raise
        return _already(actor, case, row), False
    return Imported(case.row, case.number, row.number, row.id), True


def _audit(session: Session, actor: Principal, report: Report, filename: str | None) -> None:
    rows: Sequence[int] = [r.row for r in report.refused]
    after: dict[str, Any] = {
        **report.counts(), "file": (filename or "")[:120] or None,
        "refused_rows": list(rows[:AUDITED_ROWS]),
        "tickets": [i.ticket for i in report.received][:AUDITED_ROWS]}
    audit.record(session, actor, "ticket.minxin_imported", target_type=TARGET,
                 target_id=report.file_hash, center=actor.center, after=after)


__all__ = ["Imported", "Progress", "Report", "TARGET", "import_minxin"]
