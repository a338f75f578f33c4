"""The demo's week at the call center (区街政务服务呼叫中心), planned in advance: pure
functions, no I/O.

``plan_calls`` adds to the hall's week (``plan.WeekPlan``) what the hotline and the web
bring: consultations, complaints and suggestions at every center, most by the 114
hotline; answers on the spot or by a department; transfers from the district's call
center to the streets; callbacks (回访) with satisfied, unsatisfied (reopened) and
unreachable callers; ratings (好差评) of answered tickets and of the week's concluded
cases, the bad ones followed by their rectification (整改) and, at two centers, an
appeal (申诉) that a supervisor decides. Times are hall minutes, as in ``plan``; what
would happen after the week's end is left out (those tickets are still open, some late).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence

from hub.timezones import SHANGHAI
from hub.demo import answers
from hub.demo.plan import (
    AFTERNOON,
    DAY_MINUTES,
    MORNING,
    Decide,
    ItemRouting,
    Submit,
    WeekPlan,
    Withdraw,
    hall_moment,
)

Subject = tuple[str, int]  # ("case", planned case) or ("ticket", planned ticket)

CHANNELS = {"hotline": 58, "web": 17, "mobile": 10, "minxin": 5, "walk_in": 10}
KINDS = {"consultation": 55, "complaint": 30, "suggestion": 15}
DISTRICT_SHARE = 0.3  # the district's call center takes the 114 hotline for everyone
# (subject, content, the department that answers or None for the owner, service item)
TOPICS: Mapping[str, tuple[tuple[str, str, str | None, str | None], ...]] = {
    "consultation": (
        ("开饭店需要哪些材料", "准备在中街开一家饺子馆，想问开办餐饮店要带什么材料、去哪个窗口",
         None, "open-restaurant"),
        ("营业执照变更要多久", "公司换了住所，营业执照变更登记需要几个工作日", None,
         "business-license-change"),
        ("施工许可在哪个窗口办", "建筑工程施工许可在区政务服务中心几楼办理", None,
         "construction-permit"),
        ("户外广告审批需要多久", "门店外墙设置招牌广告需要审批吗，要多长时间", "urban",
         "outdoor-advertising"),
        ("诊所设置审批条件", "想开一家中医诊所，设置审批需要满足哪些条件", "health",
         "medical-clinic"),
        ("KTV经营许可流程", "娱乐场所经营许可要经过哪些部门", "culture", "entertainment-venue"),
    ),
    "complaint": (
        ("饭店油烟扰民", "楼下饭店油烟直排，晚上十点后仍在营业", "environment", None),
        ("占道经营", "小区门口早市占道经营，影响通行", "urban", None),
        ("施工噪音扰民", "工地夜间施工，噪音很大", "housing", None),
        ("窗口排队时间过长", "上午在窗口排队两个小时才办上", None, None),
        ("消防通道被占", "商场后门消防通道堆放杂物", "fire", None),
        ("无照经营", "小区里有人无照经营棋牌室", "market", None),
    ),
    "suggestion": (
        ("建议周末开放窗口", "上班族工作日没时间，建议周六上午开放部分窗口", None, None),
        ("建议增加网上预约名额", "网上预约的号很快就没有了，建议增加", None, None),
        ("建议简化材料", "营业执照变更要交的材料太多，建议精简", "market",
         "business-license-change"),
    ),
}
OWNER_ANSWERS = {
    "consultation": "已当场答复：所需材料和办理窗口见办事指南，可先在网上预审。",
    "complaint": "已向大厅负责人反映，增开窗口并安排引导员，感谢监督。",
    "suggestion": "建议已收悉，已转中心研究，采纳情况将在网站公布。",
}
DEPARTMENT_ANSWERS = ("已派员现场核查，责令限期整改，将持续跟踪。",
                      "经核实情况属实，已依法处理并告知当事人。",
                      "已答复来电人办理条件和所需材料，可到窗口办理。",
                      "已联系相关单位协调解决，来电人可随时反馈。")
REOPENED_ANSWER = "已再次核查并督促落实，问题已解决。"
LEVELS = {5: 52, 4: 20, 3: 12, 2: 9, 1: 7}
COMMENTS = {5: "办事效率高，一次办成", 4: "态度很好", 3: "还可以", 2: "等待时间太长",
            1: "答复敷衍，问题没有解决"}
CASE_RATING_SHARE, TICKET_RATING_SHARE = 0.35, 0.5
# A caller who rings the district's hotline again and again: the README tells demo users
# to type this number on the desk (as operator-district) to see a caller's history.
REGULAR_CALLER = {"name": "王建国", "phone": "13800138000"}
REGULAR_CALLS = 3
REPEAT_SHARE = 0.15  # other callers calling again about something else


@dataclasses.dataclass(frozen=True)
class Call:
    """A citizen calls, writes or walks in: a ticket at ``center``; ``public`` ones come
    through the web form without sign-in."""

    at: dt.datetime
    ticket: int
    center: str
    kind: str
    channel: str
    caller: Mapping[str, str]
    subject: str
    content: str
    service_item: str | None
    public: bool = False


@dataclasses.dataclass(frozen=True)
class Assign:
    at: dt.datetime
    ticket: int
    department: str
    note: str


@dataclasses.dataclass(frozen=True)
class Transfer:
    """From the district's call center to the street center the matter belongs to."""

    at: dt.datetime
    ticket: int
    to_center: str
    reason: str


