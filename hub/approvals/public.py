"""What a citizen sees of their case with its receipt code (进度查询): the stages, each
department's step, the due date, the reasons of a rejection or of a supplement request;
of the applicant, only the masked name."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hub import privacy
from hub.approvals import routing
from hub.approvals.models import Application
from hub.catalog.models import ServiceItem
from hub.directory.models import Center, Department
from hub.public.progress import Found

# A case's number: the center's code in capitals, the day of acceptance, the sequence.
NUMBER_PATTERN = r"[A-Z][A-Z0-9_-]*-\d{8}-\d{4,}"

STATUS_LABELS = {
    "in_review": "审批中", "supplement_requested": "待补正", "approved": "已办结（准予）",
    "rejected": "已办结（不予）", "withdrawn": "已撤回",
}
TASK_STATUS_LABELS = {
    "pending": "待办", "approved": "同意", "rejected": "不同意",
    "supplement_requested": "要求补正", "cancelled": "已取消", "planned": "尚未开始",
}


def lookup(session: Session, number: str) -> Found | None:
    """The case numbered ``number`` (cases synced from a center's own system have no
    receipt code, so they are never shown)."""
    app = session.scalars(select(Application).where(
        Application.number == number, Application.deleted_at.is_(None))
        .options(selectinload(Application.tasks))).one_or_none()
    if app is None:
        return None
    return Found(app.receipt_code_hash, lambda: public_view(session, app))


def _names(session: Session, model: Any, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(session.execute(select(model.code, model.name).where(model.code.in_(codes))).all())


def public_view(session: Session, app: Application) -> dict[str, Any]:
    stages_defined = (app.routing or {}).get("stages") or []
    departments = {t.department_code for t in app.tasks} | {
        t["department"] for s in stages_defined for t in s.get("tasks", [])}
    dept_names = _names(session, Department, departments)
    item = session.get(ServiceItem, app.service_item_code)
    center = session.get(Center, app.center_code)
    return {
        "type": "application", "number": app.number, "status": app.status,
        "status_label": STATUS_LABELS.get(app.status, app.status),
        "center": app.center_code, "center_name": center.name if center else app.center_code,
        "service_item": app.service_item_code,
        "service_item_name": item.name if item else app.service_item_code,
        "name": privacy.mask_name(app.applicant_name), "received_at": app.submitted_at,
        "due_at": app.due_at, "due_at_provisional": app.due_at_provisional,
        "concluded_at": app.concluded_at,
        "stages": _stages(app, stages_defined, dept_names), "replies": [],
        "reasons": _reasons(app),
        "details": {"result_number": app.result_number} if app.result_number else {},
    }


def _stages(app: Application, defined: list[Mapping[str, Any]],
            names: Mapping[str, str]) -> list[dict[str, Any]]:
    stages = []
    for number, stage in enumerate(defined, start=1):
        opened = [t for t in app.tasks if t.stage == number]
        if opened:
            steps = [(t.department_code, t.status) for t in opened]
        else:
            steps = [(t["department"], "planned") for t in stage.get("tasks", [])]
        if not opened:
            state = "planned"
        elif number == app.stage and app.status in routing.OPEN_STATUSES:
            state = "current"
        else:
            state = "done"
        stages.append({"stage": number, "status": state, "steps": [
            {"department": code, "name": names.get(code, code), "status": status,
             "status_label": TASK_STATUS_LABELS.get(status, status)} for code, status in steps]})
    return stages


def _reasons(app: Application) -> list[str]:
    """Why the case waits (what to supplement) or why it was rejected."""
    if app.status == routing.SUPPLEMENT_REQUESTED:
        return [t.comment for t in app.tasks
                if t.status == routing.SUPPLEMENT_REQUESTED and t.comment]
    if app.status == routing.REJECTED:
        return [t.comment for t in app.tasks if t.status == routing.REJECTED and t.comment]
    return []
