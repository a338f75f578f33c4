"""Online pre-review: the citizen's form and materials in one transaction; the center's
clerks pass or return it within a working day; a passed one becomes the application at
the window with its form and materials, so nothing is typed twice."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from hub import audit, clock, privacy
from hub.approvals import services as approvals
from hub.approvals.calendar import deadline, local_date
from hub.approvals.calendar_services import load_calendar
from hub.approvals.cards import card, overdue_before
from hub.approvals.forms import normalise_answers
from hub.approvals.numbers import next_value
from hub.catalog.models import ServiceItem
from hub.catalog.publication import not_offered
from hub.clock import SHANGHAI
from hub.directory.models import Center
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.hall.services import missing_parts, windows_of
from hub.materials import services as materials
from hub.materials.models import Material
from hub.permissions import Principal, Scope, allowed, require
from hub.prereviews.models import ACCEPTED, PASSED, RETURNED, SUBMITTED, PreReview
from hub.receipts import receipt_codes

REVIEW_DAYS = 1  # the center reviews within a working day
NOT_FOUND = "预审不存在"


def due(cal: Any, submitted_at: dt.datetime) -> tuple[dt.datetime, dt.datetime, bool]:
    """Due at the end of the working day after submission; yellow from the start of that
    day (the last working day left), as a case's card with one day to go."""
    due_at, provisional = deadline(cal, submitted_at, REVIEW_DAYS)
    yellow_at = dt.datetime.combine(local_date(due_at), dt.time(0), tzinfo=SHANGHAI)
    return due_at, max(yellow_at.astimezone(dt.timezone.utc), submitted_at), provisional


def warning(prereview: PreReview, now: dt.datetime) -> str | None:
    """The card of a pre-review still waiting for its review; none once decided."""
    return card(now, prereview.due_at, prereview.yellow_at,
                running=prereview.status == SUBMITTED)


def check_data(session: Session, body: Mapping[str, Any]) -> ServiceItem:
    """The data part of an upload: a center whose windows handle the item, an item whose
    guide says what to bring, the item's one form filled as at the window."""
    center, code = body["center"], body["service_item"]
    if session.get(Center, center) is None:
        raise ValidationFailed({"center": [f"未知的中心：{center}"]})
    item = session.get(ServiceItem, code)
    if item is None:
        raise ValidationFailed({"service_item": [f"未知的办事事项：{code}"]})
    refusal = not_offered(item, center)  # a stopped item is not pre-reviewed either
    if refusal:
        raise ValidationFailed({"service_item": [refusal]})
    if "申请材料" in missing_parts(item.guide, 1):
        raise ValidationFailed({"service_item": ["该事项暂不支持网上预审"]})
    if not any(code in w.service_items for w in windows_of(session, center)):
        raise ValidationFailed({"center": ["该中心没有办理此事项的窗口"]})
    approvals.checked_answers(item.form or [], body["form"])
    return item


def _number(session: Session, center: str, now: dt.datetime) -> str:
    """``YS-BINHE-20261130-0001``: 预审, the center, the day, the sequence."""
    day = local_date(now).strftime("%Y%m%d")
    return f"YS-{center.upper()}-{day}-{next_value(session, f'prereview:{center}:{day}'):04d}"


def summary(prereview: PreReview) -> dict[str, Any]:
    return {"number": prereview.number, "center": prereview.center_code,
            "service_item": prereview.service_item_code, "status": prereview.status,
            "applicant": {"name": privacy.mask_name(prereview.applicant_name),
                          "id_number": prereview.applicant_id_masked,
                          "phone": prereview.applicant_phone_masked}}


@dataclasses.dataclass(frozen=True)
class Submitted:
    prereview: PreReview
    code: str


def submit(session: Session, actor: Principal, body: Mapping[str, Any],
           files: Sequence[materials.CheckedFile]) -> Submitted:
    """Keep a pre-review, its materials and their bytes in one transaction (a failure
    keeps nothing), audited; the receipt code is returned once."""
    item = check_data(session, body)
    now = clock.now()
    due_at, yellow_at, provisional = due(load_calendar(session), now)
    number = _number(session, body["center"], now)
    code, code_hash = receipt_codes().issue(number)
    applicant = body["applicant"]
    prereview = PreReview(
        id=uuid.uuid4(), number=number, code_hash=code_hash, center_code=body["center"],
        service_item_code=body["service_item"], status=SUBMITTED,
        applicant_name=applicant["name"].strip(),
        form=normalise_answers(item.form or [], body["form"]), reasons=None,
        submitted_at=now, due_at=due_at, yellow_at=yellow_at, due_at_provisional=provisional,
        version=1, updated_at=now,
        **privacy.applicant_columns(applicant["id_number"], applicant["phone"]))
    session.add(prereview)
    session.flush()
    rows = materials.store(session, files, prereview_id=prereview.id, now=now)
    audit.record(session, actor, "prereview.submitted", target_type="prereview",
                 target_id=number, center=prereview.center_code,
                 after={**summary(prereview), "due_at": due_at,
                        "materials": [{"filename": m.filename, "size": m.size,
                                       "sha256": m.sha256} for m in rows]})
    session.commit()
    return Submitted(prereview, code)


