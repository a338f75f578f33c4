"""The audit viewer (审计记录) for officials and administrators, over the same filters as
``GET /api/v1/audit``: who acted, what, on which target, when; who looked at a citizen's
personal data in full (the citizen shown masked here too) and who decided what."""
from __future__ import annotations

import uuid
from typing import Any

from flask import render_template, request
from sqlalchemy import select

from hub import db, privacy
from hub.approvals.models import Application
from hub.audit.models import AuditRecord
from hub.audit.schemas import AuditQuerySchema
from hub.audit.services import trail_query
from hub.directory.models import User
from hub.errors import ValidationFailed
from hub.pagination import paginate
from hub.supervision.indicators import period_bounds
from hub.tickets.models import Ticket
from hub.web import forms
from hub.web.blueprint import bp, page
from hub.web.display import TARGET_LABELS, audit_changes, person, target_text
from hub.web.filters import ACTION_LABELS
from hub.web.present import names

INPUTS = ("actor", "action", "target", "from", "to")
# The questions the viewer is opened for, one click each.
SHORTCUTS = (
    ("application.applicant_viewed", "谁查看了公民完整信息"),
    ("task.*", "谁作出了审批决定"),
    ("notice.*", "督办与答复"),
    ("user.*", "人员账号变更"),
    ("sync.*", "数据同步与隔离复核"),
)
# The action filter's choices: the questions above, then every known action by its
# label (grouped under what it acts on), so nobody types an action code.
GROUPS = {"application": "办件", "task": "审批", "warning": "预警", "deadline": "办件",
          "notice": "督办", "signin": "登录", "user": "人员账号", "sync": "数据同步",
          "disclosure": "政府信息公开", "ticket": "热线工单", "rating": "好差评",
          "appointment": "网上预约", "prereview": "网上预审", "service_item": "办事事项",
          "department": "部门", "center": "中心", "calendar": "工作日历", "hall": "大厅",
          "ticket_policy": "热线工单"}


def action_choices() -> list[tuple[str, str]]:
    """(value, text) of the action select: the shortcuts, then each action."""
    def group(action: str) -> str:
        return GROUPS.get(action.split(".", 1)[0], "其他")

    known = sorted(ACTION_LABELS, key=lambda a: (list(GROUPS.values()).index(group(a))
                                                 if group(a) in GROUPS.values() else 99, a))
    return ([(a, f"{label}（全部）" if a.endswith("*") else label) for a, label in SHORTCUTS]
            + [(a, f"{group(a)}：{ACTION_LABELS[a]}") for a in known])


DECISIONS = {"task.approved": "同意", "task.rejected": "不同意",
             "task.supplement_requested": "要求补正"}


def _query() -> tuple[dict[str, Any], dict[str, str], forms.Errors]:
    """The filters through the API's schema; a case number is looked up to its id."""
    raw = {k: request.args[k].strip() for k in INPUTS if (request.args.get(k) or "").strip()}
    actor = raw.get("actor")
    if actor:  # a name, as the hall knows people, or a login name
        found_user = db.session().scalar(select(User.username).where(
            User.display_name == actor).order_by(User.username).limit(1))
        known = db.session().scalar(select(User.username).where(User.username == actor))
        if found_user and not known:
            raw = {**raw, "actor": found_user}
    target = raw.get("target")
    if target:
        try:
            uuid.UUID(target)
        except ValueError:  # a case number, as the hall writes them
            found = db.session().scalar(select(Application.id).where(
                Application.number == target.upper()))
            raw["target"] = str(found) if found else target
    try:
        return forms.load(AuditQuerySchema(), raw), raw, {}
    except ValidationFailed as exc:
        return {}, raw, forms.place(exc.errors, INPUTS)


def _target_ids(records: list[AuditRecord], target_type: str) -> list[uuid.UUID]:
    """The ids of the page's records about ``target_type`` (uuids only)."""
    ids = []
    for rec in records:
        if rec.target_type == target_type:
            try:
                ids.append(uuid.UUID(rec.target_id))
            except ValueError:
                continue
    return ids


def _cases(records: list[AuditRecord]) -> dict[str, dict[str, Any]]:
    """The cases the page's records are about: number, and the applicant masked."""
    ids = _target_ids(records, "application")
    if not ids:
        return {}
    rows = db.session().execute(select(
        Application.id, Application.number, Application.applicant_name,
        Application.applicant_id_masked).where(Application.id.in_(ids)))
    return {str(i): {"number": n, "applicant": privacy.mask_name(name), "id_number": masked}
            for i, n, name, masked in rows}


def _ticket_numbers(records: list[AuditRecord]) -> dict[str, str]:
    """The numbers of the tickets the page's records are about (one query)."""
    ids = _target_ids(records, "ticket")
    if not ids:
        return {}
    rows = db.session().execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ids)))
    return {str(i): n for i, n in rows}


def _summary(rec: AuditRecord, case: dict[str, Any] | None) -> str:
    """One line saying what the record did, in the hall's words."""
    after, before = rec.after or {}, rec.before or {}
    if rec.action == "application.applicant_viewed":
        who = f"{case['applicant']}（身份证 {case['id_number'] or '—'}）" if case else "申请人"
        return f"查看了 {who} 的完整身份证号和电话"
    if rec.action in DECISIONS:
        department = names()["departments"].get(before.get("department")
                                                or after.get("department", ""), "")
        comment = after.get("comment")
        return f"{department}：{DECISIONS[rec.action]}" + (f"，意见“{comment}”" if comment else "")
    if rec.action.startswith("notice."):
        text = after.get("answer") or after.get("content") or ""
        return f"督办 {after.get('notice', '')}：{text[:80]}"
    if rec.action == "task.released":
        reason = after.get("reason")
        return (f"{person(before.get('assignee'))} 名下任务退回部门待办池"
                + (f"（{reason}）" if reason else ""))
    return "；".join(f"{label}：{text}"
                    for label, text in audit_changes(before, after, rec.target_type))


@bp.route("/audit")
@page("audit.read")
def audit_viewer() -> Any:
    """The audit trail, newest first, filtered and paged both ways."""
    query, raw, errors = _query()
    lower, upper = period_bounds(query.get("start"), query.get("end"))
    stmt = trail_query(actor=query.get("actor"), action=query.get("action"),
                       target=query.get("target"), start=lower, end=upper)
    result = paginate(db.session(), stmt, [AuditRecord.id], limit=50,
                      cursor=request.args.get("cursor") or None, descending=True)
    records = list(result["items"])
    cases, tickets = _cases(records), _ticket_numbers(records)
    rows = [{"record": r, "case": cases.get(r.target_id),
             "who": person(r.actor, with_login=True),
             "target": target_text(r.target_type, r.target_id,
                                   {"number": tickets[r.target_id]}
                                   if r.target_id in tickets else r.after, r.before),
             "summary": _summary(r, cases.get(r.target_id))} for r in records]
    return render_template("audit/list.html", nav="audit", rows=rows, result=result, raw=raw,
                           errors=errors, shortcuts=SHORTCUTS, actions=action_choices(),
                           target_labels=TARGET_LABELS,
                           names=names()), 422 if errors else 200
