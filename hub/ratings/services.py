"""Rating a concluded case or an answered ticket (好差评), once, with its receipt code; a
bad rating's rectification (整改) ticket; a center's appeal (申诉) and the supervisor's
decision. Each is one transaction with its audit record, the rated case or ticket as
target (everything that belongs to a case has the case as its target)."""
from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub import audit, clock, privacy
from hub.approvals.models import CONCLUDED_APPLICATION_STATUSES, Application, ApprovalTask
from hub.errors import Conflict, NotFound
from hub.permissions import Principal, Scope, require
from hub.public.progress import NOT_FOUND
from hub.ratings.models import (
    APPEAL_EXCLUDED,
    APPEAL_KEPT,
    APPEAL_PENDING,
    LEVEL_LABELS,
    SATISFIED_FROM,
    Rating,
)
from hub.receipts import normalise_number, receipt_codes
from hub.supervision.services import in_instants
from hub.tickets import public as tickets_public
from hub.tickets import services as tickets
from hub.tickets.models import Ticket

RATER = Principal.system("public:rating")
RATEABLE_TICKETS = ("answered", "closed")
TICKET_NUMBER = tickets_public.NUMBER_PATTERN


@dataclasses.dataclass(frozen=True)
class Subject:
    """What is rated: a case or a ticket, with what the rating and its rectification
    need to know of it."""

    kind: str  # application | ticket
    id: uuid.UUID
    number: str
    center: str
    department: str | None
    code_hash: str | None
    rateable: bool
    name: str
    phone: Mapping[str, Any]  # the encrypted, hashed and masked phone, copied as is
    rating_id: int | None  # its rating's, if it was rated


def _concluding_department() -> Any:
    """The department that concluded the case: the last decision before its conclusion
    (the later stage at the same instant, then the first department), read with the case."""
    return (select(ApprovalTask.department_code)
            .where(ApprovalTask.application_id == Application.id,
                   ApprovalTask.decided_at.is_not(None))
            .order_by(ApprovalTask.decided_at.desc(), ApprovalTask.stage.desc(),
                      ApprovalTask.department_code)
            .limit(1).scalar_subquery())


def _application(session: Session, number: str) -> Subject | None:
    found = session.execute(
        select(Application, _concluding_department(), Rating.id)
        .outerjoin(Rating, Rating.application_id == Application.id)
        .where(Application.number == number, Application.deleted_at.is_(None))).one_or_none()
    if found is None:
        return None
    app, department, rating_id = found
    return Subject("application", app.id, app.number, app.center_code, department,
                   app.receipt_code_hash, app.status in CONCLUDED_APPLICATION_STATUSES,
                   app.applicant_name,
                   {"caller_phone_encrypted": app.applicant_phone_encrypted,
                    "caller_phone_hash": app.applicant_phone_hash,
                    "caller_phone_masked": app.applicant_phone_masked}, rating_id)


def _ticket(session: Session, number: str) -> Subject | None:
    found = session.execute(
        select(Ticket, Rating.id).outerjoin(Rating, Rating.ticket_id == Ticket.id)
        .where(Ticket.number == number, Ticket.kind != "rectification")).one_or_none()
    if found is None:
        return None
    row, rating_id = found
    return Subject("ticket", row.id, row.number, row.center_code, row.department_code,
                   row.receipt_code_hash, row.status in RATEABLE_TICKETS, row.caller_name,
                   {"caller_phone_encrypted": row.caller_phone_encrypted,
                    "caller_phone_hash": row.caller_phone_hash,
                    "caller_phone_masked": row.caller_phone_masked}, rating_id)


def subject_of(session: Session, number: str) -> Subject | None:
    """The case, else the ticket, numbered ``number``, with whether it was rated (one
    statement each). A ticket's number is looked up as a ticket's first: only a case
    with a number of that shape (none the hub gives) costs a second statement."""
    if re.fullmatch(TICKET_NUMBER, number):
        return _ticket(session, number) or _application(session, number)
    return _application(session, number) or _ticket(session, number)


