"""The field types of every boundary: the API's schemas, the pages (which load the API's
schemas) and the sync's canonical records all read their input through these, so a value
is normalised once, the same way, wherever it comes from.

- Text is trimmed, and a blank or whitespace-only value is absent: an optional field
  takes its default, a required one is missing (centers' exports write ``""`` for an
  empty field, as CSV-born exports always do).
- Names and other single-line text refuse control characters and bidirectional
  overrides; free text (comments, reasons) allows line breaks and tabs, nothing else of
  the kind (``hub.text``). A refusal is the field's 422.
- A value whose meaning is digits (an ID number, a phone) is read as ASCII digits, NFKC-
  normalised (``２１０１…`` and ``٢١٠١…`` are ``2101…``).
- A row number (``RowId``, and ``<id:…>`` in a route) fits the database's 64-bit ids.
- A day is a date the hub can count working days with (``hub.approvals.calendar``'s
  years: its lunar tables end with 2099), so ``9999-12-31`` or ``0001-01-01`` is a 422
  on the field, not an overflow further in.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import marshmallow as ma
from werkzeug.routing import IntegerConverter

from hub import text
from hub.approvals.calendar import FIRST_YEAR, LAST_YEAR

FIRST_DAY, LAST_DAY = dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31)


class BlankIsMissing:
    """Mixin for any field: surrounding whitespace is dropped from a text value, and one
    left empty is treated exactly as a value not given."""

    def deserialize(self, value: Any, attr: str | None = None,
                    data: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                value = ma.missing
        return super().deserialize(value, attr, data, **kwargs)  # type: ignore[misc]


class Text(BlankIsMissing, ma.fields.String):
    """A line of text (a name, a code, a label): trimmed; blank is absent; no control
    character, line break or bidirectional override."""

    multiline = False
    _refused = text.LINE_REFUSED.search

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> str:
        # Direct, not through String's own: the sync loads every record's text here.
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if self._refused(value):
            raise ma.ValidationError(text.refusal(value, multiline=self.multiline) or "")
        return value


class FreeText(Text):
    """Free text (a comment, a reason): line breaks (as LF) and tabs allowed."""

    multiline = True
    _refused = text.FREE_TEXT_REFUSED.search

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> str:
        if isinstance(value, str):
            value = text.line_breaks(value)
        return super()._deserialize(value, attr, data, **kwargs)


class IdNumber(Text):
    """A resident ID number: ASCII digits (NFKC), spaces dropped, the check letter
    upper-cased before it is checked (centers type ``2101 0219 …``, ``…123x`` and
    full-width digits)."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> str:
        return text.ascii_digits(super()._deserialize(value, attr, data, **kwargs)).upper()


class Phone(Text):
    """A phone number: ASCII digits (NFKC), spaces dropped."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> str:
        return text.ascii_digits(super()._deserialize(value, attr, data, **kwargs))


class Secret(ma.fields.String):
    """A password: taken exactly as typed (never trimmed or normalised: it is only
    hashed and compared)."""


class Flag(BlankIsMissing, ma.fields.Boolean):
    """A yes/no value; blank is absent (the field's default)."""


class Day(BlankIsMissing, ma.fields.Date):
    """A date, ``YYYY-MM-DD``, between FIRST_DAY and LAST_DAY."""

    default_error_messages = {
        "invalid": "日期格式应为 YYYY-MM-DD",
        "out_of_range": f"日期应在 {FIRST_DAY} 至 {LAST_DAY} 之间",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> dt.date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise self.make_error("out_of_range")
        return day


class Amount(BlankIsMissing, ma.fields.Decimal):
    """An amount of money, 0 to 9,999,999,999 with at most ``places`` decimals: read from
    a number or its text (full-width digits made plain), written as text (JSON numbers
    would round it), documented as a string with its pattern."""

    LARGEST = Decimal("9999999999")
    default_error_messages = {
        "invalid": "应为金额，如 12.50",
        "special": "应为金额，如 12.50",
        "out_of_range": "金额应在 0 至 9999999999 之间",
        "places": "最多 {places} 位小数",
    }

    def __init__(self, places: int = 2, **kwargs: Any) -> None:
        metadata = {"type": "string", "pattern": rf"^[0-9]{{1,10}}(\.[0-9]{{1,{places}}})?$",
                    **kwargs.pop("metadata", {})}
        super().__init__(as_string=True, metadata=metadata, **kwargs)
        self.max_places = places  # not ``places``: Decimal's own would round instead

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> Decimal:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str):
            value = text.ascii_digits(value)
        amount = super()._deserialize(value, attr, data, **kwargs)
        if not amount.is_finite():
            raise self.make_error("invalid")
        if not 0 <= amount <= self.LARGEST:
            raise self.make_error("out_of_range")
        if -amount.as_tuple().exponent > self.max_places:  # type: ignore[operator]
            raise self.make_error("places", places=self.max_places)
        return amount


class Part(ma.fields.Nested):
    """A part of a body that may be left out: left out, it is read as ``{}``, so its own
    fields' defaults apply all the way down (marshmallow would hand a default on as it
    stands, and ``{}`` would reach the services without the counts it promises)."""

    def __init__(self, nested: Any, **kwargs: Any) -> None:
        kwargs.setdefault("load_default", dict)  # what the OpenAPI document shows
        super().__init__(nested, **kwargs)

    def deserialize(self, value: Any, attr: str | None = None,
                    data: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        return super().deserialize({} if value is ma.missing else value, attr, data, **kwargs)


class Period(ma.Schema):
    """``?from=&to=``: Asia/Shanghai dates, inclusive, either open; the one date range of
    every listing and figure that takes one, the API's and the pages' alike."""

    start = Day(data_key="from", load_default=None,
                metadata={"description": "起始日期（含），北京时间"})
    end = Day(data_key="to", load_default=None,
              metadata={"description": "截止日期（含），北京时间"})

    @ma.validates_schema
    def _ordered(self, data: dict[str, Any], **_kwargs: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ma.ValidationError("截止日期不能早于起始日期", field_name="to")


# The largest row number the database holds (a signed 64-bit integer on PostgreSQL and
# SQLite): a larger one cannot name a row, and SQLite's driver refuses to bind it.
LARGEST_ROW_ID = 2**63 - 1


class RowId(ma.fields.Integer):
    """The number of a row (a sync run, a quarantined record): 1 to LARGEST_ROW_ID."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strict", True)
        super().__init__(validate=ma.validate.Range(min=1, max=LARGEST_ROW_ID), **kwargs)


class RowIdConverter(IntegerConverter):
    """``<id:name>`` in a route: a row number; anything larger matches no route (404)."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=LARGEST_ROW_ID)
