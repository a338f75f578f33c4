"""What the hall's documents say, from a case's facts: pure functions, no I/O.

The law behind each: the Administrative Licensing Law (行政许可法) art. 32 (a written,
dated and sealed acceptance; what is missing told once and whole) and art. 38 (a
decision in writing; a refusal with its reasons and the applicant's rights); the
Administrative Reconsideration Law (2023) art. 20 (60 days) and 24 (the district
government decides on its departments' acts); the Administrative Litigation Law art. 46
(six months).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

RECEIPT, NOTICE, DECISION = "receipt", "notice", "decision"
DOCUMENTS = (RECEIPT, NOTICE, DECISION)
TITLES = {RECEIPT: "受理通知书", NOTICE: "补正材料一次性告知书"}
DECISION_TITLES = {"approved": "准予行政许可决定书", "rejected": "不予行政许可决定书"}
RECONSIDERATION_DAYS = 60
SUIT_MONTHS = 6
RECONSIDERATION_BODY = "沈阳市沈河区人民政府"
RIGHTS = (f"如不服本决定，可以自收到本决定书之日起{RECONSIDERATION_DAYS}日内依法向"
          f"{RECONSIDERATION_BODY}申请行政复议，也可以自收到本决定书之日起{SUIT_MONTHS}个月内"
          "依法向人民法院提起行政诉讼。")


@dataclasses.dataclass(frozen=True)
class Request:
    """One department's request in a round: what it asked for."""

    department: str
    comment: str
    at: dt.datetime


@dataclasses.dataclass(frozen=True)
class SupplementRound:
    """The supplement requests of one round (补正), until the material came in."""

    number: int
    requests: tuple[Request, ...]
    resubmitted_at: dt.datetime | None

    @property
    def requested_at(self) -> dt.datetime:
        return self.requests[0].at


def supplement_rounds(history: Iterable[Mapping[str, Any]]) -> list[SupplementRound]:
    """A case's supplement rounds from its history (oldest first): the departments'
    requests since the last resubmission, closed by the next one."""
    rounds: list[SupplementRound] = []
    pending: list[Request] = []
    for entry in history:
        after = entry.get("after") or {}
        if entry["action"] == "task.supplement_requested":
            pending.append(Request(after.get("department", ""), after.get("comment") or "",
                                   entry["at"]))
        elif entry["action"] == "application.resubmitted" and pending:
            rounds.append(SupplementRound(len(rounds) + 1, tuple(pending), entry["at"]))
            pending = []
    if pending:
        rounds.append(SupplementRound(len(rounds) + 1, tuple(pending), None))
    return rounds


def refusals(history: Iterable[Mapping[str, Any]]) -> list[Request]:
    """The departments' reasons for refusing (不同意), as the decision states them."""
    return [Request((e.get("after") or {}).get("department", ""),
                    (e.get("after") or {}).get("comment") or "", e["at"])
            for e in history if e["action"] == "task.rejected"]


def notice_number(case_number: str, round_number: int) -> str:
    """The one-time notice's number: the case's, and the round (``…-BZ1``)."""
    return f"{case_number}-BZ{round_number}"


def decision_number(case_number: str, status: str, result_number: str | None) -> str:
    """A decision's number: the result's for a licence granted, the case's for a refusal."""
    return result_number if status == "approved" and result_number else f"{case_number}-BY"


def chinese_date(day: dt.date) -> str:
    """``2026年11月30日``, as a document is dated."""
    return f"{day.year}年{day.month}月{day.day}日"


__all__ = ["DECISION", "DECISION_TITLES", "DOCUMENTS", "NOTICE", "RECEIPT", "RIGHTS",
           "Request", "SupplementRound", "TITLES", "chinese_date", "decision_number",
           "notice_number", "refusals", "supplement_rounds"]
