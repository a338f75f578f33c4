"""Who and what, as the hall reads them: a login name shown as the person's name, a system
actor (``beat:warnings``, ``calendar:recompute``, ``adapter:binhe``…) as what the system
was doing, and an audit record's before/after as labelled values. One place, used by
every template through the filters ``person`` and ``audit_changes``.

The staff directory is read once per request, the first time a page names someone
(one query for the page, however many rows it has)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import g, has_request_context
from sqlalchemy import select

from hub import db
from hub.appointments.public import STATUS_LABELS as APPOINTMENT_LABELS
from hub.catalog.models import ServiceItem
from hub.directory.models import User
from hub.web import filters
from hub.web.blueprint import bp
from hub.web.present import names

# System actors (``Principal.system(name)``), by full name or by the part before ":".
SYSTEM_ACTORS = {
    "beat:warnings": "预警扫描", "beat:ticket-warnings": "工单预警扫描",
    "beat:disclosure-warnings": "信息公开申请预警扫描",
    "calendar:recompute": "工作日历调整后重算期限", "sync-reconciler": "数据同步核对",
    "outbound": "向业务系统推送", "public:rating": "群众评价", "public:web": "群众网上提交",
    "ratings": "差评自动转整改工单", "appointments:lapse": "预约爽约判定",
    "celery:schedule": "夜间定时同步", "cli:demo": "演示数据", "system": "系统",
}
SYSTEM_PREFIXES = {
    "beat": "定时任务", "calendar": "工作日历", "sync": "数据同步", "celery": "定时任务",
    "cli": "命令行操作", "public": "群众端", "appointments": "网上预约",
}
ANONYMOUS = {"anonymous": "未登录用户", "citizen": "群众（网上办事）", "": "—"}


def _directory() -> dict[str, str]:
    """username → display name of every member of staff (once per request)."""
    if has_request_context() and "web_people" in g:
        return g.web_people  # type: ignore[no-any-return]
    found = {u: n or u for u, n in db.session().execute(
        select(User.username, User.display_name)).all()}
    if has_request_context():
        g.web_people = found
    return found


def system_actor(name: str) -> str | None:
    """``系统（预警扫描）`` for a system actor; None for a person's login name."""
    if name in SYSTEM_ACTORS:
        return f"系统（{SYSTEM_ACTORS[name]}）"
    prefix, colon, rest = name.partition(":")
    if not colon:
        return None
    if prefix == "adapter":
        center = names()["centers"].get(rest, rest)
        return f"系统（{center}业务系统接口）"
    return f"系统（{SYSTEM_PREFIXES.get(prefix, '后台任务')}）"


def person(username: str | None, with_login: bool = False) -> str:
    """The name a page shows for whoever did something: the member of staff's display
    name (``with_login``: followed by the login name, where officials search by it), a
    system actor in words, ``—`` for nobody."""
    if username is None or username == "":
        return "—"
    if username in ANONYMOUS:
        return ANONYMOUS[username]
    system = system_actor(username)
    if system:
        return system
    name = _directory().get(username)
    if name is None:
        return username  # someone no longer in the directory: the record's own word
    return f"{name}（{username}）" if with_login and name != username else name


# ---------------------------------------------------------------------------------------
# Audit records: the target and the changed values in words.

TARGET_LABELS = {
    "application": "办件", "ticket": "工单", "user": "人员账号", "sync_run": "同步任务",
    "sync_quarantine": "隔离记录", "appointment": "网上预约", "disclosure_request": "信息公开申请",
    "disclosure_year": "政务公开年报", "prereview": "网上预审", "center": "中心",
    "department": "部门", "service_item": "办事事项", "calendar": "工作日历",
    "ticket_policy": "工单时限规则", "notice": "督办", "rating": "评价", "hall": "大厅窗口",
}

