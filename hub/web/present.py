"""What pages show beside the services' figures: remaining working days, lookup names,
traffic lights. Pure where it can be; nothing here decides what anyone may do."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from flask import g
from flask import session as cookie_session
from sqlalchemy import select

from hub import clock, db, privacy
from hub.approvals.calendar import WorkingCalendar, local_date
from hub.catalog.models import ServiceItem
from hub.directory.models import Center, Department, User

# Traffic lights of a center tile: red with any overdue case or a timeliness rate under
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


def period_presets(today: dt.date) -> list[tuple[str, str, dt.date, dt.date]]:
    """(key, label, from, to) of this month, this quarter and this year (Asia/Shanghai
    calendar periods holding ``today``, whole: their later days simply have nothing yet)."""
    def month_end(year: int, month: int) -> dt.date:
        first_next = dt.date(year + month // 12, month % 12 + 1, 1)
        return first_next - dt.timedelta(days=1)

    quarter_first = 3 * ((today.month - 1) // 3) + 1
    return [
        ("month", "本月", today.replace(day=1), month_end(today.year, today.month)),
        ("quarter", "本季度", dt.date(today.year, quarter_first, 1),
         month_end(today.year, quarter_first + 2)),
        ("year", "本年", dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)),
    ]


def light(row: Mapping[str, Any]) -> str:
    """green | yellow | red | none for a row of supervision figures (judged on the
    timeliness rate: an overdue open case counts against it)."""
    rate = row.get("timeliness_rate")
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


# A receipt code (回执码) is shown for this long after acceptance, on the receipt's page and
# in its PDF, from the session of the member of staff who took the case or the call only;
# then only a reissue gives a new one (the hub keeps no code in clear).
RECEIPT_CODE_SHOWN = dt.timedelta(minutes=15)
_RECEIPT_KEY = "receipt_code"


def keep_receipt_code(target_id: Any, code: str) -> None:
    """Hand a new case's or ticket's receipt code to the pages shown next, through the
    session, encrypted (the session cookie is signed, not secret), while it is fresh."""
    until = clock.now() + RECEIPT_CODE_SHOWN
    cookie_session[_RECEIPT_KEY] = {"target": str(target_id), "until": until.isoformat(),
                                    "code": privacy.cipher().encrypt(code)}


def kept_receipt_code(target_id: Any) -> str | None:
    """The code kept for ``target_id`` while fresh; None if there is none (or another's)."""
    kept = cookie_session.get(_RECEIPT_KEY)
    if not kept or kept.get("target") != str(target_id) or "until" not in kept:
        return None
    if dt.datetime.fromisoformat(kept["until"]) < clock.now():
        cookie_session.pop(_RECEIPT_KEY, None)
        return None
    return privacy.cipher().decrypt(kept["code"])


def people(usernames: Iterable[str | None]) -> dict[str, dict[str, str]]:
    """Who the staff named in a page are: ``{username: {"name", "center"}}`` with the
    display name and the center's name (an assignee is shown with where they work)."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    centers = names()["centers"]
    rows = db.session().execute(select(User.username, User.display_name, User.center_code)
                                .where(User.username.in_(wanted)))
    return {u: {"name": n or u, "center": centers.get(c, c or "")} for u, n, c in rows}


def last_round_changes(case: Mapping[str, Any], fields: list[Mapping[str, Any]]
                       ) -> dict[str, Any] | None:
    """What the latest resubmission (补正) changed in the one form, as the viewer may see
    it (the case's history is already cut to their fields): ``{"at", "round", "changes":
    [(label, before, after)]}``, or None for a case never resubmitted."""
    rounds = [h for h in case.get("history") or [] if h["action"] == "application.resubmitted"]
    if not rounds:
        return None
    last = rounds[-1]
    after = last.get("after") or {}
    old, new = after.get("form_before") or {}, after.get("form_after") or {}
    labels = {f["name"]: f.get("label", f["name"]) for f in fields}
    changed = [n for n in labels if n in old or n in new]
    return {"at": last["at"], "round": len(rounds),
            "changes": [(labels[n], old.get(n), new.get(n)) for n in changed]}
