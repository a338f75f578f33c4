"""What ``hub demo`` prints once it is ready: the week in figures, the addresses and the
demo sign-ins. Pure: text from what the preparation returned."""
from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from hub.clock import SHANGHAI

WEEKDAYS = "一二三四五六日"
# The demo accounts worth trying first, and what each sees (password: hub.seed.DEMO_PASSWORD).
ACCOUNTS = (
    ("supervisor", "电子监察：16 个中心的指标、红黄牌、街道排名、同步状态（/dashboard）"),
    ("admin", "系统管理员：人员、部门、事项、工作日历（/admin/users）"),
    ("clerk-district", "区政务服务中心窗口受理员；各街道为 clerk-<中心>，如 clerk-binhe"),
    ("market-approver1", "区市场监督管理局审批员（待办 /queue）；其他部门同样命名"),
    ("market-chief", "市场监管首席代表：全部门待办、改派、代为决定"),
)
DONE_LABELS = (("submitted", "受理"), ("approve", "审批通过"), ("request_supplement", "要求补正"),
               ("resubmitted", "补正后重新提交"), ("reject", "不予许可"), ("withdrawn", "撤回"))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _row(first: str, *cells: object) -> str:
    """A table row for a terminal: Chinese characters take two columns."""
    return first + " " * max(1, 14 - _width(first)) + "".join(
        " " * max(1, 10 - _width(str(c))) + str(c) for c in cells)


def _day(moment: dt.datetime) -> str:
    local = moment.astimezone(SHANGHAI)
    return f"{local:%Y-%m-%d}（{WEEKDAYS[local.weekday()]}）"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def summary_lines(*, seconds: float, seed: int, start: dt.datetime, end: dt.datetime,
                  done: Mapping[str, int], cards: Mapping[str, int], runs: Mapping[str, int],
                  figures: Sequence[Mapping[str, Any]]) -> list[str]:
    """The week in figures: what happened, and each center's figures now (the same
    numbers as ``GET /api/v1/supervision/centers``)."""
    lines = [f"演示已就绪：准备用时 {seconds:.1f} 秒。模拟的一周 {_day(start)} 至 {_day(end)}，"
             f"种子 {seed}（--seed 相同则结果相同）。",
             "本周：" + "，".join(f"{label} {done.get(key, 0)}" for key, label in DONE_LABELS)
             + f"；红黄牌扫描 {done.get('scanned', 0)} 次，亮黄牌 {cards.get('yellow', 0)}、"
             f"红牌 {cards.get('red', 0)}（含同步来的办件）",
             "夜间同步：" + "，".join(f"{status} {n} 次" for status, n in runs.items()),
             "", _row("中心", "受理", "办结", "在办", "黄牌", "红牌", "按时办结率")]
    columns = ("received", "concluded", "in_progress", "yellow", "red")
    for row in figures:
        name = str(row.get("name") or row["center"]).removesuffix("政务服务中心")
        lines.append(_row(name, *(row[k] for k in columns), _rate(row["on_time_rate"])))
    lines.append(_row("合计", *(sum(int(r[k]) for r in figures) for k in columns)))
    return lines


def address_lines(base_url: str, systems: Mapping[str, str], password: str,
                  clock_start: dt.datetime) -> list[str]:
    """Where to look, and who to sign in as."""
    local = clock_start.astimezone(SHANGHAI)
    lines = ["", f"页面      {base_url}/            登录后各角色进入自己的首页",
             f"接口      {base_url}/api/v1      OpenAPI 文档 {base_url}/openapi.json",
             f"指标      {base_url}/metrics     Prometheus 格式；健康 {base_url}/readyz",
             "示例中心系统（夜间同步读取）：" + "，".join(f"{c} {u}" for c, u in systems.items()),
             "", f"演示账号（密码 {password}）："]
    lines += [f"  {username:<18}{what}" for username, what in ACCOUNTS]
    lines += ["", f"演示时钟：从 {local:%Y-%m-%d %H:%M}（模拟的一周结束时）起随真实时间走动。",
              "按 Ctrl+C 停止。"]
    return lines


__all__ = ["address_lines", "summary_lines"]