def _load(session: Session, number: str, *, lock: bool = False) -> PreReview | None:
    stmt = select(PreReview).where(PreReview.number == number.strip().upper())
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).one_or_none()


def readable(session: Session, actor: Principal, number: str, *, lock: bool = False) -> PreReview:
    """The pre-review if ``actor`` is a clerk of its center; others are told it does not
    exist."""
    prereview = _load(session, number, lock=lock)
    if prereview is None or not allowed(actor, "prereview.review",
                                        Scope(center=prereview.center_code)):
        raise NotFound(NOT_FOUND)
    return prereview


def list_query(actor: Principal, now: dt.datetime, *, center: str | None = None,
               status: str | None = None, warning: str | None = None) -> Select[Any]:
    """A center's pre-reviews, most urgent first; a clerk's own center by default."""
    center = center or actor.center
    require(actor, "prereview.review", Scope(center=center))
    stmt = select(PreReview).where(PreReview.center_code == center)
    if status:
        stmt = stmt.where(PreReview.status == status)
    if warning == "red":
        stmt = stmt.where(PreReview.status == SUBMITTED,
                          PreReview.due_at < overdue_before(now))
    elif warning == "yellow":
        stmt = stmt.where(PreReview.status == SUBMITTED, PreReview.yellow_at <= now,
                          PreReview.due_at >= overdue_before(now))
    return stmt


def decide(session: Session, actor: Principal, number: str, decision: str,
           reasons: Sequence[str]) -> PreReview:
    """Pass, or return with the reasons the citizen reads (补正内容)."""
    prereview = readable(session, actor, number, lock=True)
    if prereview.status != SUBMITTED:
        raise Conflict("该预审已有结论，不能重复审查")
    if decision == "return" and not reasons:
        raise ValidationFailed({"reasons": ["退回时须说明理由"]})
    now = clock.now()
    prereview.status = PASSED if decision == "pass" else RETURNED
    prereview.reasons = list(reasons) or None
    prereview.decided_at, prereview.decided_by, prereview.updated_at = now, actor.username, now
    prereview.version += 1
    audit.record(session, actor, f"prereview.{prereview.status}", target_type="prereview",
                 target_id=prereview.number, center=prereview.center_code,
                 before={"status": SUBMITTED},
                 after={"status": prereview.status, "reasons": prereview.reasons,
                        "on_time": now <= prereview.due_at})
    session.commit()
    return prereview


def accept(session: Session, actor: Principal, number: str) -> approvals.Submitted:
    """The citizen is at the window: the passed pre-review becomes the application, with
    its form and materials. The application is submitted under an idempotency key of the
    pre-review, so a retry after a failure between the two commits finds the same case."""
    prereview = readable(session, actor, number, lock=True)
    if prereview.status == ACCEPTED and prereview.application_id is not None:
        raise Conflict("该预审已转为正式受理", application_id=str(prereview.application_id))
    if prereview.status != PASSED:
        raise Conflict("只有预审通过的才能转为正式受理")
    pii = privacy.cipher()
    body = {"service_item": prereview.service_item_code, "center": prereview.center_code,
            "applicant": {"name": prereview.applicant_name,
                          "id_number": pii.decrypt(prereview.applicant_id_encrypted),
                          "phone": pii.decrypt(prereview.applicant_phone_encrypted)},
            "form": dict(prereview.form)}
    submitted = approvals.submit_application(session, actor, body,
                                             idempotency_key=f"prereview-{prereview.id}")
    application = submitted.application
    prereview = readable(session, actor, number, lock=True)
    if prereview.status != ACCEPTED:
        now = clock.now()
        session.execute(update(Material).where(Material.prereview_id == prereview.id)
                        .values(application_id=application.id))
        prereview.status, prereview.application_id = ACCEPTED, application.id
        prereview.accepted_at = prereview.updated_at = now
        prereview.version += 1
        audit.record(session, actor, "prereview.accepted", target_type="prereview",
                     target_id=prereview.number, center=prereview.center_code,
                     before={"status": PASSED},
                     after={"status": ACCEPTED, "application": application.number})
        audit.record(session, actor, "application.materials_attached",
                     target_type="application", target_id=application.id,
                     center=application.center_code,
                     after={"prereview": prereview.number, "materials": [
                         m.sha256 for m in materials.of_prereview(session, prereview.id)]})
        session.commit()
    return submitted


def present(prereview: PreReview, now: dt.datetime, material_rows: Sequence[Material],
            *, form: bool = True) -> dict[str, Any]:
    body = {**summary(prereview), "reasons": prereview.reasons or [],
            "submitted_at": prereview.submitted_at, "due_at": prereview.due_at,
            "due_at_provisional": prereview.due_at_provisional,
            "warning": warning(prereview, now), "decided_at": prereview.decided_at,
            "decided_by": prereview.decided_by, "application_id": prereview.application_id,
            "materials": [materials.summary(m) for m in material_rows]}
    if form:
        body["form"] = prereview.form
    return body


__all__ = ["Submitted", "accept", "check_data", "decide", "due", "list_query", "present",
           "readable", "submit", "summary", "warning"]
