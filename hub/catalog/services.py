"""The catalog's services: define and change service items, checked against the directory."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.catalog.models import ServiceItem
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
    item = ServiceItem(code=definition["code"], created_at=now, updated_at=now, version=1,
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
    if changed_after:
        item.version += 1
        item.updated_at = clock.now()
        audit.record(session, actor, "service_item.updated", target_type="service_item",
                     target_id=code, before=changed_before, after=changed_after)
        session.commit()
    return item
