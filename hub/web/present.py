"""What pages show beside the services' figures: remaining working days, lookup names,
traffic lights. Pure where it can be; nothing here decides what anyone may do."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import g
from sqlalchemy import select

from hub import db
from hub.approvals.calendar import WorkingCalendar, local_date
from hub.catalog.models import ServiceItem
from hub.directory.models import Center, Department

# Traffic lights of a center tile: red with any overdue case or an on-time rate under
# 90 %; yellow with a yellow card, an overdue step of a case still on time, or a rate
# under 98 %; green otherwise; grey with no cases at all.
RED_RATE, YELLOW_RATE = 0.90, 0.98


def remaining_working_days(cal: WorkingCalendar, now: dt.datetime, due_at: dt.datetime) -> int:
    """Working days left before the due day ends: 0 on the due day itself, negative
    once overdue (by the working days past it)."""
    today, due = local_date(now), local_date(due_at)
    if due >= today:
        return cal.working_days_between(today, due)
    return -cal.working_days_between(due, today)


def light(row: Mapping[str, Any]) -> str:
    """green | yellow | red | none for a row of supervision figures."""
    rate = row.get("on_time_rate")
    if row.get("red") or (rate is not None and rate < RED_RATE):
        return "red"
    if row.get("yellow") or row.get("late_steps") or (rate is not None and rate < YELLOW_RATE):
        return "yellow"
    if rate is None and not row.get("in_progress") and not row.get("received"):
        return "none"
    return "green"


def names() -> dict[str, dict[str, str]]:
    """Display names of centers, departments and service items (once per request)."""
    if "web_names" not in g:
        session = db.session()
        g.web_names = {
            "centers": dict(session.execute(
                select(Center.code, Center.name).order_by(Center.position)).all()),
            "departments": dict(session.execute(select(Department.code, Department.name)).all()),
            "items": dict(session.execute(select(ServiceItem.code, ServiceItem.name)).all()),
        }
    return g.web_names


def typed_answers(fields: list[Mapping[str, Any]], posted: Mapping[str, str]) -> dict[str, Any]:
    """HTML sends text: give each answer the JSON type its field declares, as an API
    client would send it. What does not convert is passed on as typed, for the one
    form's own check to refuse with its message."""
    answers: dict[str, Any] = {}
    for field in fields:
        name, kind = field["name"], field.get("type", "string")
        raw = posted.get(name, "")
        if kind == "boolean":
            if raw in ("true", "false"):
                answers[name] = raw == "true"
            continue
        raw = raw.strip()
        if raw == "":
            continue
        if kind in ("integer", "number"):
            try:
                answers[name] = int(raw) if kind == "integer" else _number(raw)
            except ValueError:
                answers[name] = raw
            continue
        answers[name] = raw
    return answers


def _number(raw: str) -> int | float:
    value = float(raw)
    return int(value) if value.is_integer() and "." not in raw and "e" not in raw.lower() else value
