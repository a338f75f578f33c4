"""Counting the SQL statements a request sends (issue 23's statement budgets): a guard that
holds whatever the machine's speed. Counts, never timings."""
from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
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

    def over(self, budgets: Mapping[str, int],
             budget_of: Callable[[str], str] = lambda name: name) -> list[str]:
        """Each request past its budget (``budget_of`` names the budget of a request),
        with the statements it sent."""
        found = []
        for name, statements in self.seen.items():
            budget = budgets[budget_of(name)]
            if len(statements) > budget:
                found.append(f"{name}: {len(statements)} statements, budget {budget}:\n  "
                             + "\n  ".join(s[:160] for s in statements))
        return found
