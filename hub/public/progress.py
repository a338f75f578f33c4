"""Progress by number and receipt code (进度查询): one endpoint for every kind of receipt.

Each kind (an application, a ticket, a pre-review, an appointment, …) registers a lookup
with the pattern of its numbers; the composition root (``hub.app``) wires them, so a new
kind plugs in without a change here. A lookup finds the row by number and returns its
stored code hash and a way to build its public view; the view is built only once the
code matched. A wrong code, an unknown number and a number of no known kind all give the
same answer, after the same work.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from hub.errors import NotFound
from hub.receipts import ReceiptCodes, normalise_number

_EXTENSION = "hub.progress"
NOT_FOUND = "未找到该编号，或查询码不正确"


@dataclasses.dataclass(frozen=True)
class Found:
    """A lookup's answer: the stored hash of the receipt code (None: it has none) and the
    public view, built on demand (``PublicProgressSchema``'s fields: no personal data
    beyond the masked name)."""

    code_hash: str | None
    view: Callable[[], Mapping[str, Any]]


Lookup = Callable[[Session, str], Found | None]


@dataclasses.dataclass(frozen=True)
class _Entry:
    kind: str
    pattern: re.Pattern[str]
    lookup: Lookup


class ProgressLookups:
    """The registered kinds, tried in registration order; the first whose pattern
    matches the number and that finds a row answers."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    @property
    def kinds(self) -> list[str]:
        return [e.kind for e in self._entries]

    def register(self, kind: str, pattern: str | re.Pattern[str], lookup: Lookup) -> None:
        if kind in self.kinds:
            raise ValueError(f"a progress lookup for {kind!r} is registered already")
        self._entries.append(_Entry(kind, re.compile(pattern), lookup))

    def find(self, session: Session, codes: ReceiptCodes, number: str,
             code: str) -> Mapping[str, Any]:
        """The public view of ``number`` if ``code`` is its receipt code; else NotFound."""
        number = normalise_number(number)
        found: Found | None = None
        for entry in self._entries:
            if entry.pattern.fullmatch(number):
                found = entry.lookup(session, number)
                if found is not None:
                    break
        # Always one comparison, against a dummy when nothing was found.
        if not codes.matches(found.code_hash if found else None, number, code) \
                or found is None:
            raise NotFound(NOT_FOUND)
        return found.view()


def init_app(app: Flask) -> ProgressLookups:
    return app.extensions.setdefault(_EXTENSION, ProgressLookups())


def register(app: Flask, kind: str, pattern: str | re.Pattern[str], lookup: Lookup) -> None:
    """Plug a kind of receipt into ``GET /api/v1/public/progress/{number}``."""
    init_app(app).register(kind, pattern, lookup)


def lookups() -> ProgressLookups:
    return current_app.extensions[_EXTENSION]


__all__ = ["Found", "Lookup", "NOT_FOUND", "ProgressLookups", "init_app", "lookups",
           "register"]
