"""The annual report's arithmetic (年度报告): pure functions on plain facts, no I/O.

The requests table of the national form counts, per requester column, the requests
carried in from the year before, received in the year, answered in the year (by
outcome and reason) and carried out into the next year. Each request is counted from
its two dates alone, so the form's check (第一项加第二项之和，等于第三项加第四项之和)
holds by construction: a request received by the year's end and not answered before it
began is either carried in or received, and either answered in the year or carried out.
It needs only that no request is answered before it was received (the services and a
database constraint keep that). The check is still computed, independently, and shown.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from collections.abc import Iterable, Mapping
from typing import Any

from hub.disclosure.categories import ORGANISATION_KINDS, OUTCOMES, PERSON

# The form's requester columns, then the total.
COLUMNS: tuple[tuple[str, str], ...] = (
    (PERSON, "自然人"), *((f"organisation.{k}", v) for k, v in ORGANISATION_KINDS.items()))
TOTAL = "total"


@dataclasses.dataclass(frozen=True)
class RequestFacts:
    """What the report needs of one request."""

    received_on: dt.date
    answered_on: dt.date | None
    column: str  # one of COLUMNS' keys
    outcome: str | None = None
    reason: str | None = None
    on_time: bool | None = None
    due_on: dt.date | None = None
    extended: bool = False
    supplemented: bool = False


def column_of(kind: str, organisation_kind: str | None) -> str:
    """The form's column for a requester."""
    if kind == PERSON:
        return PERSON
    return f"organisation.{organisation_kind or 'other'}"


@dataclasses.dataclass(frozen=True)
class Row:
    key: str
    label: str
    group: str | None  # the merged cell on its left (三、本年度办理结果, （三）不予公开, …)


def _rows() -> tuple[Row, ...]:
    result = "三、本年度办理结果"
    rows = [Row("received", "一、本年新收政府信息公开申请数量", None),
            Row("carried_in", "二、上年结转政府信息公开申请数量", None)]
    for outcome in OUTCOMES:
        if not outcome.reasons:
            rows.append(Row(outcome.code, outcome.row_label, result))
        for reason in outcome.reasons:
            rows.append(Row(f"{outcome.code}.{reason.code}", reason.label, outcome.row_label))
    rows += [Row("answered", "（七）总计", result),
             Row("carried_out", "四、结转下年度继续办理", None)]
    return tuple(rows)


ROWS = _rows()


def _zero() -> dict[str, int]:
    return {key: 0 for key, _ in COLUMNS} | {TOTAL: 0}


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def in_scope(fact: RequestFacts, year: int) -> bool:
    """Whether a request appears in ``year``'s table at all: received by the year's end
    and not answered before it began."""
    first, last = year_bounds(year)
    return fact.received_on <= last and (fact.answered_on is None or fact.answered_on >= first)


def requests_table(facts: Iterable[RequestFacts], year: int,
                   as_of: dt.date | None = None) -> dict[str, Any]:
    """The year's requests table and its summary figures (the JSON's ``requests``);
    ``as_of`` is the day a year still in progress is counted to (overdue is judged then)."""
    first, last = year_bounds(year)
    judged = min(last, as_of) if as_of else last
    counts = {row.key: _zero() for row in ROWS}
    on_time = late = overdue = extended = supplemented = 0

    def add(row: str, column: str) -> None:
        counts[row][column] += 1
        counts[row][TOTAL] += 1

    for fact in facts:
        if not in_scope(fact, year):
            continue
        add("received" if fact.received_on >= first else "carried_in", fact.column)
        if fact.answered_on is not None and fact.answered_on <= last:
            add("answered", fact.column)
            add(f"{fact.outcome}.{fact.reason}" if fact.reason else str(fact.outcome),
                fact.column)
            on_time += bool(fact.on_time)
            late += not fact.on_time
        else:
            add("carried_out", fact.column)
            overdue += fact.due_on is not None and fact.due_on < judged
        extended += fact.extended
        supplemented += fact.supplemented
    return _summary(counts, on_time=on_time, late=late, overdue=overdue, extended=extended,
                    supplemented=supplemented)


def _summary(counts: Mapping[str, dict[str, int]], **figures: int) -> dict[str, Any]:
    by_outcome = {o.code: (sum(counts[f"{o.code}.{r.code}"][TOTAL] for r in o.reasons)
                           if o.reasons else counts[o.code][TOTAL]) for o in OUTCOMES}
    received = counts["received"]
    left = counts["carried_in"][TOTAL] + received[TOTAL]
    right = counts["answered"][TOTAL] + counts["carried_out"][TOTAL]
    answered = counts["answered"][TOTAL]
    return {
        "carried_in": counts["carried_in"][TOTAL],
        "received": {"person": received[PERSON],
                     "organisation": received[TOTAL] - received[PERSON],
                     "total": received[TOTAL]},
        "by_outcome": by_outcome,
        "by_reason": {o.code: {r.code: counts[f"{o.code}.{r.code}"][TOTAL] for r in o.reasons}
                      for o in OUTCOMES if o.reasons},
        "answered": answered,
        "carried_out": counts["carried_out"][TOTAL],
        "on_time": figures["on_time"],
        "late": figures["late"],
        "on_time_rate": rate(figures["on_time"], answered),
        # Still open at the year's end (or on ``as_of``) past their limit.
        "overdue": figures["overdue"],
        "extended": figures["extended"],
        "supplemented": figures["supplemented"],
        "check": {"ok": left == right and answered == sum(by_outcome.values()),
                  "carried_in_plus_received": left, "answered_plus_carried_out": right},
        "table": {
            "columns": [{"key": key, "label": label} for key, label in COLUMNS]
            + [{"key": TOTAL, "label": "总计"}],
            "rows": [{"key": row.key, "label": row.label, "group": row.group,
                      "values": counts[row.key]} for row in ROWS],
        },
    }


def rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def amount(value: Decimal | int | str) -> str:
    """A sum of money as the form prints it: ``2.02``, ``0``, ``316441`` (no exponent,
    no trailing zeros)."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if Decimal(text) == 0 else text


# -- The administrator's figures: proactive disclosure, reconsiderations and lawsuits ----------

REVIEW_RESULTS = (("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"),
                  ("pending", "尚未审结"))
REVIEW_KINDS = (("reconsideration", "行政复议"), ("litigation_direct", "未经复议直接起诉"),
                ("litigation_after_review", "复议后起诉"))


def review_totals(reviews: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """Each kind's four results and their total (总计)."""
    out = {}
    for kind, _label in REVIEW_KINDS:
        counts = {key: int((reviews.get(kind) or {}).get(key, 0)) for key, _ in REVIEW_RESULTS}
        out[kind] = counts | {"total": sum(counts.values())}
    return out


__all__ = ["COLUMNS", "REVIEW_KINDS", "REVIEW_RESULTS", "ROWS", "RequestFacts", "Row", "TOTAL",
           "amount", "column_of", "in_scope", "rate", "requests_table", "review_totals",
           "year_bounds"]