def existing(session: Session, subject: Subject) -> int | None:
    """The id of the subject's rating, if it was rated: read with the subject (no
    statement of its own). Two ratings at once both pass here; the UNIQUE constraint
    then decides."""
    return subject.rating_id


def rate(session: Session, number: str, code: str, level: int,
         comment: str | None = None) -> Rating:
    """The citizen's one rating (一事一评) of a concluded case or an answered ticket. A
    wrong code is "not found", exactly as an unknown number; a second rating is a 409
    (decided by the UNIQUE constraint when two arrive at once). Levels 1–2 open a
    rectification ticket in the same transaction. Commits."""
    number = normalise_number(number)
    subject = subject_of(session, number)
    if not receipt_codes().matches(subject.code_hash if subject else None, number, code) \
            or subject is None:
        raise NotFound(NOT_FOUND)
    if not subject.rateable:
        raise Conflict("尚未办结（答复），暂不能评价")
    if existing(session, subject) is not None:
        raise Conflict("该事项已评价过，每件事只能评价一次")
    now, comment = clock.now(), (comment or "").strip() or None
    # A bad rating's rectification first: the rating then names it as it is inserted,
    # with no second statement to update it.
    rectification = None if level >= SATISFIED_FROM else tickets.open_rectification(
        session, center=subject.center, department=subject.department,
        subject=f"差评整改：{subject.number}（{LEVEL_LABELS[level]}）",
        content=comment or "评价人未留言，请回访了解不满意的原因。",
        caller={"caller_name": subject.name, **subject.phone}, rated_number=subject.number)
    rating = Rating(
        application_id=subject.id if subject.kind == "application" else None,
        ticket_id=subject.id if subject.kind == "ticket" else None, number=subject.number,
        center_code=subject.center, department_code=subject.department, level=level,
        comment=comment, rater_masked=privacy.mask_name(subject.name), rated_at=now,
        rectification_ticket_id=rectification.id if rectification else None, excluded=False,
        version=1)
    session.add(rating)
    try:
        # The rating of the same case at the same moment fails here, and the
        # rectification goes with the rollback.
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("该事项已评价过，每件事只能评价一次") from None
    audit.record(session, RATER, "rating.received", target_type=subject.kind,
                 target_id=subject.id, center=subject.center,
                 after={"rating_id": rating.id, "level": level, "department": subject.department,
                        "rectification_ticket_id": rating.rectification_ticket_id})
    session.commit()
    return rating


# -- Reading ----------------------------------------------------------------------------------


