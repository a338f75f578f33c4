"""Where each department's own system takes its tasks (its ``endpoint``, interface 3):
asked whenever a task opens. Cached per process while change signals are live (a
department added, edited or removed anywhere empties the cache: migration 0016,
``hub.change_signals``); read from the database otherwise."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import change_signals
from hub.directory.models import Department

DEPARTMENT_TABLES = frozenset({"departments"})


def endpoints(session: Session, codes: Iterable[str]) -> dict[str, Mapping[str, Any] | None]:
    """The endpoint of each department of ``codes`` (None: none, or no such department)."""
    wanted = set(codes)
    cache = change_signals.cache(session, "department_endpoints", DEPARTMENT_TABLES)
    # Kept as 1-tuples: a department without an endpoint is known, not missing.
    known = {code: cache.get(code) for code in wanted} if cache is not None else {}
    found = {code: kept[0] for code, kept in known.items() if kept is not None}
    missing = wanted - found.keys()
    if missing:
        stamp = cache.stamp() if cache is not None else None
        rows = {code: endpoint for code, endpoint in session.execute(
            select(Department.code, Department.endpoint)
            .where(Department.code.in_(sorted(missing))))}
        for code in missing:
            found[code] = rows.get(code) or None
            if cache is not None:
                cache.put(code, (found[code],), stamp)
    return found
