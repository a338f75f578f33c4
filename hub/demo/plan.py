"""The demo's working week in the hall, planned in advance: pure functions, no I/O.

``plan_week`` turns a seed, the centers, the working days of the week and the service
items' routing into a time-ordered list of events: submissions at the windows,
decisions by the departments after realistic delays, supplement requests (补正) and
resubmissions, rejections, withdrawals, and the periodic warning scan. The driver
replays them through the real services, the clock set to each event's time. The same
seed gives the same week.

Time inside the plan is counted in *hall minutes*: the windows are open 09:00–12:00
and 13:30–17:00 on the week's working days (390 minutes a day), so a delay of "two
working days" is 780 hall minutes wherever it starts. What would happen after the
week's last closing time is left out: those cases are still in progress at the end.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from hub.demo import answers
from hub.timezones import SHANGHAI

MORNING = (dt.time(9, 0), 180)  # opens, minutes open
AFTERNOON = (dt.time(13, 30), 210)
DAY_MINUTES = MORNING[1] + AFTERNOON[1]
SCAN_TIMES = (dt.time(8, 30), dt.time(12, 30), dt.time(17, 30))  # the warning scan runs
CLOSED_AT = dt.time(17, 30)  # the week's end: the last scan

# A case's fate, by how often it happens.
FATES = {"normal": 68, "slow": 12, "supplement": 10, "reject": 6, "withdraw": 4}
# How busy each window is, and how common each item (others: 10).
DISTRICT_SHARE = 0.25
ITEM_WEIGHTS = {"business-license-change": 30, "open-restaurant": 25, "outdoor-advertising": 15,
                "construction-permit": 10, "entertainment-venue": 10, "medical-clinic": 10,
                "civil-defence-works": 4}
DAY_WEIGHTS = (13, 11, 10, 10, 9, 8, 8)  # Monday is the busiest day
# Median time a department takes to decide, in hall hours (others: 8).
DEPARTMENT_HOURS = {"tax": 1.5, "market": 3, "urban": 5, "food": 6, "culture": 6, "police": 7,
                    "fire": 8, "environment": 9, "housing": 10, "planning": 12, "health": 14}
SIGNATURE = "申请表法定代表人签字不清晰，请重新签署"
PREMISES = "请补充提交房屋产权证明或租赁合同"
# What a department asks to have completed, by item (five each: the draw is the same
# whichever item, so the week does not change with the wording).
SUPPLEMENTS = ("请补充提交申请材料清单中缺少的材料", "申请材料复印件不清晰，请重新提交",
               "申请材料缺少申请人签章，请补正", SIGNATURE, PREMISES)
SUPPLEMENTS_BY_ITEM = {
    "open-restaurant": ("请补充提交经营场所平面布局图", "请补充从业人员健康证明",
                        "请补充油烟净化设施的检测报告", SIGNATURE, PREMISES),
    "business-license-change": ("请补充股东会关于变更住所的决议",
                                "新住所使用证明缺少产权人签章，请补正",
                                "请补充提交营业执照正副本", SIGNATURE, PREMISES),
    "construction-permit": ("施工合同缺少盖章页，请补正", "请补充建设工程规划许可证复印件",
                            "请补充施工图设计文件审查合格书", SIGNATURE, "请补充提交监理合同"),
    "outdoor-advertising": ("请补充广告设施设计效果图", "请补充设置场地的使用协议",
                            "请补充广告设施结构安全检测报告", SIGNATURE, "请补充设置位置平面图"),
    "entertainment-venue": ("请补充消防安全检查合格证明", "请补充经营场所平面布局图",
                            "请补充从业人员名单及身份证明", SIGNATURE, PREMISES),
    "medical-clinic": ("请补充医师资格证书及执业证书", "请补充诊所平面布局图",
                       "请补充医疗废物处置协议", SIGNATURE, PREMISES),
    "civil-defence-works": ("请补充人防工程施工图", "请补充人防工程竣工验收资料",
                            "请补充人防工程维护管理责任书", SIGNATURE, "请补充提交房屋产权证明"),
}
REJECTIONS = ("经营场所与居民楼距离不符合规定", "消防安全条件不符合要求，不予许可",
              "环评意见不予通过：油烟排放不达标", "设置位置位于禁设区域")
WITHDRAWALS = ("申请人主动撤回", "申请人变更经营地址，将重新申请", "申请人决定暂缓办理")


@dataclasses.dataclass(frozen=True)
class ItemRouting:
    """What the plan needs of a service item: its code, its stages (mode and
    departments) and its form fields."""

    code: str
    stages: tuple[tuple[str, Mapping[str, int]], ...]  # (mode, {department: days})
    form: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, stages: Sequence[Mapping[str, Any]],
           form: Sequence[Mapping[str, Any]] = ()) -> ItemRouting:
        """From a service item's ``stages`` and ``form`` JSON."""
        return cls(code, tuple((s["mode"], {t["department"]: int(t["days"]) for t in s["tasks"]})
                               for s in stages), tuple(form))


