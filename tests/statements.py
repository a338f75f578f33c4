"""Counting the SQL statements a request sends (issue 23's statement budgets): a guard that
holds whatever the machine's speed. Counts, never timings."""
from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa


class Counter:
    """The statements sent on ``engine`` inside each ``request(name)`` block, kept by name
    in ``seen`` (whitespace collapsed, to print them when a budget is passed)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        self.seen: dict[str, list[str]] = {}

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements.append(re.sub(r"\s+", " ", statement))

    @contextlib.contextmanager
    def request(self, name: str) -> Iterator[None]:
        self.statements = []
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        try:
            yield
        finally:
            sa.event.remove(self.engine, "before_cursor_execute", self._record)
        self.seen[name] = list(self.statements)