@dataclasses.dataclass(frozen=True)
class Answer:
    at: dt.datetime
    ticket: int
    content: str
    by_department: bool
    by: int = 0  # which of the department's staff


@dataclasses.dataclass(frozen=True)
class Callback:
    at: dt.datetime
    ticket: int
    outcome: str  # satisfied | unsatisfied | unreachable
    note: str


@dataclasses.dataclass(frozen=True)
class Rate:
    at: dt.datetime
    subject: Subject
    level: int
    comment: str | None


@dataclasses.dataclass(frozen=True)
class Rectify:
    """The owner of a bad rating's rectification answers (``close`` False) or records the
    follow-up with the citizen (``close`` True)."""

    at: dt.datetime
    subject: Subject
    close: bool
    text: str


@dataclasses.dataclass(frozen=True)
class Appeal:
    at: dt.datetime
    subject: Subject
    reason: str


@dataclasses.dataclass(frozen=True)
class DecideAppeal:
    at: dt.datetime
    subject: Subject
    decision: str
    comment: str


CallEvent = Call | Assign | Transfer | Answer | Callback | Rate | Rectify | Appeal | DecideAppeal


@dataclasses.dataclass(frozen=True)
class CallPlan:
    events: tuple[CallEvent, ...]
    tickets: int

    def count(self, kind: type) -> int:
        return sum(isinstance(e, kind) for e in self.events)


# -- When the week's cases conclude (what the citizens may rate) ----------------------------


def conclusions(week: WeekPlan, items: Sequence[ItemRouting]) -> dict[int, dt.datetime]:
    """{case: the moment it concluded} for the week's cases concluded within it: a
    withdrawal, a rejection, or the last stage passing (every approval of an ``all``
    stage, the first of an ``any`` one), as the routing engine decides."""
    routing = {i.code: i for i in items}
    submitted: dict[int, Submit] = {}
    steps: dict[int, list[Decide | Withdraw]] = defaultdict(list)
    for event in week.events:
        if isinstance(event, Submit):
            submitted[event.case] = event
        elif isinstance(event, (Decide, Withdraw)):
            steps[event.case].append(event)
    done: dict[int, dt.datetime] = {}
    for case, submit in submitted.items():
        ended = _concluded(steps[case], routing[submit.item])
        if ended is not None:
            done[case] = ended
    return done


def _concluded(steps: Sequence[Decide | Withdraw], item: ItemRouting) -> dt.datetime | None:
    for step in steps:
        if isinstance(step, Withdraw) or step.decision == "reject":
            return step.at
    approved = {(s.stage, s.department): s.at for s in steps
                if isinstance(s, Decide) and s.decision == "approve"}
    end = None
    for number, (mode, limits) in enumerate(item.stages, start=1):
        times = [approved.get((number, d)) for d in limits]
        given = [t for t in times if t is not None]
        if mode == "all" and len(given) < len(times) or not given:
            return None
        end = max(given) if mode == "all" else min(given)
    return end


# -- The plan -----------------------------------------------------------------------------------


