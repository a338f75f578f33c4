"""What templates show: Asia/Shanghai times, Chinese labels, colours, versioned assets."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, url_for

from hub.clock import SHANGHAI

STATUS_LABELS = {
    "in_review": "审批中", "supplement_requested": "待补正", "approved": "已办结（准予）",
    "rejected": "已办结（不予）", "withdrawn": "已撤回",
}
TASK_STATUS_LABELS = {
    "pending": "待办", "approved": "同意", "rejected": "不同意",
    "supplement_requested": "要求补正", "cancelled": "已取消",
}
WARNING_LABELS = {"yellow": "黄牌", "red": "红牌", None: "正常", "none": "正常"}
ROLE_LABELS = {
    "clerk": "窗口受理", "approver": "审批人", "chief": "首席代表", "supervisor": "监察（领导）",
    "admin": "系统管理员", "adapter": "数据接口",
}
MODE_LABELS = {"all": "会签（全部同意）", "any": "或签（一个同意）"}
FIELD_TYPE_LABELS = {
    "string": "文本", "text": "多行文本", "integer": "整数", "number": "数字", "date": "日期",
    "boolean": "是/否", "choice": "选择",
}
USER_STATUS_LABELS = {"active": "在岗", "left": "已离岗"}
SYNC_STATUS_LABELS = {"running": "同步中", "succeeded": "成功", "failed": "失败"}
DECISION_LABELS = {"approve": "同意", "reject": "不同意", "request_supplement": "要求补正"}
WEEKDAYS = "一二三四五六日"
ACTION_LABELS = {
    "application.submitted": "窗口受理", "application.stage_opened": "进入下一审批阶段",
    "application.approved": "办结：准予许可，出具结果", "application.rejected": "办结：不予许可",
    "application.withdrawn": "申请人撤回", "application.resubmitted": "补正材料后重新提交",
    "application.supplement_requested": "暂停计时，等待补正",
    "application.in_review": "恢复审批",
    "application.applicant_viewed": "查看申请人完整信息", "task.approved": "部门审批：同意",
    "task.rejected": "部门审批：不同意", "task.supplement_requested": "部门审批：要求补正",
    "task.assigned": "首席代表指派审批人", "task.cancelled": "审批任务取消",
    "warning.yellow": "黄牌预警", "warning.red": "红牌预警",
    "deadline.recomputed": "办理期限随工作日历调整",
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


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def number(value: float | int | None, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{places}f}" if isinstance(value, float) else str(value)


def label(value: Any, table: str) -> str:
    tables = {"status": STATUS_LABELS, "task": TASK_STATUS_LABELS, "warning": WARNING_LABELS,
              "role": ROLE_LABELS, "mode": MODE_LABELS, "type": FIELD_TYPE_LABELS,
              "user": USER_STATUS_LABELS, "sync": SYNC_STATUS_LABELS, "decision": DECISION_LABELS}
    return tables[table].get(value, "" if value is None else str(value))


@functools.cache
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


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
        localtime=local_datetime, localdate=local_date, percent=percent, number=number,
        label=label, action=action_label, department_names=_department_names, zip_pairs=lambda values: [(v, v) for v in values],
        prefixed=lambda value, prefix: f"{prefix}{value}",
        status_pair=lambda status: (status, STATUS_LABELS.get(status, status)))
    app.jinja_env.globals.update(asset=asset)
