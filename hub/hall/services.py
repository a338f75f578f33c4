"""The hall's services: the windows of a center, an item's guide with where to go, the
appointment capacity of an item, and the guides' coverage for officials."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.catalog.models import ServiceItem
from hub.catalog.publication import offered_items
from hub.directory.models import Center, Department
from hub.errors import NotFound, ValidationFailed
from hub.hall.floorplan import WindowSpot
from hub.hall.models import HallWindow
from hub.permissions import Principal, require

# What a complete guide (办事指南要素齐全) holds, with the words officials read.
GUIDE_PARTS = {"legal_days": "法定时限", "fee": "收费标准", "basis": "设定依据",
               "materials": "申请材料", "windows": "办理窗口"}


def get_center(session: Session, code: str) -> Center:
    center = session.get(Center, code)
    if center is None:
        raise NotFound(f"中心 {code} 不存在")
    return center


def public_centers(session: Session) -> list[Center]:
    return list(session.scalars(select(Center).order_by(Center.position, Center.code)))


def windows_of(session: Session, center: str) -> list[HallWindow]:
    """A center's windows, floor by floor in the administrator's order."""
    return list(session.scalars(select(HallWindow).where(HallWindow.center_code == center)
                                .order_by(HallWindow.floor, HallWindow.position)))


def spots(windows: Iterable[HallWindow]) -> list[WindowSpot]:
    return [WindowSpot(w.window, w.floor, w.name, tuple(w.service_items)) for w in windows]


def _summary(window: HallWindow | Mapping[str, Any]) -> dict[str, Any]:
    get = window.get if isinstance(window, Mapping) else lambda k: getattr(window, k)
    return {k: get(k) for k in ("window", "floor", "name", "service_items", "capacity_per_slot")}


def replace_windows(session: Session, actor: Principal, center: str,
                    windows: Sequence[Mapping[str, Any]]) -> list[HallWindow]:
    """Replace a center's windows (admin), audited; every item must be in the catalog."""
    require(actor, "hall.write")
    get_center(session, center)
    known = set(session.scalars(select(ServiceItem.code)))
    errors: dict[str, list[str]] = {}
    numbers = [w["window"] for w in windows]
    for index, window in enumerate(windows):
        unknown = [i for i in window["service_items"] if i not in known]
        if unknown:
            errors[f"{index}.service_items"] = [f"未知的办事事项：{'、'.join(unknown)}"]
        if numbers.count(window["window"]) > 1:
            errors[f"{index}.window"] = [f"窗口号 {window['window']} 重复"]
    if errors:
        raise ValidationFailed(errors)
    before = [_summary(w) for w in windows_of(session, center)]
    after = [_summary(w) for w in windows]
    if before == after:
        return windows_of(session, center)
    now = clock.now()
    session.execute(delete(HallWindow).where(HallWindow.center_code == center))
    session.add_all(HallWindow(center_code=center, position=index, created_at=now,
                               updated_at=now, **_summary(w)) for index, w in enumerate(windows))
    audit.record(session, actor, "hall.windows_replaced", target_type="center", target_id=center,
                 center=center, before={"windows": before}, after={"windows": after})
    session.commit()
    return windows_of(session, center)


def capacity(session: Session, center: str, item: str) -> int:
    """An item's appointment places in one half-day slot at a center: the sum of
    ``capacity_per_slot`` over the windows that handle it."""
    return places(((w.capacity_per_slot, w.service_items) for w in windows_of(session, center)),
                  item)


def places(windows: Iterable[tuple[int, Iterable[str] | None]], item: str) -> int:
    """``capacity`` from a center's windows as (capacity_per_slot, service_items) pairs,
    read by the caller (the booking reads them with the center and the item)."""
    return sum(per_slot for per_slot, items in windows if items and item in items)


def bookable_items(session: Session) -> set[str]:
    """The items that can be booked online somewhere: those a window with appointment
    places handles (``capacity`` above 0 at some center)."""
    return {code for w in session.scalars(select(HallWindow)
                                          .where(HallWindow.capacity_per_slot > 0))
            for code in w.service_items}


def _all_windows(session: Session) -> list[Any]:
    return list(session.execute(
        select(HallWindow, Center.name).join(Center, Center.code == HallWindow.center_code)
        .order_by(Center.position, HallWindow.floor, HallWindow.position)).all())


def missing_parts(guide: Mapping[str, Any] | None, windows: int) -> list[str]:
    """What a guide lacks to be complete (办事指南要素齐全), in officials' words."""
    guide = guide or {}
    missing = [label for key, label in GUIDE_PARTS.items()
               if key != "windows" and not guide.get(key)]
    if not windows:
        missing.append(GUIDE_PARTS["windows"])
    return missing


def guide_of(session: Session, code: str) -> dict[str, Any]:
    """An item's guide as citizens read it: what to bring, where to go, how long, the stages."""
    item = session.get(ServiceItem, code)
    if item is None:
        raise NotFound(f"办事事项 {code} 不存在")
    guide = item.guide or {}
    departments = dict(session.execute(select(Department.code, Department.name)).all())
    handling = [(w, name) for w, name in _all_windows(session) if code in w.service_items]
    return {
        "code": item.code, "name": item.name, "promised_days": item.promised_days,
        "legal_days": guide.get("legal_days"), "fee": guide.get("fee"),
        "basis": guide.get("basis"), "materials": guide.get("materials") or [],
        "windows": [{"center": w.center_code, "center_name": name, "floor": w.floor,
                     "window": w.window, "name": w.name} for w, name in handling],
        "stages": [{"mode": s["mode"], "tasks": [
            {"department": t["department"],
             "department_name": departments.get(t["department"], t["department"]),
             "days": t["days"]} for t in s["tasks"]]} for s in item.stages],
        "complete": not missing_parts(guide, len(handling)),
        "bookable": any(w.capacity_per_slot > 0 for w, _ in handling),
    }


def coverage(session: Session) -> dict[str, Any]:
    """The guides' coverage (四个全覆盖 as the public sees it): items with a complete guide,
    items that can be pre-reviewed online (a complete guide says what to upload) and
    booked online (a window with appointment places handles them)."""
    windows = [w for w, _ in _all_windows(session)]
    # The items the hall takes cases for: a draft not yet published is not on board yet.
    items = list(session.scalars(offered_items().order_by(ServiceItem.code)))
    complete = prereview = booking = 0
    incomplete = []
    for item in items:
        handling = [w for w in windows if item.code in w.service_items]
        missing = missing_parts(item.guide, len(handling))
        complete += not missing
        prereview += not missing
        booking += any(w.capacity_per_slot > 0 for w in handling)
        if missing:
            incomplete.append({"code": item.code, "name": item.name, "missing": missing})
    return {"items": len(items), "complete_guides": complete, "prereview_online": prereview,
            "booking_online": booking, "incomplete": incomplete}


__all__ = ["GUIDE_PARTS", "bookable_items", "capacity", "coverage", "get_center", "guide_of",
           "missing_parts", "public_centers", "replace_windows", "spots", "windows_of"]
