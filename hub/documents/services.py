"""The facts a document prints, read for the clerk of the case's center. A document
carries the applicant's name in full (it is handed to them), so producing one is an
audited action of its own, like any unmasked view."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.approvals import mapping, queries
from hub.approvals.calendar import local_date
from hub.approvals.models import SOURCE_SYNC
from hub.approvals.services import readable_application
from hub.catalog.models import ServiceItem
from hub.directory.models import Center, Department, User
from hub.documents import wording
from hub.errors import Conflict, NotFound
from hub.permissions import Principal, require


@dataclasses.dataclass(frozen=True)
class Printed:
    """What one document shows."""

    document: str
    title: str
    number: str
    case: dict[str, Any]
    applicant: str
    item: str
    promised_days: int | None
    center: str
    accepted_by: str
    issued_on: dt.date
    departments: dict[str, str]
    round: wording.SupplementRound | None = None
    refusals: tuple[wording.Request, ...] = ()


def document(session: Session, actor: Principal, application_id: uuid.UUID, which: str, *,
             fmt: str, round_number: int | None = None) -> Printed:
    """The facts of ``which`` document (receipt, notice, decision) of a case, for the
    clerk of its center, recorded in the audit trail (who printed what, in which format).
    A document the case does not have yet (no supplement asked, no decision) is a 409."""
    if which not in wording.DOCUMENTS:
        raise NotFound("没有这种文书")
    app = readable_application(session, actor, application_id)
    require(actor, "application.print", mapping.scope_of(app))
    if app.source == SOURCE_SYNC:
        raise Conflict("该办件由中心自有业务系统受理，文书由该系统出具")
    now = clock.now()
    history = [{"action": r.action, "at": r.at, "actor": r.actor, "after": r.after}
               for r in queries.history(session, app.id)]
    case = queries.present_application(app, actor, now)
    extra: dict[str, Any] = {}
    if which == wording.RECEIPT:
        title, number = wording.TITLES[which], app.number
    elif which == wording.NOTICE:
        rounds = wording.supplement_rounds(history)
        if not rounds:
            raise Conflict("该办件没有要求补正，无需一次性告知书")
        chosen = rounds[-1] if round_number is None else next(
            (r for r in rounds if r.number == round_number), None)
        if chosen is None:
            raise NotFound(f"该办件没有第 {round_number} 次补正")
        title, number = wording.TITLES[which], wording.notice_number(app.number, chosen.number)
        extra["round"] = chosen
    else:
        if app.status not in wording.DECISION_TITLES:
            raise Conflict("办件尚未作出准予或不予许可的决定，没有决定书")
        title = wording.DECISION_TITLES[app.status]
        number = wording.decision_number(app.number, app.status, app.result_number)
        extra["refusals"] = tuple(wording.refusals(history))
    audit.record(session, actor, "application.document_printed", target_type="application",
                 target_id=app.id, center=app.center_code,
                 after={"document": which, "format": fmt, "number": number})
    session.commit()
    item = session.get(ServiceItem, app.service_item_code)
    center = session.get(Center, app.center_code)
    submitted_by = next((h["actor"] for h in history if h["action"] == "application.submitted"),
                        None)
    clerk = session.scalars(select(User.display_name).where(User.username == submitted_by)
                            ).one_or_none() if submitted_by else None
    issued = app.concluded_at if which == wording.DECISION and app.concluded_at else (
        app.submitted_at if which == wording.RECEIPT else now)
    if extra.get("round") is not None:
        issued = extra["round"].requested_at
    return Printed(
        document=which, title=title, number=number, case=case, applicant=app.applicant_name,
        item=item.name if item else app.service_item_code,
        promised_days=(app.routing or {}).get("promised_days"),
        center=center.name if center else app.center_code, accepted_by=clerk or "",
        issued_on=local_date(issued),
        departments=dict(session.execute(select(Department.code, Department.name)).all()),
        **extra)


__all__ = ["Printed", "document"]