class _Clock:
    """Hall minutes of the week (``plan``'s time), and back."""

    def __init__(self, days: Sequence[dt.date]) -> None:
        self.days, self.end = list(days), len(days) * DAY_MINUTES

    def at(self, minute: float) -> dt.datetime:
        return hall_moment(self.days, minute)

    def minute(self, moment: dt.datetime) -> float:
        """The hall minute of ``moment`` (a moment outside the opening hours counts as the
        next opening; after the week, its end)."""
        local = moment.astimezone(SHANGHAI)
        for index, day in enumerate(self.days):
            if day < local.date():
                continue
            if day > local.date():
                return index * DAY_MINUTES
            clock = local.hour * 60 + local.minute + local.second / 60
            opens, afternoon = MORNING[0], AFTERNOON[0]
            morning = clock - (opens.hour * 60 + opens.minute)
            later = clock - (afternoon.hour * 60 + afternoon.minute)
            within = (min(max(morning, 0), MORNING[1]) if later < 0
                      else MORNING[1] + min(later, AFTERNOON[1]))
            return index * DAY_MINUTES + within
        return self.end


def _caller(rng: random.Random, callers: dict[str, list[dict[str, str]]], center: str,
            regular: bool) -> dict[str, str]:
    """Who calls: the regular caller, someone who called this center before, or a new
    citizen (remembered for the next time)."""
    if regular:
        return dict(REGULAR_CALLER)
    if callers[center] and rng.random() < REPEAT_SHARE:
        return rng.choice(callers[center])
    person = answers.applicant(rng)
    caller = {"name": person["name"], "phone": person["phone"]}
    callers[center].append(caller)
    return caller


