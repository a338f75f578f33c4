"""Everything a synced record needs before the database sees it, with no I/O.

Validation against the canonical schema, then, for a case: the keyed hash and the
ciphertext of the ID number, its masked form, the hub's number and id, the due dates
from the working calendar and what the case adds to the supervision rollups. It
depends on the record and on what is fixed for the whole run (the calendar and the
catalog as they were when the run started, the PII key), so it can run ahead of the
writes, in a thread or in the preparation process (``hub.sync.preparation``), while
PostgreSQL writes the batch before.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import marshmallow as ma

from hub import privacy
from hub.approvals.calendar import WorkingCalendar, local_date
from hub.approvals.models import SOURCE_SYNC
from hub.approvals.routing import make_deadline
from hub.errors import flatten_messages
from hub.supervision import indicators as ind
from hub.supervision.rollups import CaseCount, case_counts
from hub.sync.schemas import CANONICAL_SCHEMAS
from hub.sync.source import Page

Reasons = dict[str, list[str]]


@dataclasses.dataclass(frozen=True)
class RunContext:
    """What a run's records are prepared against, read once when the run starts: a
    catalog item or calendar year published during a run applies from the next run."""

    stream: str
    center: str
    pii_key: str = dataclasses.field(repr=False)  # goes to the preparation process's stdin
    calendar: WorkingCalendar
    items: Mapping[str, tuple[int, int]]  # service item -> (promised days, yellow days)
    keep_rows: bool = False  # the rows' values too, not only their COPY lines
    # Everything prepared ahead (a run of mostly new records); False: only what tells a
    # record unchanged, the rest for the new and changed ones when they are written (a
    # full re-read, mostly unchanged: encrypting and formatting each would be wasted).
    complete: bool = True


# The columns of a case's COPY line, in order; the writer adds created_at and updated_at.
COPY_COLUMNS = ("id", "number", "center_code", "service_item_code", "status", "stage", "source",
                "external_id", "applicant_name", "applicant_id_encrypted", "applicant_id_hash",
                "applicant_id_masked", "form", "submitted_at", "due_at", "yellow_at",
                "due_at_provisional", "paused_working_days", "concluded_at", "deleted_at",
                "version")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """A value in PostgreSQL's COPY text format (NULL is ``\\N``; backslash, tab, newline
    and carriage return escaped)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    return str(value).translate(_COPY_ESCAPES)


class Compared(NamedTuple):
    """The columns that decide whether a synced case changed, as stored (the ID number by
    its keyed hash: its ciphertext differs at every encryption)."""

    service_item_code: str
    status: str
    applicant_name: str
    applicant_id_hash: str
    submitted_at: dt.datetime
    concluded_at: dt.datetime | None


class PreparedCase(NamedTuple):
    """A valid case record, as small as the writer needs it (it crosses a pipe): how it
    compares with the stored row, its row as a line of COPY text (formatted here, off the
    writer's core), and what it adds to the rollups when it is new."""

    key: str  # the external id
    compared: Compared
    deleted: bool
    line: bytes | None  # None: not completed (the canonical record is kept instead)
    counts: list[CaseCount] | None
    row: dict[str, Any] | None  # the row's values, when the writer has no COPY (SQLite)
    record: dict[str, Any] | None


@dataclasses.dataclass
class PreparedPage:
    cursor: str | None
    fetched: int
    valid: list[Any]  # PreparedCase (applications) or canonical records (staff)
    rejected: list[tuple[Any, Reasons]]


def validate(stream: str, raws: Iterable[Any]) -> tuple[list[dict[str, Any]],
                                                       list[tuple[Any, Reasons]]]:
    """(valid canonical records, [(raw record, reasons)]).

    A record goes through the schema's own fields, then its RULES: what ``schema.load``
    does for these flat schemas, without its per-record bookkeeping (half its cost, and
    validation was the largest part of a first load's preparation). A record they refuse
    is loaded by ``schema.load``, which decides: its reasons are the schema's own, all
    of them."""
    schema = CANONICAL_SCHEMAS[stream]()
    fields = [(field.data_key or name, field.attribute or name, field)
              for name, field in schema.load_fields.items()]
    valid, rejected = [], []
    for raw in raws:
        if isinstance(raw, dict):
            try:
                record = {}
                for key, attribute, field in fields:
                    value = field.deserialize(raw.get(key, ma.missing), key, raw)
                    if value is not ma.missing:
                        record[attribute] = value
                for rule in schema.RULES:
                    rule(record)
                valid.append(record)
                continue
            except ma.ValidationError:
                pass
        try:
            valid.append(schema.load(raw))
        except ma.ValidationError as exc:
            rejected.append((raw, flatten_messages(exc.messages)))
    return valid, rejected


def synced_number(center: str, external_id: str) -> str:
    """The hub's number of a synced case: stable, unique per (center, external id), and
    distinct from the hub's own numbers (which never start with ``S``)."""
    digest = hashlib.sha256(f"{center}\x1f{external_id}".encode()).hexdigest()[:20].upper()
    return f"S{digest}"


