"""What templates show: Asia/Shanghai times, Chinese labels, colours, versioned assets."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, url_for

from hub import clock
from hub.approvals.public import STATUS_LABELS, TASK_STATUS_LABELS
from hub.ratings.models import APPEAL_EXCLUDED, APPEAL_KEPT, APPEAL_PENDING, LEVEL_LABELS
from hub.tickets.public import CHANNEL_LABELS, KIND_LABELS, OUTCOME_LABELS
from hub.tickets.public import STATUS_LABELS as TICKET_STATUS_LABELS
from hub.timezones import SHANGHAI

WARNING_LABELS = {"yellow": "黄牌", "red": "红牌", None: "正常"}
ROLE_LABELS = {
    "clerk": "窗口受理", "operator": "话务员", "approver": "审批人", "chief": "首席代表",
    "supervisor": "监察（领导）", "admin": "系统管理员", "adapter": "数据接口",
}
# What each role does in the hall, for the account page.
ROLE_DUTIES = {
    "clerk": "窗口受理、补正、撤回与打印文书", "operator": "受理热线工单",
    "approver": "审批本部门的待办", "chief": "查看本部门全部待办并指派",
    "supervisor": "查看各中心的电子监察数据（只读）", "admin": "维护人员、部门、事项与工作日历",
    "adapter": "同步本中心业务系统的数据",
}
MODE_LABELS = {"all": "会签（全部同意）", "any": "或签（一个同意）"}
FIELD_TYPE_LABELS = {
    "string": "文本", "text": "多行文本", "integer": "整数", "number": "数字", "date": "日期",
    "boolean": "是/否", "choice": "选择", "credit_code": "统一社会信用代码",
}
USER_STATUS_LABELS = {"active": "在岗", "left": "已离岗"}
APPOINTMENT_STATUS_LABELS = {"booked": "已预约", "cancelled": "已取消", "arrived": "已到场",
                             "no_show": "爽约"}
PREREVIEW_STATUS_LABELS = {"submitted": "待审查", "passed": "预审通过", "returned": "已退回",
                           "accepted": "已转受理"}
SYNC_STATUS_LABELS = {"running": "同步中", "succeeded": "成功", "failed": "失败"}
DECISION_LABELS = {"approve": "同意", "reject": "不同意", "request_supplement": "要求补正"}
APPEAL_LABELS = {APPEAL_PENDING: "申诉待决定", APPEAL_EXCLUDED: "申诉成立，不计入",
                 APPEAL_KEPT: "申诉不成立"}
WEEKDAYS = "一二三四五六日"
ACTION_LABELS = {
    "application.submitted": "窗口受理", "application.stage_opened": "进入下一审批阶段",
    "application.approved": "办结：准予许可，出具结果", "application.rejected": "办结：不予许可",
    "application.withdrawn": "申请人撤回", "application.resubmitted": "补正材料后重新提交",
    "application.supplement_requested": "暂停计时，等待补正",
    "application.in_review": "恢复审批",
    "application.applicant_viewed": "查看申请人完整信息",
    "application.receipt_reissued": "重新签发查询码（原码作废）", "task.approved": "部门审批：同意",
    "task.rejected": "部门审批：不同意", "task.supplement_requested": "部门审批：要求补正",
    "task.assigned": "首席代表指派审批人", "task.claimed": "审批人领取任务",
    "task.released": "任务退回部门待领", "task.cancelled": "审批任务取消",
    "warning.yellow": "黄牌预警", "warning.red": "红牌预警",
    "deadline.recomputed": "办理期限随工作日历调整",
    "disclosure.registered": "登记政府信息公开申请", "disclosure.extended": "批准延长答复期限",
    "disclosure.supplement_requested": "告知申请人补正，暂停计时",
    "disclosure.resubmitted": "收到补正后的申请，重新计时", "disclosure.answered": "答复",
    "disclosure.requester_viewed": "查看申请人完整信息",
    "disclosure.due_recomputed": "答复期限随工作日历调整",
    "disclosure.warning.yellow": "黄牌预警", "disclosure.warning.red": "红牌预警",
    "ticket.received": "登记工单", "ticket.assigned": "交办部门", "ticket.transferred": "转办（首问负责人变更）",
    "ticket.replied": "答复", "ticket.closed": "回访后办结", "ticket.reopened": "回访不满意，重新办理",
    "ticket.caller_viewed": "查看来电人完整信息", "ticket.receipt_reissued": "重新签发查询码",
    "ticket.warning.yellow": "黄牌预警", "ticket.warning.red": "红牌预警",
    "ticket.deadline_recomputed": "答复期限随工作日历调整",
    "ticket.minxin_imported": "导入民心网工单",
    "rating.received": "收到评价", "rating.appealed": "中心申诉评价",
    "rating.appeal_excluded": "申诉成立，评价不计入", "rating.appeal_kept": "申诉不成立，评价保留",
    "signin.succeeded": "登录成功", "signin.failed": "登录失败", "signin.throttled": "登录尝试被限制",
    "signin.signed_out": "退出登录", "user.password_changed": "修改本人密码",
    "signin.locked": "多次登录失败，账号临时锁定", "signin.unlocked": "管理员解除登录锁定",
    "application.document_printed": "打印文书",
    "application.deadline_recomputed": "办理期限随工作日历调整",
    "notice.issued": "签发督办",
    "notice.answered": "答复督办", "user.created": "新增人员账号", "user.updated": "人员账号变更",
    "department.created": "新增部门", "service_item.created": "新增办事事项",
    "service_item.updated": "修改办事事项", "center.created": "新增中心",
    "center.updated": "中心信息变更", "sync.run_started": "开始同步",
    "sync.run_succeeded": "同步成功", "sync.run_failed": "同步失败",
    "sync.quarantine_resolved": "隔离记录复核关闭",
    "sync.applications_written": "同步写入办件", "application.materials_attached": "关联网上预审材料",
    "appointment.booked": "网上预约", "appointment.cancelled": "取消预约",
    "appointment.code_reissued": "重新签发预约查询码", "appointment.arrived": "预约到场",
    "appointment.no_show": "预约爽约", "prereview.submitted": "提交网上预审",
    "prereview.passed": "网上预审通过", "prereview.returned": "网上预审退回",
    "prereview.accepted": "网上预审转为受理", "calendar.seeded": "载入法定节假日",
    "calendar.published": "发布工作日历", "hall.windows_replaced": "更新大厅窗口",
    "disclosure.year_kept": "保存年度报告数据", "service_item.drafted": "保存事项草稿",
    "service_item.published": "发布事项", "service_item.draft_discarded": "放弃事项草稿",
    "service_item.guide_updated": "修改办事指南", "service_item.availability": "调整事项受理范围",
    "ticket_policy.changed": "修改工单答复时限",
}


def local_datetime(value: dt.datetime | None, with_seconds: bool = False) -> str:
    """``2026-11-30 09:00`` in Asia/Shanghai; an empty string for nothing."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    local = value.astimezone(SHANGHAI)
    return local.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def local_date(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.astimezone(SHANGHAI).date()
    return f"{value:%Y-%m-%d}（周{WEEKDAYS[value.weekday()]}）"


def local_day(value: dt.datetime | None) -> dt.date | None:
    """The Asia/Shanghai day of an instant (a document's dates)."""
    return None if value is None else value.astimezone(SHANGHAI).date()


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def number(value: float | int | None, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{places}f}" if isinstance(value, float) else str(value)


LABEL_TABLES: dict[str, dict[Any, str]] = {
    "status": STATUS_LABELS, "task": TASK_STATUS_LABELS, "warning": WARNING_LABELS,
    "role": ROLE_LABELS, "mode": MODE_LABELS, "type": FIELD_TYPE_LABELS,
    "user": USER_STATUS_LABELS, "sync": SYNC_STATUS_LABELS, "decision": DECISION_LABELS,
    "ticket": TICKET_STATUS_LABELS, "kind": KIND_LABELS, "channel": CHANNEL_LABELS,
    "outcome": OUTCOME_LABELS, "level": LEVEL_LABELS, "appeal": APPEAL_LABELS,
    "appointment": APPOINTMENT_STATUS_LABELS, "prereview": PREREVIEW_STATUS_LABELS}


def label(value: Any, table: str) -> str:
    return LABEL_TABLES[table].get(value, "" if value is None else str(value))


@functools.cache
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def ordered_errors(errors: dict[str, list[str]] | None, inputs: list[str]
                   ) -> list[tuple[str, str]]:
    """(input, message) pairs in the order the form shows its inputs; messages of no
    input (the form as a whole) first."""
    order = {name: n for n, name in enumerate(inputs)}
    keys = sorted(errors or {}, key=lambda k: order.get(k, -1))
    return [(k, m) for k in keys for m in (errors or {})[k]]


def field_labels(fields: list[dict[str, Any]] | None, prefix: str = "form.") -> dict[str, str]:
    """``{"form.<name>": label}`` of a one form's fields, for an error summary."""
    return {f"{prefix}{f['name']}": f.get("label", f["name"]) for f in fields or []}


def field_rules(field: dict[str, Any]) -> str:
    """What an item allows in a field, in words: its range, not before today, a credit code."""
    low, high = field.get("min"), field.get("max")
    if low is not None and high is not None:
        return f"范围 {low}–{high}"
    if low is not None:
        return f"不小于 {low}"
    if high is not None:
        return f"不大于 {high}"
    if field.get("not_past"):
        return "不早于受理当日"
    if field.get("type") == "credit_code":
        return "18 位数字或大写字母，含校验位"
    return ""


# What the hall calls the inputs and API fields a message may be keyed by, for an error
# page or a summary whose page gave no label of its own (a page's labels come first).
INPUT_LABELS = {
    "application": "办件", "application_id": "办件", "department": "部门", "center": "中心",
    "content": "内容", "answer": "答复内容", "answer_days": "答复时限", "version": "版本",
    "reason": "原因", "comment": "意见", "decision": "决定", "assignee": "指派给",
    "from": "起始日期", "to": "截止日期", "start": "起始日期", "end": "截止日期",
    "cursor": "分页位置", "status": "状态", "service_item": "事项", "form": "申请表",
    "applicant": "申请人", "name": "姓名", "id_number": "身份证号码", "phone": "联系电话",
    "channel": "渠道", "kind": "类型", "subject": "事由", "description": "所需信息描述",
    "received_on": "收到日期", "answered_on": "答复日期", "outcome": "答复结果", "on": "日期",
    "actor": "操作人", "action": "动作", "target": "对象", "username": "登录名",
    "password": "密码", "display_name": "姓名", "roles": "角色", "code": "代码",
    "date": "日期", "slot": "时段", "note": "说明", "file": "文件", "year": "年度",
}


def input_label(key: str) -> str:
    """The Chinese name of an input or API field (``form.shop_name`` by its last part,
    ``applicant.name`` whole first); empty for a key the hall has no word for (and for
    ``_schema``: the form as a whole)."""
    if key in INPUT_LABELS:
        return INPUT_LABELS[key]
    last = key.rsplit(".", 1)[-1]
    return "" if last.isdigit() else INPUT_LABELS.get(last, "")


def validation_detail(errors: dict[str, list[str]] | None) -> str:
    """An error page's sentence for a refused form: the fields by their names."""
    shown = [input_label(k) for k in errors or {}]
    named = "、".join(dict.fromkeys(n for n in shown if n))
    return f"以下内容有误：{named}" if named else "提交的内容有误，请按下列说明修改后重试。"


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def _department_names(codes: list[str] | None) -> str:
    from hub.web.present import names

    known = names()["departments"]
    return "、".join(known.get(c, c) for c in codes or [])


def init_app(app: Flask) -> None:
    static = Path(app.static_folder or "")

    def asset(filename: str) -> str:
        """A static file's URL with its content hash, so browsers may cache it for long."""
        path = static / filename
        version = _digest(str(path)) if path.is_file() else "0"
        return url_for("static", filename=filename, v=version)

    app.jinja_env.filters.update(
        localtime=local_datetime, localdate=local_date, localdate_plain=local_day, percent=percent, number=number,
        label=label, action=action_label, department_names=_department_names, zip_pairs=lambda values: [(v, v) for v in values],
        prefixed=lambda value, prefix: f"{prefix}{value}",
        combine=lambda a, b: {**a, **b}, ordered_errors=ordered_errors, field_rules=field_rules,
        field_labels=field_labels, input_label=input_label,
        label_map=lambda codes, table: {c: label(c, table) for c in codes},
        status_pair=lambda status: (status, STATUS_LABELS.get(status, status)),
        kind_pair=lambda kind: (kind, KIND_LABELS.get(kind, kind)),
        channel_pair=lambda channel: (channel, CHANNEL_LABELS.get(channel, channel)),
        ticket_status_pair=lambda s: (s, TICKET_STATUS_LABELS.get(s, s)))
    app.jinja_env.globals.update(
        asset=asset, today=lambda: clock.local(clock.now()).date().isoformat())