def _pick(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _level(rng: random.Random) -> int:
    return int(rng.choices(list(LEVELS), list(LEVELS.values()))[0])


def _ticket_steps(rng: random.Random, ticket: int, start: float, kind: str,
                  topic: tuple[str, str, str | None, str | None], district: bool,
                  streets: Sequence[str], departments: Sequence[str]
                  ) -> list[tuple[float, CallEvent]]:
    """(minute, event) of one ticket after its call, uncut, in time order."""
    _, _, department, _ = topic
    steps: list[tuple[float, CallEvent]] = []
    now = start
    if district and rng.random() < 0.25:  # the call center hands it to the street's center
        now += rng.uniform(5, 90)
        steps.append((now, Transfer(dt.datetime.min, ticket, rng.choice(streets),
                                    "属街道辖区事项，转街道政务服务中心首问负责")))
    if department is None and rng.random() < 0.8:
        now += rng.uniform(2, 40)
        steps.append((now, Answer(dt.datetime.min, ticket, OWNER_ANSWERS[kind], False)))
    else:
        department = department or rng.choice(departments)
        # Most tickets are handed on within the hour; some wait past the next working day.
        now += rng.uniform(10, 120) if rng.random() < 0.85 else rng.uniform(1.2, 2) * DAY_MINUTES
        steps.append((now, Assign(dt.datetime.min, ticket, department, "请核实处理并答复来电人")))
        days = {"consultation": (0.2, 3.5), "complaint": (1, 9), "suggestion": (2, 12)}[kind]
        now += rng.uniform(*days) * DAY_MINUTES
        steps.append((now, Answer(dt.datetime.min, ticket, rng.choice(DEPARTMENT_ANSWERS), True,
                                  rng.randrange(3))))
    now += rng.uniform(0.1, 1.2) * DAY_MINUTES
    outcome = rng.choices(("satisfied", "unsatisfied", "unreachable"), (76, 12, 12))[0]
    notes = {"satisfied": "回访：来电人对答复满意", "unsatisfied": "回访：来电人表示问题仍未解决",
             "unreachable": "回访：三次拨打均无人接听"}
    steps.append((now, Callback(dt.datetime.min, ticket, outcome, notes[outcome])))
    if outcome == "unsatisfied":  # reopened: answered again, then called back again
        now += rng.uniform(0.5, 2) * DAY_MINUTES
        steps.append((now, Answer(dt.datetime.min, ticket, REOPENED_ANSWER,
                                  department is not None, rng.randrange(3))))
        now += rng.uniform(0.2, 1) * DAY_MINUTES
        steps.append((now, Callback(dt.datetime.min, ticket, "satisfied",
                                    "再次回访：来电人满意")))
    return steps


def _rating_steps(rng: random.Random, subject: Subject, rated: float
                  ) -> list[tuple[float, CallEvent]]:
    level = _level(rng)
    steps: list[tuple[float, CallEvent]] = [
        (rated, Rate(dt.datetime.min, subject, level,
                     COMMENTS[level] if rng.random() < 0.6 or level <= 2 else None))]
    if level <= 2:
        replied = rated + rng.uniform(0.3, 2) * DAY_MINUTES
        steps.append((replied, Rectify(dt.datetime.min, subject, False,
                                       "已约谈相关人员，重新培训服务规范，并向评价人说明情况")))
        steps.append((replied + rng.uniform(0.1, 1) * DAY_MINUTES,
                      Rectify(dt.datetime.min, subject, True,
                              "回访评价人：已说明整改情况，评价人表示认可")))
    return steps


def plan_calls(*, seed: int, week: WeekPlan, days: Sequence[dt.date], centers: Sequence[str],
               district: str, departments: Sequence[str], items: Sequence[ItemRouting],
               tickets: int) -> CallPlan:
    """The call center's events of the week, in time order (to be replayed with the
    hall's). The same seed gives the same week."""
    rng = random.Random(f"hub-demo-calls-{seed}")
    clock = _Clock(days)
    streets = [c for c in centers if c != district]
    keyed: list[tuple[float, int, CallEvent]] = []
    callers: dict[str, list[dict[str, str]]] = defaultdict(list)

    def add(minute: float, event: CallEvent) -> None:
        if minute < clock.end:
            keyed.append((minute, len(keyed), dataclasses.replace(event, at=clock.at(minute))))

    for ticket in range(tickets):
        kind = _pick(rng, KINDS)
        channel = _pick(rng, CHANNELS)
        at_district = channel == "hotline" and rng.random() < DISTRICT_SHARE * 2
        center = district if at_district else rng.choice(streets)
        topic = rng.choice(TOPICS[kind])
        start = rng.random() * (clock.end - DAY_MINUTES * 0.2)
        regular = ticket < REGULAR_CALLS  # stays at the district's desk: never transferred
        if regular:
            center, channel = district, "hotline"
        caller = _caller(rng, callers, center, regular)
        add(start, Call(dt.datetime.min, ticket, center, kind, channel, caller, topic[0],
                        topic[1], topic[3], public=channel == "web"))
        steps = _ticket_steps(rng, ticket, start, kind, topic,
                              center == district and not regular, streets, departments)
        for minute, event in steps:
            add(minute, event)
        # After the last callback: closed, rateable, but not a 民心网 case (its citizen
        # holds no receipt code of the hub, and rates it on 民心网).
        if rng.random() < TICKET_RATING_SHARE and channel != "minxin":
            rated = steps[-1][0] + rng.uniform(0.1, 1) * DAY_MINUTES
            for minute, event in _rating_steps(rng, ("ticket", ticket), rated):
                add(minute, event)
    for case, moment in sorted(conclusions(week, items).items()):
        if rng.random() < CASE_RATING_SHARE:
            rated = clock.minute(moment) + rng.uniform(0.1, 1.5) * DAY_MINUTES
            for minute, event in _rating_steps(rng, ("case", case), rated):
                add(minute, event)
    for minute, event in _appeals(keyed):
        add(minute, event)
    keyed.sort(key=lambda k: (k[0], k[1]))
    return CallPlan(events=tuple(e for _, _, e in keyed), tickets=tickets)


def _appeals(keyed: Sequence[tuple[float, int, CallEvent]]) -> list[tuple[float, CallEvent]]:
    """The first two bad ratings of cases are appealed by their centers half a day later;
    the first appeal is decided (excluded) by a supervisor, the second still waits."""
    bad = sorted((m, e) for m, _, e in keyed if isinstance(e, Rate) and e.level <= 2
                 and e.subject[0] == "case")
    planned: list[tuple[float, CallEvent]] = []
    for index, (minute, rate) in enumerate(bad[:2]):
        appealed = minute + DAY_MINUTES * 0.5
        planned.append((appealed, Appeal(dt.datetime.min, rate.subject,
                                         "评价人并非申请人本人，评价内容与办件无关")))
        if index == 0:
            planned.append((appealed + DAY_MINUTES * 0.5, DecideAppeal(
                dt.datetime.min, rate.subject, "exclude", "经核实，评价人与申请人不符，予以剔除")))
    return planned


__all__ = ["Answer", "Appeal", "Assign", "Call", "CallEvent", "CallPlan", "Callback",
           "DecideAppeal", "Rate", "Rectify", "Transfer", "conclusions", "plan_calls"]
