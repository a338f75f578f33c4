"""Human-readable numbers: case numbers per center and day, result numbers per center
and year (the one seal, 一个章). One counter row per scope, incremented atomically."""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from hub.approvals.calendar import local_date
from hub.approvals.models import NumberSequence
from hub.db import insert_for


def next_value(session: Session, scope: str) -> int:
    """The next number of ``scope`` (1, 2, …), in the caller's transaction: the row
    stays locked until it commits, so numbers are never shared nor skipped by a
    rollback of someone else."""
    return session.execute(_next_value_statement(session.get_bind().dialect.name),
                           {"scope": scope}).scalar_one()


@functools.lru_cache(maxsize=4)
def _next_value_statement(dialect: str) -> Any:
    # Built once: the construct cost more than its execution (issue 23).
    table = NumberSequence.__table__
    return (insert_for(dialect)(table).values(scope=bindparam("scope"), value=1)
            .on_conflict_do_update(index_elements=["scope"], set_={"value": table.c.value + 1})
            .returning(table.c.value))


def application_number(session: Session, center: str, at: dt.datetime) -> str:
    """``BINHE-20261130-0001``: the center, the day of acceptance, the day's sequence."""
    day = local_date(at).strftime("%Y%m%d")
    value = next_value(session, f"application:{center}:{day}")
    return f"{center.upper()}-{day}-{value:04d}"


def result_number(session: Session, center: str, at: dt.datetime) -> str:
    """``BINHE-2026-R000001``: the result issued under the one seal, per center and year."""
    year = local_date(at).year
    value = next_value(session, f"result:{center}:{year}")
    return f"{center.upper()}-{year}-R{value:06d}"
