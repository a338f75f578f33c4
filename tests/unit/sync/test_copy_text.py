"""COPY text format of the values a synced case's line holds (PostgreSQL's rules)."""
from __future__ import annotations

import datetime as dt

from hub.sync.prepare import copy_text


def test_null_booleans_and_times():
    assert copy_text(None) == "\\N"
    assert (copy_text(True), copy_text(False)) == ("t", "f")
    moment = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.timezone.utc)
    assert copy_text(moment) == "2026-11-20T02:00:00+00:00"
    assert copy_text({"a": "张"}) == '{"a": "张"}'


def test_what_a_center_sends_cannot_break_the_line():
    assert copy_text("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e"
    assert copy_text("王\\N") == "王\\\\N"  # a name, not a NULL
