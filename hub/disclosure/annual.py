"""The annual report of a year, assembled from the data (the requests, the figures the
administrator keeps, the service centers' own year), and the administrator's figures.

The arithmetic is ``report`` (pure), the text ``narrative`` (pure); this module only
reads the rows they need. A year still in progress is counted to today and says so.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.approvals.calendar import local_date
from hub.directory.models import Center
from hub.disclosure import narrative, report
from hub.disclosure.models import DisclosureRequest, DisclosureYear
from hub.errors import ValidationFailed
from hub.permissions import Principal, require
from hub.supervision.callcenter_figures import CITIZENS_KINDS, rating_figures
from hub.supervision.report import annual_report as cases_of_year
from hub.supervision.services import in_instants
from hub.tickets.models import Ticket

FIRST_YEAR = 2008  # the Regulation took effect on 1 May 2008
_MADE = ("made", "abolished", "in_force")
_PROACTIVE_COLUMNS = {"regulations": "regulations", "normative_documents": "normative"}


def check_year(year: int, today: dt.date) -> None:
    if year < FIRST_YEAR:
        raise ValidationFailed({"year": [f"应不早于 {FIRST_YEAR} 年（《条例》施行之年）"]})
    if year > today.year:
        raise ValidationFailed({"year": [f"{year} 年尚未开始"]})


# -- The administrator's figures ------------------------------------------------------------


def year_figures(session: Session, year: int) -> dict[str, Any]:
    """The figures kept for ``year`` (zeros, ``kept`` false, when none were kept yet)."""
    row = session.get(DisclosureYear, year)
    proactive: dict[str, Any] = {"kept": row is not None}
    for key, column in _PROACTIVE_COLUMNS.items():
        proactive[key] = {part: getattr(row, f"{column}_{part}") if row else 0 for part in _MADE}
    for key in ("licences", "penalties", "coercions"):
        proactive[key] = getattr(row, key) if row else 0
    proactive["fees"] = Decimal(report.amount(row.fees if row else 0))
    return {"year": year, "proactive": proactive,
            "reviews": report.review_totals(row.reviews if row else {}),
            "processing_fees": Decimal(report.amount(row.processing_fees if row else 0)),
            "problems": row.problems if row else None,
            "other_matters": row.other_matters if row else None,
            "version": row.version if row else None,
            "updated_at": row.updated_at if row else None,
            "updated_by": row.updated_by if row else None}


def keep_year(session: Session, actor: Principal, year: int, body: dict[str, Any]
              ) -> dict[str, Any]:
    """Keep (replace) the administrator's figures of ``year``, audited. Commits."""
    require(actor, "disclosure.years.write")
    check_year(year, local_date(clock.now()))
    before = year_figures(session, year)
    row = session.get(DisclosureYear, year, with_for_update=True)
    if row is None:
        row = DisclosureYear(year=year, version=0, reviews={})
        session.add(row)
    proactive = body["proactive"]
    for key, column in _PROACTIVE_COLUMNS.items():
        for part in _MADE:
            setattr(row, f"{column}_{part}", proactive[key][part])
    for key in ("licences", "penalties", "coercions", "fees"):
        setattr(row, key, proactive[key])
    row.reviews = {kind: {k: v for k, v in counts.items() if k != "total"}
                   for kind, counts in report.review_totals(body["reviews"]).items()}
    row.processing_fees = body["processing_fees"]
    row.problems, row.other_matters = body["problems"], body["other_matters"]
    row.version += 1
    row.updated_at, row.updated_by = clock.now(), actor.username
    session.flush()
    after = year_figures(session, year)
    changed_before, changed_after = audit.changes(_plain(before), _plain(after))
    audit.record(session, actor, "disclosure.year_kept", target_type="disclosure_year",
                 target_id=year, before=changed_before, after=changed_after)
    session.commit()
    return after


def _plain(figures: dict[str, Any]) -> dict[str, Any]:
    # Decimals as text for the audit record (its JSON has no decimal type).
    out = {k: v for k, v in figures.items() if k not in ("updated_at", "updated_by", "version")}
    out["proactive"] = {k: str(v) if isinstance(v, Decimal) else v
                        for k, v in figures["proactive"].items()}
    out["processing_fees"] = str(figures["processing_fees"])
    return out


