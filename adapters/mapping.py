"""Mapping each source into the canonical records (``hub.sync.schemas``).

A center's export rarely speaks the hub's language exactly: its columns have their
own names (often Chinese), its statuses their own labels, its cells come back from
CSV as text and from Excel as numbers and datetimes. The mapping renames, translates
and gives cells their JSON-like types; the canonical schemas then normalise text
(trimmed, blank is absent) and validate, in the runner, the same way for every kind of
source: that is done there once, not here too.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

# Labels the street centers' systems commonly use, understood without configuration.
COMMON_VALUES: dict[str, dict[str, Any]] = {
    "status": {"在办": "in_review", "审查中": "in_review", "办理中": "in_review",
               "已批准": "approved", "准予许可": "approved", "办结": "approved",
               "不予许可": "rejected", "已驳回": "rejected", "撤回": "withdrawn",
               "已撤回": "withdrawn", "在职": "active", "离职": "left", "已离职": "left"},
    "deleted": {"是": True, "否": False},
}


def plain(value: Any) -> Any:
    """A cell as JSON-like data: numbers that are ids become text, datetimes stay
    datetimes (naive ones are Asia/Shanghai, decided by the schema); text is left as it
    is for the schema to trim."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return value


class RecordMapping:
    """Renames a source's columns to canonical fields and translates its values."""

    def __init__(self, fields: Mapping[str, Mapping[str, str]] | None = None,
                 values: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        # source column -> canonical field, per stream
        self._renames = {stream: {source: canonical for canonical, source in columns.items()}
                         for stream, columns in (fields or {}).items()}
        self._values = {name: {**COMMON_VALUES.get(name, {}), **dict(table)}
                        for name, table in {**COMMON_VALUES, **dict(values or {})}.items()}

    @property
    def is_identity(self) -> bool:
        return not self._renames

    def apply(self, stream: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        """One source record as a canonical (not yet validated) record."""
        renames = self._renames.get(stream, {})
        record: dict[str, Any] = {}
        for key, value in raw.items():
            name = renames.get(str(key).strip(), str(key).strip())
            value = plain(value)
            table = self._values.get(name)
            if table is not None and isinstance(value, str) and value.strip() in table:
                value = table[value.strip()]
            record[name] = value
        return record

    def apply_all(self, stream: str, rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [self.apply(stream, row) for row in rows]
