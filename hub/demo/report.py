"""What ``hub demo`` prints once it is ready: the week in figures, the addresses and the
demo sign-ins. Pure: text from what the preparation returned."""
from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from hub.timezones import SHANGHAI

WEEKDAYS = "一二三四五六日"
# The demo accounts worth trying first, and what each sees (password: hub.seed.DEMO_PASSWORD).
ACCOUNTS = (
    ("supervisor", "电子监察：16 个中心的指标、红黄牌、街道排名、同步状态（/dashboard）"),
    ("admin", "系统管理员：人员、部门、事项编辑器（草稿、发布、停办）、工作日历（/admin/users）"),
    ("clerk-district", "区政务服务中心窗口受理员：查找办件、待补正提醒、打印文书；各街道为 "
                       "clerk-<中心>，如 clerk-binhe"),
    ("market-approver1", "区市场监督管理局审批员（我的待办、部门待领 /queue）；其他部门同样命名"),
    ("market-chief", "市场监管首席代表：全部门待办、改派、代为决定"),
    ("disclosure-clerk", "政务公开办：依申请公开的登记、补正、答复（/disclosure）"),
    ("disclosure-chief", "政务公开办负责人：批准延长答复期限"),
    ("operator-district", "区呼叫中心话务员（114 热线）：来电登记、首问负责、交办、回访（/desk）；"
                          "各街道为 operator-<中心>"),
)
# The seed's own figures: 《沈河区2016年度政府信息公开工作报告》 (2017-03-10), beside which
# the demo prints the year the hub generated.
SEED_2016 = {"received": "29", "carried_in": "—", "answered": "29", "on_time": "全部按时办结",
             "carried_out": "—", "reviews": "0（案件为零）"}
CALL_LABELS = (("ticket", "工单"), ("minxin_imported", "其中民心网导入"),
               ("transferred", "转办"), ("assigned", "交办"),
               ("answered", "答复（次，重新办理后再答复也计）"), ("callback_satisfied", "回访满意"),
               ("callback_unsatisfied", "回访不满意重新办理"), ("callback_unreachable", "联系不上"),
               ("rated", "好评及中评"), ("rated_bad", "差评"), ("rectified", "整改办结"),
               ("appealed", "申诉"), ("appeal_decided", "申诉已决定"))
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
                  figures: Sequence[Mapping[str, Any]], story: Sequence[str] = (),
                  incident: Mapping[str, Any] | None = None) -> list[str]:
    """The week in figures: what happened, and each center's figures now (the same
    numbers as ``GET /api/v1/supervision/centers``)."""
    lines = [f"演示已就绪：准备用时 {seconds:.1f} 秒。模拟的一周 {_day(start)} 至 {_day(end)}，"
             f"种子 {seed}（--seed 相同则结果相同）。",
             "本周：" + "，".join(f"{label} {done.get(key, 0)}" for key, label in DONE_LABELS)
             + f"；红黄牌扫描 {done.get('scanned', 0)} 次，亮黄牌 {cards.get('yellow', 0)}、"
             f"红牌 {cards.get('red', 0)}（含同步来的办件）",
             "呼叫中心：" + "，".join(f"{label} {done.get(key, 0)}" for key, label in CALL_LABELS)
             + f"；工单亮黄牌 {cards.get('ticket_yellow', 0)}、红牌 {cards.get('ticket_red', 0)}",
             "夜间同步：" + "，".join(f"{status} {n} 次" for status, n in runs.items()),
             *_incident_lines(incident), *story,
             "", _row("中心", "受理", "办结", "在办", "黄牌", "红牌", "超期未办结",
                      "按时办结率", "办结及时率")]
    columns = ("received", "concluded", "in_progress", "yellow", "red", "overdue")
    for row in figures:
        name = str(row.get("name") or row["center"]).removesuffix("政务服务中心")
        lines.append(_row(name, *(row[k] for k in columns), _rate(row["on_time_rate"]),
                          _rate(row["timeliness_rate"])))
    lines.append(_row("合计", *(sum(int(r[k]) for r in figures) for k in columns)))
    return lines


def _incident_lines(incident: Mapping[str, Any] | None) -> list[str]:
    if not incident:
        return []
    locked = "、".join(incident["locked"]) or "无"
    return [f"登录安全：收盘时外部猜密码 {incident['failed']} 次失败、{incident['throttled']} 次被限制；"
            f"临时锁定的账号：{locked}（系统管理员可在 /admin/users 解除；全部记入审计）"]