# -- The report ---------------------------------------------------------------------------------


def _facts(session: Session, year: int) -> list[report.RequestFacts]:
    first, last = report.year_bounds(year)
    r = DisclosureRequest
    rows = session.execute(
        select(r.received_on, r.answered_on, r.requester_kind, r.requester_organisation_kind,
               r.outcome, r.reason, r.on_time, r.due_on, r.extended, r.supplement_requested_on)
        .where(r.received_on <= last, or_(r.answered_on.is_(None), r.answered_on >= first)))
    return [report.RequestFacts(
        received_on=received, answered_on=answered, column=report.column_of(kind, org_kind),
        outcome=outcome, reason=reason, on_time=on_time, due_on=due, extended=extended,
        supplemented=supplemented is not None)
        for received, answered, kind, org_kind, outcome, reason, on_time, due, extended,
        supplemented in rows]


def district_name(session: Session) -> str:
    """The district the report is the government of: ``沈河区`` from its center's name."""
    name = session.scalar(select(Center.name).where(Center.level == "district")
                          .order_by(Center.position).limit(1))
    return (name or "本区").removesuffix("政务服务中心")


def hub_figures(session: Session, year: int) -> narrative.HubFigures:
    """The service centers' own year, as e-supervision's annual figures count it."""
    now = clock.now()
    first, last = report.year_bounds(year)
    cases = cases_of_year(session, year, now)["total"]
    centers = session.scalar(select(func.count()).select_from(Center)) or 0
    received, answered = session.execute(
        select(func.count(), func.count(Ticket.answered_at))
        .where(Ticket.kind.in_(CITIZENS_KINDS),
               in_instants(Ticket.received_at, first, last))).one()
    rated = rating_figures(session, now, first, last)
    ratings = sum(r["ratings"] for r in rated)
    return narrative.HubFigures(
        cases=narrative.CaseFigures(received=cases["received"], concluded=cases["concluded"],
                                    on_time=cases["on_time"], centers=centers,
                                    overdue=cases["overdue"]),
        hotline=narrative.HotlineFigures(received=received, answered=answered)
        if received else None,
        ratings=narrative.RatingFigures(
            ratings=ratings, satisfied=sum(r["satisfied"] for r in rated)) if ratings else None)


def build_report(session: Session, actor: Principal, year: int) -> dict[str, Any]:
    """The report of ``year`` (the JSON of ``GET /api/v1/disclosure/report/{year}``)."""
    require(actor, "disclosure.report")
    now = clock.now()
    today = local_date(now)
    check_year(year, today)
    is_open = year == today.year
    as_of = today if is_open else dt.date(year, 12, 31)
    requests = report.requests_table(_facts(session, year), year, as_of)
    kept = year_figures(session, year)
    district = district_name(session)
    figures = hub_figures(session, year)
    proactive = {**kept["proactive"], "fees": report.amount(kept["proactive"]["fees"])}
    sections = [
        {"heading": None, "paragraphs": narrative.preamble(district, year, as_of, is_open)},
        {"heading": narrative.heading(1), "paragraphs": narrative.overview(
            district, year, requests, proactive, kept["reviews"], figures)},
        {"heading": narrative.heading(2), "table": "proactive"},
        {"heading": narrative.heading(3), "table": "requests"},
        {"heading": narrative.heading(4), "table": "reviews"},
        {"heading": narrative.heading(5),
         "paragraphs": narrative.problems(year, requests, kept["problems"])},
        {"heading": narrative.heading(6), "paragraphs": narrative.other_matters(
            year, report.amount(kept["processing_fees"]), kept["other_matters"])},
    ]
    return {"year": year, "open": is_open, "as_of": as_of, "generated_at": now,
            "title": f"{district}{year}年政府信息公开工作年度报告",
            "organ": f"{district}政务公开工作办公室", "requests": requests,
            "proactive": proactive, "reviews": kept["reviews"],
            "figures": {"cases": figures.cases.as_dict()}, "sections": sections}


__all__ = ["FIRST_YEAR", "build_report", "check_year", "district_name", "hub_figures",
           "keep_year", "year_figures"]
