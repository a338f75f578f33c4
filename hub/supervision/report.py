"""The annual figures (年度报告): counted straight from the ``applications`` table in SQL,
then checked: the parts must add up to the totals, and the rollups that feed the
daily pages and the metrics must agree with this independent count."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from hub.approvals import cards
from hub.approvals.models import CONCLUDED_APPLICATION_STATUSES, Application, ApprovalTask
from hub.approvals.routing import IN_REVIEW
from hub.directory.models import Center
from hub.supervision import indicators as ind
from hub.supervision.models import CenterDay

NO_REASON = "未说明理由"


def _on_time(session: Session) -> Any:
    """``indicators.on_time`` in SQL: concluded before the second after ``due_at``
    (truncated to the second); no deadline counts as on time."""
    if session.get_bind().dialect.name == "postgresql":
        bound = (func.date_trunc("second", Application.due_at)
                 + literal_column("interval '1 second'"))
    else:
        # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text: datetime() drops the
        # fraction, and text order is time order.
        bound = func.datetime(Application.due_at, "+1 second")
    return case((Application.due_at.is_(None), True),
                (Application.concluded_at < bound, True), else_=False)


def _row(received: int = 0) -> dict[str, Any]:
    return {"received": received, "concluded": 0, "approved": 0, "rejected": 0, "withdrawn": 0,
            "on_time": 0, "on_time_rate": None, "overdue": 0, "timeliness_rate": None,
            "supplement_requests": 0}


def _rates(row: dict[str, Any]) -> None:
    row["on_time_rate"] = ind.rate(row["on_time"], row["concluded"])
    row["timeliness_rate"] = ind.rate(row["on_time"], row["concluded"] + row["overdue"])


def annual_report(session: Session, year: int, now: dt.datetime) -> dict[str, Any]:
    """The year's figures per center and in total, the rejections by reason, and the
    checks that the figures add up (``checks``: each with ``ok``; ``ok`` is all of them).

    Received: cases whose ``submitted_at`` falls in the year (Asia/Shanghai); concluded,
    approved, rejected, withdrawn, on time: cases whose ``concluded_at`` does; overdue:
    cases still open (clock running) whose ``due_at`` falls in the year and has passed
    at ``now`` (``indicators.is_overdue``), and ``timeliness_rate`` = on time /
    (concluded + overdue); supplement requests: requests made in the year (from the
    rollups: a request leaves no other trace on the case once it is resubmitted).
    Tombstoned cases are excluded.
    """
    lower, upper = ind.period_bounds(dt.date(year, 1, 1), dt.date(year, 12, 31))
    live = Application.deleted_at.is_(None)
    received_in = and_(live, Application.submitted_at >= lower, Application.submitted_at < upper)
    concluded_in = and_(live, Application.status.in_(CONCLUDED_APPLICATION_STATUSES),
                        Application.concluded_at >= lower, Application.concluded_at < upper)
    overdue_in = and_(live, Application.status == IN_REVIEW, Application.due_at >= lower,
                      Application.due_at < upper,
                      Application.due_at < cards.overdue_before(now))

    centers = session.execute(
        select(Center.code, Center.name).order_by(Center.position, Center.code)).all()
    rows = {code: {"center": code, "name": name, **_row()} for code, name in centers}
    for code, n in session.execute(select(Application.center_code, func.count())
                                   .where(received_in).group_by(Application.center_code)):
        rows[code]["received"] = n
    punctual = _on_time(session)
    for code, status, is_on_time, n in session.execute(
            select(Application.center_code, Application.status, punctual, func.count())
            .where(concluded_in).group_by(Application.center_code, Application.status, punctual)):
        row = rows[code]
        row[status] += n
        row["concluded"] += n
        row["on_time"] += n if is_on_time else 0
    for code, n in session.execute(select(Application.center_code, func.count())
                                   .where(overdue_in).group_by(Application.center_code)):
        rows[code]["overdue"] = n
    rollup = {code: (int(sub or 0), int(concl or 0), int(supp or 0)) for code, sub, concl, supp
              in session.execute(
                  select(CenterDay.center_code, func.sum(CenterDay.submitted),
                         func.sum(CenterDay.approved_on_time + CenterDay.approved_late
                                  + CenterDay.rejected_on_time + CenterDay.rejected_late
                                  + CenterDay.withdrawn_on_time + CenterDay.withdrawn_late),
                         func.sum(CenterDay.supplement_requests))
                  .where(CenterDay.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
                  .group_by(CenterDay.center_code))}
    for code, row in rows.items():
        row["supplement_requests"] = rollup.get(code, (0, 0, 0))[2]
        _rates(row)

    # The reason: the case's own (synced cases carry it), else the comment of the
    # department's rejecting decision.
    decision_comment = (select(func.min(ApprovalTask.comment))
                        .where(ApprovalTask.application_id == Application.id,
                               ApprovalTask.status == "rejected")
                        .correlate(Application).scalar_subquery())
    reason = func.coalesce(func.nullif(func.trim(Application.status_reason), ""),
                           decision_comment)
    reasons = [{"reason": (text or "").strip() or NO_REASON, "count": n}
               for text, n in session.execute(
                   select(reason, func.count())
                   .where(concluded_in, Application.status == "rejected").group_by(reason))]
    merged: dict[str, int] = {}
    for item in reasons:  # NULL, '' and blanks all read as "no reason given"
        merged[item["reason"]] = merged.get(item["reason"], 0) + item["count"]
    rejections = sorted(({"reason": r, "count": n} for r, n in merged.items()),
                        key=lambda item: (-item["count"], item["reason"]))

    total = _row()
    for row in rows.values():
        for key in ("received", "concluded", "approved", "rejected", "withdrawn", "on_time",
                    "overdue", "supplement_requests"):
            total[key] += row[key]
    _rates(total)
    count = select(func.count()).select_from(Application)
    all_counts = {"received": session.scalar(count.where(received_in)) or 0,
                  "concluded": session.scalar(count.where(concluded_in)) or 0,
                  "overdue": session.scalar(count.where(overdue_in)) or 0}

    checks = _checks(list(rows.values()), total, rejections, rollup, all_counts)
    return {"year": year, "centers": list(rows.values()), "total": total,
            "rejection_reasons": rejections, "checks": checks,
            "ok": all(check["ok"] for check in checks)}


def _check(name: str, expected: int, actual: int) -> dict[str, Any]:
    return {"name": name, "expected": expected, "actual": actual, "ok": expected == actual}


def _checks(rows: list[dict[str, Any]], total: dict[str, Any], rejections: list[dict[str, Any]],
            rollup: dict[str, tuple[int, int, int]], all_counts: dict[str, int]
            ) -> list[dict[str, Any]]:
    # The parts and the totals are counted by separate queries, and the rollups by the
    # transactions of each change: an equality below is two independent counts agreeing.
    checks = [
        _check("各中心受理件数之和 = 全区受理件数", all_counts["received"], total["received"]),
        _check("各中心办结件数之和 = 全区办结件数", all_counts["concluded"], total["concluded"]),
        _check("各中心超期未办结之和 = 全区超期未办结", all_counts["overdue"], total["overdue"]),
        _check("办结 = 准予 + 不予 + 撤回", total["concluded"],
               total["approved"] + total["rejected"] + total["withdrawn"]),
        _check("不予许可理由计数之和 = 不予许可件数", total["rejected"],
               sum(item["count"] for item in rejections)),
    ]
    for row in rows:
        code = row["center"]
        submitted, concluded, _ = rollup.get(code, (0, 0, 0))
        checks.append(_check(f"{code}：统计表受理件数 = 办件库", row["received"], submitted))
        checks.append(_check(f"{code}：统计表办结件数 = 办件库", row["concluded"], concluded))
    return checks
