"""The catalog's services: define and change service items, checked against the directory."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.catalog.models import ServiceItem
from hub.directory import deciders
from hub.directory.models import Department
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.permissions import Principal, require

_DEFINITION = ("name", "promised_days", "form", "stages", "yellow_days", "guide")


def _snapshot(item: ServiceItem) -> dict[str, Any]:
    return {k: getattr(item, k) for k in _DEFINITION}


def check_departments(session: Session, definition: Mapping[str, Any]) -> None:
    """Every department a stage or a form field names must be in the directory."""
    known = set(session.scalars(select(Department.code)))
    errors: dict[str, list[str]] = {}
    for s, stage in enumerate(definition["stages"]):
        for t, task in enumerate(stage["tasks"]):
            if task["department"] not in known:
                errors[f"stages.{s}.tasks.{t}.department"] = [f"未知的部门：{task['department']}"]
    for f, field in enumerate(definition.get("form") or []):
        unknown = [d for d in field.get("departments", []) if d not in known]
        if unknown:
            errors[f"form.{f}.departments"] = [f"未知的部门：{'、'.join(unknown)}"]
    if errors:
        raise ValidationFailed(errors)


def routing_warnings(session: Session, stages: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The steps of ``stages`` that nobody can act on: their department has no active
    approver or chief, so a case reaching them would wait with its clock running (无人可办).
    A warning, not a refusal: staff may be on their way."""
    names = dict(session.execute(select(Department.code, Department.name)).all())
    nobody = set(deciders.unstaffed(
        session, [t["department"] for stage in stages for t in stage["tasks"]]))
    return [{"stage": number, "department": task["department"], "kind": "no_active_approver",
             "detail": f"第 {number} 阶段：{names.get(task['department'], task['department'])}"
                       "没有在岗的审批人员或首席代表，办件到此环节将无人可办"}
            for number, stage in enumerate(stages, start=1) for task in stage["tasks"]
            if task["department"] in nobody]


def list_items() -> Select[tuple[ServiceItem]]:
    return select(ServiceItem)


def get_item(session: Session, code: str) -> ServiceItem:
    item = session.get(ServiceItem, code)
    if item is None:
        raise NotFound(f"办事事项 {code} 不存在")
    return item


def create_item(session: Session, actor: Principal, definition: Mapping[str, Any]) -> ServiceItem:
    require(actor, "catalog.write")
    if session.get(ServiceItem, definition["code"]) is not None:
        raise Conflict(f"事项代码 {definition['code']} 已存在")
    check_departments(session, definition)
    now = clock.now()
    # Through the API an item is published as it is defined (the editor keeps a draft).
    item = ServiceItem(code=definition["code"], created_at=now, updated_at=now, version=1,
                       published_at=now, published_by=actor.username, active=True,
                       **{k: definition.get(k) for k in _DEFINITION})
    session.add(item)
    audit.record(session, actor, "service_item.created", target_type="service_item",
                 target_id=item.code, after=_snapshot(item))
    session.commit()
    return item


def replace_item(session: Session, actor: Principal, code: str,
                 definition: Mapping[str, Any]) -> ServiceItem:
    """Replace an item's definition. Cases already submitted keep the stages they began with."""
    require(actor, "catalog.write")
    if definition.get("code") not in (None, code):
        raise ValidationFailed({"code": ["事项代码与地址中的不一致"]})
    item = get_item(session, code)
    check_departments(session, definition)
    before = _snapshot(item)
    for key in _DEFINITION:
        setattr(item, key, definition.get(key))
    changed_before, changed_after = audit.changes(before, _snapshot(item))
    if item.published_at is None:  # replaced through the API: published as it is
        item.published_at, item.published_by = clock.now(), actor.username
    if changed_after:
        item.version += 1
        item.updated_at = clock.now()
        audit.record(session, actor, "service_item.updated", target_type="service_item",
                     target_id=code, before=changed_before, after=changed_after)
        session.commit()
    return item


def set_guide(session: Session, actor: Principal, code: str,
              guide: Mapping[str, Any]) -> ServiceItem:
    """Replace an item's guide (办事指南), audited."""
    require(actor, "catalog.write")
    item = get_item(session, code)
    before, after = audit.changes({"guide": item.guide}, {"guide": dict(guide)})
    if after:
        item.guide = dict(guide)
        item.version += 1
        item.updated_at = clock.now()
        audit.record(session, actor, "service_item.guide_updated", target_type="service_item",
                     target_id=code, before=before, after=after)
        session.commit()
    return item


def company_fields(session: Session) -> dict[str, str]:
    """``{item: field}``: the field of each item's one form that holds the company's
    name (``company``), for the window's search."""
    found: dict[str, str] = {}
    for code, form in session.execute(select(ServiceItem.code, ServiceItem.form)):
        name = next((f["name"] for f in form or [] if f.get("company")), None)
        if name:
            found[code] = name
    return found
