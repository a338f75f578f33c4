"""The service-item editor's way to the hall: a draft is kept beside the published
definition and published when it holds together (``hub.catalog.consistency``); only
what is published, active and offered at a center is what a new case there gets (a case
in flight keeps the routing it was accepted with). Every change is audited."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, String, cast, or_, select
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.catalog import consistency
from hub.catalog.models import ServiceItem
from hub.catalog.services import check_departments, get_item
from hub.directory import deciders
from hub.directory.models import Center, Department
from hub.errors import Conflict, ValidationFailed
from hub.permissions import Principal, require

# What a draft holds: the definition the editor changes (the guide has its own page).
DRAFTED = ("name", "promised_days", "yellow_days", "form", "stages")


def published(item: ServiceItem) -> dict[str, Any]:
    return {k: getattr(item, k) for k in DRAFTED}


def not_offered(item: ServiceItem, center: str) -> str | None:
    """Why a new case of ``item`` cannot be accepted at ``center``, or None."""
    if item.published_at is None:
        return "该事项尚未发布，暂不受理"
    if not item.active:
        return "该事项已停办，不再受理新的申请"
    if item.centers and center not in item.centers:
        return "本中心不受理该事项"
    return None


def offered_items(center: str | None = None) -> Select[tuple[ServiceItem]]:
    """The items new cases may be accepted for (at ``center``, if given)."""
    stmt = select(ServiceItem).where(ServiceItem.published_at.is_not(None),
                                     ServiceItem.active.is_(True))
    if center is not None:
        # The JSON list holds the center's code in quotes; None (or empty) is every center.
        stmt = stmt.where(or_(ServiceItem.centers.is_(None),
                              cast(ServiceItem.centers, String).contains(f'"{center}"')))
    return stmt


def problems(session: Session, definition: Mapping[str, Any]) -> dict[str, list[str]]:
    """What keeps ``definition`` from being published, given the directory as it is."""
    rows = session.execute(select(Department.code, Department.name, Department.active)).all()
    return consistency.publication_problems(
        definition, departments={c: a for c, _, a in rows},
        staffed=deciders.staffed_departments(session), names={c: n for c, n, _ in rows})


def create_draft(session: Session, actor: Principal, code: str,
                 definition: Mapping[str, Any]) -> ServiceItem:
    """A new item, not yet offered: its definition is a draft until published."""
    require(actor, "catalog.write")
    if session.get(ServiceItem, code) is not None:
        raise Conflict(f"事项代码 {code} 已存在")
    check_departments(session, definition)
    now = clock.now()
    body = {k: definition[k] for k in DRAFTED}
    item = ServiceItem(code=code, guide=None, version=1, created_at=now, updated_at=now,
                       draft=body, published_at=None, active=True, **body)
    session.add(item)
    audit.record(session, actor, "service_item.drafted", target_type="service_item",
                 target_id=code, after={"draft": body})
    session.commit()
    return item


def save_draft(session: Session, actor: Principal, code: str,
               definition: Mapping[str, Any]) -> ServiceItem:
    """Keep the editor's work as the item's draft; what is published does not change."""
    require(actor, "catalog.write")
    item = get_item(session, code)
    check_departments(session, definition)
    body = {k: definition[k] for k in DRAFTED}
    before, after = audit.changes({"draft": item.draft or published(item)}, {"draft": body})
    if after:
        item.draft = body
        item.updated_at = clock.now()
        audit.record(session, actor, "service_item.drafted", target_type="service_item",
                     target_id=code, before=before, after=after)
        session.commit()
    return item


def discard_draft(session: Session, actor: Principal, code: str) -> ServiceItem:
    """Drop the draft of a published item (the published definition stays)."""
    require(actor, "catalog.write")
    item = get_item(session, code)
    if item.draft is None:
        raise Conflict("该事项没有草稿")
    if item.published_at is None:
        raise Conflict("该事项尚未发布，草稿就是它的全部定义，不能放弃")
    before = {"draft": item.draft}
    item.draft = None
    item.updated_at = clock.now()
    audit.record(session, actor, "service_item.draft_discarded", target_type="service_item",
                 target_id=code, before=before)
    session.commit()
    return item


def publish(session: Session, actor: Principal, code: str) -> ServiceItem:
    """The draft becomes the definition new cases get (cases in flight keep theirs), once it
    holds together: a 422 names each inconsistency and nothing changes."""
    require(actor, "catalog.write")
    item = get_item(session, code)
    if item.draft is None:
        raise Conflict("没有待发布的草稿")
    draft = dict(item.draft)
    check_departments(session, draft)
    found = problems(session, draft)
    if found:
        raise ValidationFailed(found, detail="事项定义前后不一致，未发布")
    before = published(item)
    first = item.published_at is None
    for key in DRAFTED:
        setattr(item, key, draft[key])
    now = clock.now()
    if not first:
        item.version += 1
    item.draft, item.published_at, item.published_by = None, now, actor.username
    item.updated_at = now
    changed_before, changed_after = audit.changes(before, published(item))
    audit.record(session, actor, "service_item.published", target_type="service_item",
                 target_id=code, before=None if first else changed_before,
                 after={**(published(item) if first else changed_after),
                        "version": item.version})
    session.commit()
    return item


def set_availability(session: Session, actor: Principal, code: str, *, active: bool,
                     centers: Sequence[str] | None) -> ServiceItem:
    """Whether the item takes new cases, and at which centers (None: every one)."""
    require(actor, "catalog.write")
    item = get_item(session, code)
    chosen = sorted(set(centers)) if centers else None
    if chosen:
        known = set(session.scalars(select(Center.code).where(Center.code.in_(chosen))))
        unknown = [c for c in chosen if c not in known]
        if unknown:
            raise ValidationFailed({"centers": [f"未知的中心：{'、'.join(unknown)}"]})
    before, after = audit.changes({"active": item.active, "centers": item.centers},
                                  {"active": active, "centers": chosen})
    if after:
        item.active, item.centers = active, chosen
        item.updated_at = clock.now()
        audit.record(session, actor, "service_item.availability", target_type="service_item",
                     target_id=code, before=before, after=after)
        session.commit()
    return item


__all__ = ["DRAFTED", "create_draft", "discard_draft", "not_offered", "offered_items",
           "problems", "publish", "published", "save_draft", "set_availability"]