class Preparer:
    """Prepares the pages of one run."""

    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.cipher = privacy.PiiCipher(context.pii_key)
        # Due dates per (acceptance day, item limits): every case of a day shares one.
        self._deadlines: dict[tuple[dt.date, int, int], tuple[dt.datetime, dt.datetime, bool]] = {}
        self._item_texts = {code: copy_text(code) for code in context.items}  # escaped once

    def prepare(self, page: Page) -> PreparedPage:
        raws = page.records
        valid, rejected = validate(self.context.stream, raws)
        if self.context.stream == "applications":
            valid = self._cases(valid, raws, rejected)
        return PreparedPage(cursor=page.cursor, fetched=len(raws), valid=valid,
                            rejected=rejected)

    def _cases(self, records: list[dict[str, Any]], raws: list[Any],
               rejected: list[tuple[Any, Reasons]]) -> list[PreparedCase]:
        items = self.context.items
        raw_by_key = {raw.get("external_id"): raw for raw in raws if isinstance(raw, dict)}
        known = []
        for record in records:
            if record["service_item"] in items:
                known.append(record)
            else:
                rejected.append((raw_by_key.get(record["external_id"], record), {"service_item": [
                    f"目录中没有办事事项 {record['service_item']}"]}))
        if self.context.complete:
            return self.complete(known)
        lookup_hash = self.cipher.lookup_hash
        return [PreparedCase(
            key=r["external_id"], compared=Compared(
                r["service_item"], r["status"], r["applicant_name"],
                lookup_hash(r["applicant_id_number"]), r["submitted_at"], r["concluded_at"]),
            deleted=r["deleted"], line=None, counts=None, row=None, record=r) for r in known]

    def complete(self, records: list[dict[str, Any]]) -> list[PreparedCase]:
        """Cases with everything a write needs, from canonical records of known items."""
        context = self.context
        cipher, items, center = self.cipher, context.items, context.center
        known = [(record, self._deadline(record["submitted_at"], *items[record["service_item"]]))
                 for record in records]
        # The working days of conclusions, over the page's span, by a running count.
        moments = [m for r, (due_at, _, _) in known if r["concluded_at"] is not None
                   for m in (r["submitted_at"], r["concluded_at"], due_at)]
        calendar: ind.Calendar = context.calendar
        if moments:
            calendar = ind.CountingCalendar(context.calendar, local_date(min(moments)),
                                            local_date(max(moments)))
        ids = uuid.uuid4  # new rows' ids (a changed row keeps its own)
        center_text, item_texts = copy_text(center), self._item_texts
        # Equal counts as one object: the pipe's pickle then sends each once per page, and
        # the runner unpickles a reference instead of a date and a dict per case.
        interned: dict[Any, CaseCount] = {}
        prepared = []
        for record, (due_at, yellow_at, provisional) in known:
            key, item, status = record["external_id"], record["service_item"], record["status"]
            id_number, name = record["applicant_id_number"], record["applicant_name"]
            submitted_at, concluded_at = record["submitted_at"], record["concluded_at"]
            deleted = record["deleted"]
            deleted_at = record["updated_at"] if deleted else None
            row_id, number = ids(), synced_number(center, key)
            encrypted, id_hash = cipher.encrypt(id_number), cipher.lookup_hash(id_number)
            masked = privacy.mask_id_number(id_number)
            # In COPY_COLUMNS order. Only the key and the name are a center's free text; the
            # masked number is digits, X and * (the number passed its pattern).
            line = "\t".join((
                str(row_id), number, center_text, item_texts[item], status, "1", SOURCE_SYNC,
                copy_text(key), copy_text(name), encrypted, id_hash, masked, "{}",
                submitted_at.isoformat(), due_at.isoformat(), yellow_at.isoformat(),
                "t" if provisional else "f", "0",
                concluded_at.isoformat() if concluded_at else "\\N",
                deleted_at.isoformat() if deleted_at else "\\N", "1")) + "\n"
            row = None
            if context.keep_rows:
                row = {
                    "id": row_id, "number": number, "center_code": center,
                    "service_item_code": item, "status": status, "stage": 1,
                    "source": SOURCE_SYNC, "external_id": key, "applicant_name": name,
                    "applicant_id_encrypted": encrypted, "applicant_id_hash": id_hash,
                    "applicant_id_masked": masked, "form": {}, "submitted_at": submitted_at,
                    "due_at": due_at, "yellow_at": yellow_at, "due_at_provisional": provisional,
                    "paused_working_days": 0, "concluded_at": concluded_at,
                    "deleted_at": deleted_at, "version": 1}
            counts = [] if deleted else [
                interned.setdefault((day, tuple(added.items()), used), (day, added, used))
                for day, added, used in case_counts(calendar, submitted_at, status,
                                                    concluded_at, due_at)]
            prepared.append(PreparedCase(
                key=key,
                compared=Compared(item, status, name, id_hash, submitted_at, concluded_at),
                deleted=deleted, line=line.encode(), counts=counts, row=row, record=None))
        return prepared

    def _deadline(self, submitted_at: dt.datetime, days: int, yellow_days: int
                  ) -> tuple[dt.datetime, dt.datetime, bool]:
        key = (local_date(submitted_at), days, yellow_days)
        found = self._deadlines.get(key)
        if found is None:
            deadline = make_deadline(self.context.calendar, submitted_at, days, yellow_days)
            found = (deadline.due_at, deadline.yellow_at, deadline.provisional)
            # Both dates depend on the day only, except a yellow_at "at once" (when the
            # limit is that short), which is the instant itself.
            if days - yellow_days > 0:
                self._deadlines[key] = found
        return found