# The keys of records' before/after, labelled; those absent from both tables are shown
# under a generic label rather than by their code.
FIELD_LABELS = {
    "address": "地址", "adapter": "业务系统接口", "answer": "答复内容", "answer_days": "答复时限（工作日）",
    "answered_on": "答复日期", "appeal_status": "申诉结果", "applicant": "申请人",
    "application": "办件", "assignee": "承办人", "center": "中心", "center_code": "所在中心",
    "channel": "渠道", "code": "代码", "comment": "意见", "content": "内容", "date": "日期",
    "decision": "决定", "delay": "延迟（秒）", "department": "部门", "department_code": "部门",
    "display_name": "姓名", "document": "文书", "due_at": "办理期限", "due_on": "答复期限",
    "error": "错误", "excluded": "不计入统计", "extended": "已延期", "external_id": "业务系统编号",
    "failures": "连续失败次数", "fetched": "读取条数", "fields": "查看的信息",
    "form_changed": "补正修改的表单项", "format": "格式", "full": "全量同步", "hours": "办公时间",
    "inserted": "新增条数", "kind": "类型", "level": "级别", "locked_until": "锁定至",
    "materials": "材料", "name": "名称", "note": "说明", "notice": "督办编号", "number": "编号",
    "on_time": "按时", "other_matters": "其他事项", "outcome": "结果", "owner": "首问负责人",
    "paused_working_days": "暂停计时（工作日）", "phone": "电话", "position": "排序",
    "prereview": "网上预审", "promised_days": "承诺时限（工作日）", "rated": "评价对象",
    "reason": "原因", "reasons": "理由", "received_on": "收到日期", "rejected": "拒收条数",
    "requester": "申请人", "resubmitted_on": "补正日期", "result_number": "结果文书编号",
    "retry_after": "重试等待（秒）", "retry_of": "重试的同步", "roles": "角色",
    "service_item": "事项", "slot": "时段", "source": "来源", "stage": "审批阶段",
    "status": "状态", "stream": "数据流", "supplement_requested_on": "告知补正日期",
    "tasks_cancelled": "取消的审批任务", "tasks_released": "退回待领的任务", "trigger": "触发方式",
    "unchanged": "未变条数", "updated": "更新条数", "username": "登录名",
    "due_at_provisional": "期限暂定", "due_on_provisional": "期限暂定", "yellow_days": "黄牌预警（工作日）",
    "legal_days": "法定时限（工作日）", "fee": "收费", "basis": "设定依据", "windows": "窗口",
    "parent_code": "上级中心", "years": "年份", "holidays": "放假日期", "workdays": "调休上班日期",
    "marked_by": "登记人", "decided_by": "决定人", "lapsed": "过时未到自动记为爽约",
    "password": "密码", "was_required": "首次登录须修改",
}
# Where a key means something else on one kind of target (a sign-in's address is where
# it came from).
TARGET_FIELD_LABELS = {"user": {"address": "登录来源地址", "channel": "登录方式"}}
# Internal references a reader has no use for (ids, row versions, whole definitions).
HIDDEN_FIELDS = frozenset({
    "task_id", "notice_id", "version", "reply_id", "rating_id", "rectification_ticket_id",
    "tasks", "tasks_opened", "form", "stages", "guide", "draft", "proactive", "form_before",
    "form_after", "request_id",
})
PEOPLE_FIELDS = frozenset({"assignee", "owner", "marked_by", "decided_by", "to_user", "actor"})
CODE_LABELS: dict[str, dict[Any, str]] = {
    "level": {"district": "区级", "street": "街道", "yellow": "黄牌", "red": "红牌"},
    "slot": {"am": "上午", "pm": "下午"},
    "trigger": {"schedule": "定时", "manual": "手动", "retry": "重试"},
    "stream": {"staff": "工作人员", "applications": "办件"},
    "document": {"receipt": "受理通知书", "notice": "一次性告知书", "decision": "许可决定书"},
    "fields": {"name": "姓名", "id_number": "身份证号", "phone": "电话", "contact": "联系方式"},
    "source": {"chinese-calendar": "国务院节假日安排", "hub": "本系统"},
    "password": {"changed": "已修改"},
}
SIGNIN_CHANNELS = {"page": "工作台网页", "web": "网页", "api": "接口"}
SIGNIN_REASONS = {"wrong_password": "密码错误", "unknown_account": "账号不存在",
                  "account_left": "账号已离岗", "locked": "账号已临时锁定",
                  "pair": "同一地址对同一账号尝试过多", "address": "同一地址尝试过多"}
MAX_SHOWN = 8


def _labels_for(key: str, target_type: str) -> Mapping[Any, str] | None:
    if key == "status":
        table = {"application": "status", "ticket": "ticket", "user": "user",
                 "sync_run": "sync", "appointment": "appointment",
                 "prereview": "prereview"}.get(target_type, "task")
        return filters.LABEL_TABLES[table]
    if key == "decision":
        return filters.DECISION_LABELS
    if key == "channel":
        return SIGNIN_CHANNELS if target_type == "user" else filters.CHANNEL_LABELS
    if key == "reason" and target_type == "user":
        return SIGNIN_REASONS
    if key == "kind":
        return filters.KIND_LABELS
    if key == "outcome":
        return {**filters.OUTCOME_LABELS, **APPOINTMENT_LABELS}
    if key == "appeal_status":
        return filters.APPEAL_LABELS
    if key == "roles":
        return filters.ROLE_LABELS
    return CODE_LABELS.get(key)