@dataclasses.dataclass(frozen=True)
class Submit:
    at: dt.datetime
    case: int
    center: str
    item: str
    applicant: Mapping[str, str]
    form: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Decide:
    at: dt.datetime
    case: int
    stage: int  # 1-based, as the routing engine counts
    department: str
    decision: str  # approve | reject | request_supplement
    comment: str | None
    by: int  # which of the department's staff (an index the driver wraps)


@dataclasses.dataclass(frozen=True)
class Resubmit:
    at: dt.datetime
    case: int
    form: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Withdraw:
    at: dt.datetime
    case: int
    reason: str


@dataclasses.dataclass(frozen=True)
class Scan:
    """The periodic warning scan (beat runs it every few minutes; the demo three times
    a day)."""

    at: dt.datetime
    case: None = None


Event = Submit | Decide | Resubmit | Withdraw | Scan


@dataclasses.dataclass(frozen=True)
class WeekPlan:
    events: tuple[Event, ...]
    start: dt.datetime  # the first day's first scan
    end: dt.datetime  # the last day's closing scan
    fates: Mapping[str, int]
    cases: int

    def count(self, kind: type) -> int:
        return sum(isinstance(e, kind) for e in self.events)


# -- Hall time ------------------------------------------------------------------------------


def hall_moment(days: Sequence[dt.date], minute: float) -> dt.datetime:
    """The instant (UTC) of hall minute ``minute`` of the week."""
    day, within = divmod(minute, DAY_MINUTES)
    opens = MORNING[0] if within < MORNING[1] else AFTERNOON[0]
    offset = within if within < MORNING[1] else within - MORNING[1]
    start = dt.datetime.combine(days[int(day)], opens, tzinfo=SHANGHAI)
    return (start + dt.timedelta(seconds=round(offset * 60))).astimezone(dt.timezone.utc)


def at_time(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=SHANGHAI).astimezone(dt.timezone.utc)


def delay(rng: random.Random, department: str) -> float:
    """Hall minutes a department takes over one task: log-normal around its median,
    from ten minutes to four working days."""
    median = DEPARTMENT_HOURS.get(department, 8) * 60
    return min(max(rng.lognormvariate(math.log(median), 0.9), 10.0), 4 * DAY_MINUTES)


def _days(rng: random.Random, low: float, high: float) -> float:
    return rng.uniform(low, high) * DAY_MINUTES


# -- One case ---------------------------------------------------------------------------------


@dataclasses.dataclass
class _Step:
    minute: float
    kind: str  # decide | resubmit | withdraw
    stage: int = 0
    department: str = ""
    decision: str = ""
    comment: str | None = None
    by: int = 0
    form: Mapping[str, Any] | None = None


def _case_steps(rng: random.Random, item: ItemRouting, submitted: float, fate: str,
                form: Mapping[str, Any]) -> list[_Step]:
    """What happens to one case after its submission, in hall minutes, uncut."""
    special = rng.randrange(len(item.stages)) + 1
    steps: list[_Step] = []
    now = submitted
    for number, (mode, limits) in enumerate(item.stages, start=1):
        deciders = tuple(limits) if mode == "all" else (rng.choice(tuple(limits)),)
        times = {d: now + delay(rng, d) for d in deciders}
        chosen = rng.choice(deciders)
        if number == special and fate == "slow":  # past its own time limit: a late step
            times[chosen] = now + _days(rng, limits[chosen] + 0.5, limits[chosen] + 3)
        ends_here = number == special and fate == "reject"
        for department in deciders:
            step = _Step(times[department], "decide", number, department, "approve",
                         by=rng.randrange(3))
            if number == special and department == chosen and fate == "supplement":
                step.decision, step.comment = "request_supplement", rng.choice(
                    SUPPLEMENTS_BY_ITEM.get(item.code, SUPPLEMENTS))
                back = step.minute + _days(rng, 0.2, 2)
                steps.append(_Step(back, "resubmit", form=answers.amended(rng, item.form, form)))
                times[department] = back + delay(rng, department)
                steps.append(_Step(times[department], "decide", number, department, "approve",
                                   by=rng.randrange(3)))
            elif ends_here and department == chosen:
                step.decision, step.comment = "reject", rng.choice(REJECTIONS)
            steps.append(step)
        if ends_here:  # the rejection concludes the case: what comes after never happens
            return [s for s in steps if s.minute < times[chosen] or s.decision == "reject"]
        now = max(times.values())
    if fate == "withdraw":
        withdrawn = submitted + _days(rng, 0.2, 2.5)
        if withdrawn < now:  # only while the case is still open
            steps = [s for s in steps if s.minute < withdrawn]
            steps.append(_Step(withdrawn, "withdraw", comment=rng.choice(WITHDRAWALS)))
    return steps


