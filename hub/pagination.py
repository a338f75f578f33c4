"""Keyset pagination: ``?limit=&cursor=`` in, ``{"items", "next_cursor"}`` out.

The cursor is the sort key of the last row returned, so a page never skips or
repeats a row when others are inserted meanwhile (offsets would).
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

import marshmallow as ma
from sqlalchemy import Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from hub.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT,
                              validate=ma.validate.Range(min=1, max=MAX_LIMIT))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=1000))


_page_schemas: dict[str, type[ma.Schema]] = {}


def page_schema(item: type[ma.Schema]) -> type[ma.Schema]:
    """The list envelope for an item schema (one class per item, for the OpenAPI document)."""
    name = item.__name__.removesuffix("Schema") + "PageSchema"
    if name not in _page_schemas:
        _page_schemas[name] = type(name, (ma.Schema,), {
            "items": ma.fields.List(ma.fields.Nested(item), required=True),
            "next_cursor": ma.fields.String(allow_none=True, required=True),
        })
    return _page_schemas[name]


def _encode(values: Sequence[Any]) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return v.astimezone(dt.timezone.utc).isoformat()
        if isinstance(v, uuid.UUID):
            return str(v)
        return v
    raw = json.dumps([plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, columns: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError
        decoded = []
        for value, column in zip(values, columns, strict=True):
            kind = column.type.python_type
            if value is None:
                raise ValueError
            if kind is dt.datetime:
                value = dt.datetime.fromisoformat(value)
            elif kind is uuid.UUID:
                value = uuid.UUID(value)
            elif kind is int and not isinstance(value, int):
                raise ValueError
            elif kind is str and not isinstance(value, str):
                raise ValueError
            decoded.append(value)
        return decoded
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, NotImplementedError):
        raise ValidationFailed({"cursor": ["无效的分页游标"]}) from None


def paginate(session: Session, stmt: Select[Any], order_by: Sequence[InstrumentedAttribute[Any]],
             *, limit: int, cursor: str | None, descending: bool = False) -> dict[str, Any]:
    """One page of ``stmt`` ordered by the unique key ``order_by``."""
    columns = list(order_by)
    if cursor:
        values = _decode(cursor, columns)
        key = tuple_(*columns)
        bound = tuple_(*[literal(v, c.type) for v, c in zip(values, columns, strict=True)])
        stmt = stmt.where(key < bound if descending else key > bound)
    ordering = [c.desc() for c in columns] if descending else list(columns)
    rows = session.scalars(stmt.order_by(*ordering).limit(limit + 1)).unique().all()
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = _encode([getattr(last, c.key) for c in columns])
    return {"items": items, "next_cursor": next_cursor}