def load_rating(session: Session, rating_id: int, *, lock: bool = False) -> Rating:
    stmt = select(Rating).where(Rating.id == rating_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    rating = session.scalars(stmt).one_or_none()
    if rating is None:
        raise NotFound("评价不存在")
    return rating


def rating_in_reach(session: Session, actor: Principal, rating_id: int, action: str, *,
                    lock: bool = False) -> Rating:
    """The rating if ``actor`` may see it (officials and administrators every one, anyone
    else their own center's; else "not found") and do ``action`` to it (else refused): what
    reading one and appealing one look up first, before anything sent is read."""
    rating = load_rating(session, rating_id, lock=lock)
    if not (actor.has_role("supervisor", "admin") or actor.center == rating.center_code):
        raise NotFound("评价不存在")
    require(actor, action, Scope(center=rating.center_code))
    return rating


def ratings_query(actor: Principal, *, center: str | None = None, level: int | None = None,
                  appeal: str | None = None, start: Any = None, end: Any = None) -> Any:
    """Ratings ``actor`` may list: every center for officials and administrators, their
    own for a center's clerks and chiefs."""
    if center is None and not actor.has_role("supervisor", "admin"):
        center = actor.center
    if center is not None:
        require(actor, "rating.list_center", Scope(center=center))
    stmt = select(Rating)
    if center is not None:
        stmt = stmt.where(Rating.center_code == center)
    if level is not None:
        stmt = stmt.where(Rating.level == level)
    if appeal is not None:
        stmt = stmt.where(Rating.appeal_status == appeal)
    return stmt.where(in_instants(Rating.rated_at, start, end))


def present(rating: Rating, session: Session) -> dict[str, Any]:
    rectification = (session.get(Ticket, rating.rectification_ticket_id)
                     if rating.rectification_ticket_id else None)
    appeal = None if rating.appeal_status is None else {
        "status": rating.appeal_status, "reason": rating.appeal_reason,
        "by": rating.appealed_by, "at": rating.appealed_at,
        "decided_by": rating.appeal_decided_by, "decided_at": rating.appeal_decided_at,
        "comment": rating.appeal_comment}
    return {
        "id": rating.id, "type": "application" if rating.application_id else "ticket",
        "subject_id": rating.application_id or rating.ticket_id, "number": rating.number,
        "center": rating.center_code, "department": rating.department_code,
        "level": rating.level, "level_label": LEVEL_LABELS[rating.level],
        "comment": rating.comment, "rater": rating.rater_masked, "rated_at": rating.rated_at,
        "rectification": None if rectification is None else {
            "id": rectification.id, "number": rectification.number,
            "status": rectification.status, "due_at": rectification.due_at,
            "closed_at": rectification.closed_at},
        "appeal": appeal, "excluded": rating.excluded, "version": rating.version}


# -- Appeals (申诉) -------------------------------------------------------------------------


def _subject_target(rating: Rating) -> tuple[str, uuid.UUID]:
    if rating.application_id is not None:
        return "application", rating.application_id
    assert rating.ticket_id is not None
    return "ticket", rating.ticket_id


def _checked(rating: Rating, version: int | None) -> None:
    if version is not None and version != rating.version:
        raise Conflict(f"评价已被他人更新（当前版本 {rating.version}），请刷新后重试",
                       current_version=rating.version)


def appeal(session: Session, actor: Principal, rating_id: int, reason: str,
           version: int | None = None) -> Rating:
    """The center asks a supervisor to leave out a malicious or mistaken rating (its
    clerks or chiefs); once per rating. Audited. Commits."""
    rating = rating_in_reach(session, actor, rating_id, "rating.appeal", lock=True)
    _checked(rating, version)
    if rating.appeal_status is not None:
        raise Conflict("该评价已申诉过，每条评价只能申诉一次")
    now = clock.now()
    rating.appeal_status, rating.appeal_reason = APPEAL_PENDING, reason.strip()
    rating.appealed_by, rating.appealed_at = actor.username, now
    rating.version += 1
    kind, target = _subject_target(rating)
    audit.record(session, actor, "rating.appealed", target_type=kind, target_id=target,
                 center=rating.center_code,
                 after={"rating_id": rating.id, "level": rating.level, "reason": reason.strip()})
    session.commit()
    return rating


def decide_appeal(session: Session, actor: Principal, rating_id: int, decision: str,
                  comment: str, version: int | None = None) -> Rating:
    """A supervisor's decision on an appeal: ``exclude`` leaves the rating out of every
    satisfaction figure, ``keep`` keeps it. Audited. Commits."""
    require(actor, "ratings.decide_appeal")
    rating = load_rating(session, rating_id, lock=True)
    _checked(rating, version)
    if rating.appeal_status != APPEAL_PENDING:
        raise Conflict("该评价没有待决定的申诉")
    now = clock.now()
    rating.appeal_status = APPEAL_EXCLUDED if decision == "exclude" else APPEAL_KEPT
    rating.excluded = decision == "exclude"
    rating.appeal_decided_by, rating.appeal_decided_at = actor.username, now
    rating.appeal_comment = comment.strip()
    rating.version += 1
    kind, target = _subject_target(rating)
    audit.record(session, actor, f"rating.appeal_{rating.appeal_status}", target_type=kind,
                 target_id=target, center=rating.center_code,
                 before={"appeal_status": APPEAL_PENDING, "excluded": False},
                 after={"rating_id": rating.id, "appeal_status": rating.appeal_status,
                        "excluded": rating.excluded, "comment": rating.appeal_comment})
    session.commit()
    return rating


__all__ = ["appeal", "decide_appeal", "load_rating", "present", "rate", "rating_in_reach",
           "ratings_query"]