def form_field_labels() -> dict[str, str]:
    """The labels of the items' one-form fields by name (once per request), for what a
    resubmission changed."""
    if has_request_context() and "web_form_labels" in g:
        return g.web_form_labels  # type: ignore[no-any-return]
    found: dict[str, str] = {}
    for form in db.session().scalars(select(ServiceItem.form)):
        for f in form or []:
            found.setdefault(f.get("name", ""), f.get("label") or f.get("name", ""))
    if has_request_context():
        g.web_form_labels = found
    return found


def value_text(key: str, value: Any, target_type: str = "") -> str:
    """One stored value in words: names for codes and people, 是/否, local times; a list
    or record summarised (personal data stays as stored: masked)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key in PEOPLE_FIELDS and isinstance(value, str):
        return person(value)
    if key in ("department", "department_code") and isinstance(value, str):
        return names()["departments"].get(value, value)
    if key in ("center", "center_code", "parent_code", "adapter") and isinstance(value, str):
        return names()["centers"].get(value, value)
    if key == "service_item" and isinstance(value, str):
        return names()["items"].get(value, value)
    if key in ("applicant", "requester") and isinstance(value, Mapping):
        parts = [value.get("name"), value.get("id_number"), value.get("phone"),
                 value.get("contact")]
        return " · ".join(str(p) for p in parts if p)
    if key == "materials" and isinstance(value, list):
        return f"{len(value)} 个文件"
    if key == "form_changed" and isinstance(value, list):
        known = form_field_labels()
        return "、".join(known.get(str(v), str(v)) for v in value)
    if key == "source" and isinstance(value, str) and value in names()["centers"]:
        return f"{names()['centers'][value]}业务系统"
    labels = _labels_for(key, target_type)
    if isinstance(value, list):
        if labels:
            return "、".join(labels.get(v, str(v)) for v in value)
        if len(value) > 6:
            return f"{len(value)} 项"
        return "、".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return f"{len(value)} 项"
    if key == "level" and isinstance(value, int):
        labels = filters.LEVEL_LABELS  # a rating's level, 1–5
    if labels and value in labels:
        return labels[value]
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and "T" in value:
        try:
            return filters.local_datetime(dt.datetime.fromisoformat(value))
        except ValueError:
            pass
    text = str(value)
    return text if len(text) <= 80 else text[:80] + "……"


def audit_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
                  target_type: str = "") -> list[tuple[str, str]]:
    """(label, text) of what a record wrote: ``旧 → 新`` where a value changed, the value
    where it was set; unchanged values, internal ids and nothing at all left out."""
    before, after = before or {}, after or {}
    shown: list[tuple[str, str]] = []
    for key in list(after) + [k for k in before if k not in after]:
        if key in HIDDEN_FIELDS:
            continue
        label = TARGET_FIELD_LABELS.get(target_type, {}).get(key) or FIELD_LABELS.get(
            key, "其他信息")
        new = value_text(key, after.get(key), target_type) if key in after else None
        old = value_text(key, before.get(key), target_type) if key in before else None
        if old is not None and new is not None:
            if old == new:
                continue
            shown.append((label, f"{old} → {new}"))
        elif new is not None:
            if new != "—":
                shown.append((label, new))
        elif old is not None and old != "—":
            shown.append((label, f"原为 {old}"))
    return shown[:MAX_SHOWN]


def target_text(target_type: str, target_id: str, after: Mapping[str, Any] | None = None,
                before: Mapping[str, Any] | None = None) -> str:
    """``人员账号 南塔窗口（clerk-nanta）``, ``工单 RX20261203-0018``: what a record is about."""
    kind = TARGET_LABELS.get(target_type, "对象")
    if target_type == "user":
        return f"{kind} {person(target_id, with_login=True)}"
    if target_type in ("department", "center", "service_item"):
        table = {"department": "departments", "center": "centers", "service_item": "items"}
        return f"{kind} {names()[table[target_type]].get(target_id, target_id)}"
    number = (after or {}).get("number") or (before or {}).get("number")
    if number:
        return f"{kind} {number}"
    if target_type == "sync_run":
        return f"{kind}（第 {target_id} 次）"
    return kind if len(target_id) > 20 else f"{kind} {target_id}"


# Registered with the pages' blueprint for every template of the app (this module is
# imported with the pages, by hub/web/audit.py).
bp.add_app_template_filter(person, "person")
bp.add_app_template_filter(audit_changes, "audit_changes")
bp.add_app_template_filter(target_text, "audit_target")