# -- The week ---------------------------------------------------------------------------------


def _centers_of_cases(rng: random.Random, centers: Sequence[str], district: str,
                      cases: int) -> list[str]:
    """The district hall takes a quarter of the cases, the streets share the rest; every
    center gets some."""
    streets = [c for c in centers if c != district]
    at_district = round(cases * DISTRICT_SHARE) if district in centers else 0
    base, extra = divmod(cases - at_district, len(streets)) if streets else (0, 0)
    chosen = [district] * at_district
    lucky = set(rng.sample(streets, extra)) if streets else set()
    for street in streets:
        chosen += [street] * (base + (street in lucky))
    rng.shuffle(chosen)
    return chosen


def plan_week(*, seed: int, days: Sequence[dt.date], centers: Sequence[str], district: str,
              items: Sequence[ItemRouting], cases: int) -> WeekPlan:
    """The week's events, in time order. ``days`` are the hall's open days (the week's
    working days), ``centers`` every center code (``district`` among them)."""
    if not days or not items or not centers:
        raise ValueError("a week needs open days, service items and centers")
    if cases < len(centers):
        raise ValueError(f"at least {len(centers)} cases, one per center")
    rng = random.Random(f"hub-demo-{seed}")
    end_minute = len(days) * DAY_MINUTES
    weights = [ITEM_WEIGHTS.get(i.code, 10) for i in items]
    day_weights = [DAY_WEIGHTS[d.weekday()] for d in days]
    keyed: list[tuple[dt.datetime, int, Event]] = []
    fates: Counter[str] = Counter()
    for case, center in enumerate(_centers_of_cases(rng, centers, district, cases)):
        item = rng.choices(items, weights)[0]
        day = rng.choices(range(len(days)), day_weights)[0]
        # random() < 1, so the moment stays inside the day's opening hours.
        minute = day * DAY_MINUTES + (rng.random() * MORNING[1] if rng.random() < 0.6
                                      else MORNING[1] + rng.random() * AFTERNOON[1])
        fate = rng.choices(list(FATES), list(FATES.values()))[0]
        fates[fate] += 1
        form = answers.answers(rng, item.form, days[0])
        at = hall_moment(days, minute)
        keyed.append((at, len(keyed), Submit(at, case, center, item.code,
                                             answers.applicant(rng), form)))
        for step in sorted(_case_steps(rng, item, minute, fate, form), key=lambda s: s.minute):
            if step.minute >= end_minute:
                break  # after the week: still in progress when it ends
            at = hall_moment(days, step.minute)
            event: Event
            if step.kind == "decide":
                event = Decide(at, case, step.stage, step.department, step.decision,
                               step.comment, step.by)
            elif step.kind == "resubmit":
                event = Resubmit(at, case, step.form or {})
            else:
                event = Withdraw(at, case, step.comment or WITHDRAWALS[0])
            keyed.append((at, len(keyed), event))
    for day in days:
        for time in SCAN_TIMES:
            keyed.append((at_time(day, time), len(keyed), Scan(at_time(day, time))))
    keyed.sort(key=lambda k: (k[0], k[1]))
    return WeekPlan(events=tuple(e for _, _, e in keyed), start=at_time(days[0], SCAN_TIMES[0]),
                    end=at_time(days[-1], CLOSED_AT), fates=dict(fates), cases=cases)


def working_days_of_week(monday: dt.date, is_working_day: Any) -> list[dt.date]:
    """The open days of the week that starts on ``monday`` (weekends and public holidays
    closed, make-up working days open), by the calendar's ``is_working_day``."""
    return [d for d in (monday + dt.timedelta(days=n) for n in range(7)) if is_working_day(d)]


__all__ = ["Decide", "Event", "ItemRouting", "Resubmit", "Scan", "Submit", "WeekPlan",
           "Withdraw", "hall_moment", "plan_week", "working_days_of_week"]
