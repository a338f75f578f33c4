"""Keyset pagination: ``?limit=&cursor=`` in, ``{"items", "next_cursor"}`` out (and a
``prev_cursor`` the pages use to go back; the API's envelope names only the first two).

A cursor is the sort key of a row returned: "after" the last row of a page (the next
page) or "before" the first (the previous one), so a page never skips or repeats a row
when others are inserted meanwhile (offsets would). It is signed with the secret key
(itsdangerous): the hub reads back only cursors it made, for the listing it made them
for; anything else (a forged huge number, a year 1, a date without a zone, a lone
surrogate) is refused as a 422 on ``cursor`` before it reaches a query.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import marshmallow as ma
from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from hub.errors import ValidationFailed
from hub.fields import Text

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT,
                              validate=ma.validate.Range(min=1, max=MAX_LIMIT))
    cursor = Text(load_default=None, validate=ma.validate.Length(max=1000))


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


_SALT = "hub.pagination.cursor"


def _codec() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _listing(columns: Sequence[InstrumentedAttribute[Any]], descending: bool) -> list[str]:
    """What a cursor is for: the sort key's columns and direction."""
    return [*(f"{c.class_.__tablename__}.{c.key}" for c in columns),
            "desc" if descending else "asc"]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode_cursor(values: Sequence[Any], columns: Sequence[InstrumentedAttribute[Any]],
                  descending: bool = False, *, before: bool = False) -> str:
    """The signed cursor just past (``before``: just before) the row whose sort key is
    ``values``."""
    payload: dict[str, Any] = {"k": _listing(columns, descending),
                               "v": [_plain(v) for v in values]}
    if before:
        payload["b"] = 1
    return _codec().dumps(payload)


def decode_cursor(cursor: str, columns: Sequence[InstrumentedAttribute[Any]],
                  descending: bool = False) -> tuple[list[Any], bool]:
    """(the sort key, whether the page wanted lies before it) in a cursor this listing
    made; any other is a 422 on ``cursor``."""
    try:
        payload = _codec().loads(cursor)
        if not isinstance(payload, dict) or payload.get("k") != _listing(columns, descending):
            raise ValueError("not this listing's cursor")
        values = payload["v"]
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError("not a sort key")
        if payload.get("b", 0) not in (0, 1):
            raise ValueError("not a direction")
        return ([_typed(value, column) for value, column in zip(values, columns, strict=True)],
                payload.get("b") == 1)
    except (BadData, ValueError, TypeError, KeyError):
        raise ValidationFailed({"cursor": ["无效的分页游标"]}) from None


def _typed(value: Any, column: InstrumentedAttribute[Any]) -> Any:
    kind = column.type.python_type
    if kind is dt.datetime and isinstance(value, str):
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a cursor's instant has a zone")
        return moment
    if kind is dt.date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if kind is uuid.UUID and isinstance(value, str):
        return uuid.UUID(value)
    if kind in (int, str) and type(value) is kind:
        return value
    raise ValueError(f"not a {kind.__name__}")


def paginate(session: Session, stmt: Select[Any], order_by: Sequence[InstrumentedAttribute[Any]],
             *, limit: int, cursor: str | None, descending: bool = False) -> dict[str, Any]:
    """One page of ``stmt`` ordered by the unique key ``order_by``: ``items``,
    ``next_cursor`` (None on the last page) and ``prev_cursor`` (None on the first)."""
    columns = list(order_by)
    if not cursor:
        return _page(session, stmt, columns, limit, descending, None, before=False)
    values, before = decode_cursor(cursor, columns, descending)
    page = _page(session, stmt, columns, limit, descending, values, before=before)
    if before and not page["items"]:  # nothing before it any more: the first page
        return _page(session, stmt, columns, limit, descending, None, before=False)
    return page


def _page(session: Session, stmt: Select[Any], columns: list[InstrumentedAttribute[Any]],
          limit: int, descending: bool, values: list[Any] | None, *, before: bool
          ) -> dict[str, Any]:
    # A page before the cursor is read in the opposite order from it, then turned round.
    backwards = descending != before
    if values is not None:
        key = tuple_(*columns)
        bound = tuple_(*[literal(v, c.type) for v, c in zip(values, columns, strict=True)])
        stmt = stmt.where(key < bound if backwards else key > bound)
    ordering = [c.desc() for c in columns] if backwards else list(columns)
    rows = session.scalars(stmt.order_by(*ordering).limit(limit + 1)).unique().all()
    items, more = list(rows[:limit]), len(rows) > limit
    if before:
        items.reverse()

    def cursor_at(row: Any, *, before: bool) -> str:
        return encode_cursor([getattr(row, c.key) for c in columns], columns, descending,
                             before=before)

    # Forward, rows lie before a cursor's page (it came from them); back, after it.
    has_next, has_prev = (True, more) if before else (more, values is not None)
    return {"items": items,
            "next_cursor": cursor_at(items[-1], before=False) if has_next and items else None,
            "prev_cursor": cursor_at(items[0], before=True) if has_prev and items else None}