def public_lines(windows: int, appointments: Mapping[str, int],
                 prereviews: Mapping[str, int]) -> list[str]:
    """The public site's week: windows set up, appointments and pre-reviews by outcome."""
    booked, upcoming = appointments.get("booked", 0), appointments.get("upcoming", 0)
    return [f"公众服务：{windows} 个窗口；网上预约 {booked + upcoming} 个（本周 {booked} 个：到场 "
            f"{appointments.get('arrived', 0)}，爽约 {appointments.get('no_show', 0)}，取消 "
            f"{appointments.get('cancelled', 0)}；下周待到 {upcoming} 个）；"
            f"网上预审 {prereviews.get('submitted', 0)} 件（通过 {prereviews.get('passed', 0)}，"
            f"退回 {prereviews.get('returned', 0)}，已转正式受理 {prereviews.get('accepted', 0)}）"]


def hall_lines(*, claimed: int, pool: int, awaiting_supplement: int,
               drafts: Sequence[str]) -> list[str]:
    """The hall at the week's end: who holds which tasks, the windows' inbox, the editor."""
    return [f"大厅：审批人员已领取 {claimed} 件待办（“我的待办”），部门待领 {pool} 件；"
            f"窗口待补正 {awaiting_supplement} 件（“待补正”提醒、一次性告知书）；"
            "事项草稿：" + ("、".join(drafts) or "无") + "（“办事事项”中待发布）"]


def story_lines(*, nights: int, failed_runs: int, unreachable: str, notices: Sequence[str],
                answered: Sequence[str], left: Sequence[str]) -> list[str]:
    """The week's other moments: the nightly syncs, the notices, the departure."""
    waiting = [n for n in notices if n not in answered]
    return [
        f"夜间同步 {nights} 次；{unreachable} 的数据库最后几晚不可达，失败 {failed_runs} 次"
        "（“数据同步”页可重试）",
        "督办：" + ("，".join([*(f"{n} 已答复" for n in answered),
                              *(f"{n} 待答复" for n in waiting)]) or "无"),
        "离岗：" + ("，".join(f"{u}（部门已无在岗审批人员：无人可办）" for u in left) or "无"),
    ]


def address_lines(base_url: str, systems: Mapping[str, str], password: str,
                  clock_start: dt.datetime) -> list[str]:
    """Where to look, and who to sign in as."""
    local = clock_start.astimezone(SHANGHAI)
    lines = ["", f"公众服务  {base_url}/            办事指南、全景导引、网上预约、网上预审、进度查询（无需登录）",
             f"工作台    {base_url}/staff       登录后各角色进入自己的首页",
             f"接口      {base_url}/api/v1      OpenAPI 文档 {base_url}/openapi.json",
             f"指标      {base_url}/metrics     Prometheus 格式；健康 {base_url}/readyz",
             "示例中心系统（夜间同步读取）：" + "，".join(f"{c} {u}" for c, u in systems.items()),
             "", f"演示账号（密码 {password}）："]
    lines += [f"  {username:<18}{what}" for username, what in ACCOUNTS]
    lines += ["", f"演示时钟：从 {local:%Y-%m-%d %H:%M}（模拟的一周结束时）起随真实时间走动。",
              "按 Ctrl+C 停止。"]
    return lines


def disclosure_lines(report: Mapping[str, Any]) -> list[str]:
    """The finished year's report (its JSON) beside the seed's figures of 2016, and the
    requests table's rows that count anything."""
    r = report["requests"]
    year = report["year"]
    rate = _rate(r["on_time_rate"])
    reviews = sum(k["total"] for k in report["reviews"].values())
    lines = ["", f"政府信息公开：{report['title']}（由本平台数据生成，2021 年国家格式；"
             f"页面 /dashboard/disclosure?year={year}，可下载 Word）",
             _row("", f"{year}年度", "2016年度（种子文件）"),
             _row("本年新收申请", r["received"]["total"], SEED_2016["received"]),
             _row("上年结转", r["carried_in"], SEED_2016["carried_in"]),
             _row("本年度办结", r["answered"], SEED_2016["answered"]),
             _row("按时办结", f"{r['on_time']}（{rate}）", SEED_2016["on_time"]),
             _row("结转下年度", r["carried_out"], SEED_2016["carried_out"]),
             _row("复议、诉讼", reviews, SEED_2016["reviews"]),
             f"勾稽关系：{r['check']['carried_in_plus_received']} = "
             f"{r['check']['answered_plus_carried_out']}（{'成立' if r['check']['ok'] else '不成立'}）"]
    columns = [c["label"] for c in r["table"]["columns"]]
    lines.append("    " + " ".join(columns) + "    项目")
    for row in r["table"]["rows"]:
        if row["values"]["total"] or row["key"] in ("received", "carried_in", "answered",
                                                    "carried_out"):
            counts = " ".join(str(v).rjust(_width(c)) for v, c in
                              zip(row["values"].values(), columns, strict=True))
            group = row["group"] if row["group"] and row["group"] != "三、本年度办理结果" else ""
            lines.append(f"    {counts}    {group + ' ' if group else ''}{row['label']}")
    return lines


__all__ = ["address_lines", "disclosure_lines", "hall_lines", "public_lines", "story_lines",
           "summary_lines"]
