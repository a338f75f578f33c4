"""The demo's requests for government information: a finished year (the year before the
demo's week) and the current one up to the week, planned in advance by pure functions,
then replayed through the services, each step on its own day on the frozen clock.

The finished year has what a disclosure office meets: requests carried in from the year
before, requests across National Day and
its make-up working days, one extended, one sent back for completion and completed, one
never completed, and some received in late December and answered in January (carried
into the next year). The current year ends with requests still open: one past its limit
(red), one due today or tomorrow (yellow), one waiting for the requester. The same seed
gives the same requests.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from hub.approvals.calendar import WorkingCalendar
from hub.clock import FrozenClock
from hub.timezones import SHANGHAI
from hub.db import Database
from hub.disclosure import limits, services
from hub.disclosure.schemas import (
    DisclosureAnswerSchema,
    DisclosureExtensionSchema,
    DisclosureRegistrationSchema,
    DisclosureResubmissionSchema,
    DisclosureSupplementSchema,
)
from hub.permissions import Principal

TOPICS = (
    "沈河区老旧小区改造项目清单及资金安排", "北市场地区棚户区改造征收补偿安置方案",
    "某街道城乡低保资金发放情况", "青年大街某路段占道施工审批文件",
    "沈河区区级部门预算执行情况", "某小区加装电梯规划审批及公示材料",
    "某餐饮店食品经营许可及监督检查记录", "沈河区义务教育学校学区划分方案",
    "某地块国有建设用地使用权出让合同", "某行政处罚决定书及执法依据",
    "某建设项目环境影响评价批复", "沈河区重大建设项目进展情况",
    "某社区公共停车场收费标准及批准文件", "五爱市场周边交通组织优化方案",
    "区政府常务会议研究某事项的会议纪要",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗"
GIVEN = ("建国", "秀英", "志强", "丽华", "海燕", "明", "晓东", "桂兰", "玉梅", "国庆", "淑珍", "伟")
ORGANISATIONS = (("沈阳某商贸有限公司", "commercial"), ("辽宁某律师事务所", "legal_services"),
                 ("某高校城市规划研究院", "research"), ("某环保公益协会", "public_interest"),
                 ("沈河区某小区业主委员会", "other"))
CHANNELS = (("in_person", 30), ("web", 35), ("letter", 15), ("email", 15), ("fax", 5))
# The usual answers, by how often they come (the form's outcome and reason).
ANSWERS = ((("disclosed", None), 40), (("partly_disclosed", None), 14),
           (("unavailable", "not_held"), 16), (("unavailable", "needs_creation"), 4),
           (("withheld", "third_party"), 5), (("withheld", "process_information"), 4),
           (("withheld", "internal_affairs"), 3), (("not_processed", "petition"), 6),
           (("not_processed", "repeated"), 4), (("not_processed", "publication"), 2),
           (("other", "other"), 2))
CLOSED_REGULAR = 22  # plus the eight special ones: 30 requests, about the seed's 29 of 2016
CURRENT_REGULAR = 9


@dataclasses.dataclass(frozen=True)
class Step:
    on: dt.date
    case: int
    kind: str  # register | supplement | resubmit | extend | answer
    values: Mapping[str, Any]


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _requester(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.25:
        name, kind = rng.choice(ORGANISATIONS)
        return {"kind": "organisation", "organisation_kind": kind, "name": name,
                "contact": f"024-{rng.randint(22000000, 31999999)}"}
    return {"kind": "person", "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "contact": f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"}


class _Planner:
    def __init__(self, rng: random.Random, cal: WorkingCalendar) -> None:
        self.rng, self.cal, self.steps, self.case = rng, cal, [], 0

    def register(self, received: dt.date, year_label: int) -> int:
        self.case += 1
        topic = self.rng.choice(TOPICS)
        self.steps.append(Step(received, self.case, "register", {
            "channel": _pick(self.rng, CHANNELS), "requester": _requester(self.rng),
            "description": f"{topic}（{year_label}年）", "received_on": received.isoformat()}))
        return self.case

    def add(self, day: dt.date, case: int, kind: str, **values: Any) -> None:
        self.steps.append(Step(day, case, kind, {k: (v.isoformat() if isinstance(v, dt.date)
                                                     else v) for k, v in values.items()}))

    def answer(self, case: int, on: dt.date, answer: tuple[str, str | None] | None = None
               ) -> None:
        outcome, reason = answer or _pick(self.rng, ANSWERS)
        self.add(on, case, "answer", outcome=outcome, reason=reason, answered_on=on)

    def after(self, day: dt.date, low: int, high: int) -> dt.date:
        return self.cal.add_working_days(day, self.rng.randint(low, high))

    def working_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        return [d for d in days if self.cal.is_working_day(d)]


def plan_requests(*, seed: int, cal: WorkingCalendar, today: dt.date) -> list[Step]:
    """The finished year (``today``'s year before) and the current one up to the last
    working day before ``today``, as dated steps in order."""
    p = _Planner(random.Random(seed), cal)
    _closed_year(p, today.year - 1)
    _current_year(p, today)
    return sorted(p.steps, key=lambda s: (s.on, s.case, s.kind != "register"))


def _closed_year(p: _Planner, year: int) -> None:
    national_day = dt.date(year, 10, 1)
    near = dt.timedelta(days=12)
    regular = [d for d in p.working_days(dt.date(year, 1, 5), dt.date(year, 11, 28))
               if not national_day - near <= d <= national_day + near]
    # Carried in: received in the last days of the year before, answered in January.
    for received in p.working_days(dt.date(year - 1, 12, 22), dt.date(year - 1, 12, 31))[-2:]:
        p.answer(p.register(received, year - 1), p.after(received, 4, 9))
    for received in sorted(p.rng.sample(regular, CLOSED_REGULAR)):
        p.answer(p.register(received, year), p.after(received, 2, 18))
    # Across National Day: received in the week before, answered after the holiday.
    before = p.working_days(national_day - dt.timedelta(days=9),
                            national_day - dt.timedelta(days=1))
    for received in before[-3:]:
        p.answer(p.register(received, year), p.after(received, 8, 16))
    # One extended (third parties to consult), answered within the forty working days.
    received = before[-2]
    case = p.register(received, year)
    due = limits.answer_limit(p.cal, received).due_on
    assert due is not None
    p.add(p.cal.add_working_days(received, 17), case, "extend",
          reason="需书面征求第三方意见，经政务公开工作机构负责人批准延长答复期限",
          on=p.cal.add_working_days(received, 17))
    p.answer(case, p.cal.add_working_days(received, 31), ("partly_disclosed", None))
    # One sent back for completion and completed; one never completed.
    received = p.working_days(dt.date(year, 4, 7), dt.date(year, 4, 30))[0]
    case = p.register(received, year)
    asked = p.after(received, 2, 4)
    p.add(asked, case, "supplement", reason="申请内容不明确：请写明所需文件的名称、文号或其他特征",
          on=asked)
    completed = p.after(asked, 3, 6)
    p.add(completed, case, "resubmit", on=completed)
    p.answer(case, p.after(completed, 5, 12), ("disclosed", None))
    received = p.working_days(dt.date(year, 6, 16), dt.date(year, 6, 30))[0]
    case = p.register(received, year)
    asked = p.after(received, 1, 3)
    p.add(asked, case, "supplement", reason="请补充所需信息的具体范围和时间段", on=asked)
    p.answer(case, p.cal.add_working_days(asked, 25), ("other", "no_supplement"))
    # Received late in December, answered in January: carried into the next year.
    for received in p.working_days(dt.date(year, 12, 15), dt.date(year, 12, 30))[::5][:3]:
        case = p.register(received, year)
        due = limits.answer_limit(p.cal, received).due_on
        assert due is not None
        january = p.cal.add_working_days(dt.date(year, 12, 31), p.rng.randint(2, 6))
        p.answer(case, min(due, january))


def _current_year(p: _Planner, today: dt.date) -> None:
    year = today.year
    last = today - dt.timedelta(days=1)
    window = p.working_days(dt.date(year, 1, 5), last - dt.timedelta(days=40))
    for received in sorted(p.rng.sample(window, min(CURRENT_REGULAR, len(window)))):
        p.answer(p.register(received, year), p.after(received, 2, 18))
    recent = p.working_days(last - dt.timedelta(days=60), last)
    if len(recent) < 30:
        return
    # Still open when the demo's week has run (its Friday): past its limit (red), due that
    # Friday (yellow), just received, and one waiting for the requester.
    for back in (25, 15, 3):
        p.register(recent[-back], year)
    case = p.register(recent[-4], year)
    p.add(recent[-2], case, "supplement", reason="申请内容不明确：请写明所需信息的时间范围",
          on=recent[-2])


# -- Replay -------------------------------------------------------------------------------------

_SCHEMAS = {"register": DisclosureRegistrationSchema, "supplement": DisclosureSupplementSchema,
            "resubmit": DisclosureResubmissionSchema, "extend": DisclosureExtensionSchema,
            "answer": DisclosureAnswerSchema}


def replay_requests(database: Database, clock: FrozenClock, steps: list[Step], clerk: Principal,
                    chief: Principal, *, progress: Callable[[Step], None] | None = None
                    ) -> dict[int, uuid.UUID]:
    """Carry out the steps through the services (inside the app's context), each at
    10:00 on its own day; inputs go through the API's schemas first."""
    ids: dict[int, uuid.UUID] = {}
    for step in steps:
        clock.set(dt.datetime.combine(step.on, dt.time(10, 0), tzinfo=SHANGHAI))
        values = _SCHEMAS[step.kind]().load(dict(step.values))
        with database.session_scope() as session:
            if step.kind == "register":
                req, _ = services.register_request(session, clerk, values,
                                                   idempotency_key=f"demo-disclosure-{step.case}")
                ids[step.case] = req.id
            elif step.kind == "supplement":
                services.request_supplement(session, clerk, ids[step.case], values["reason"],
                                            values["on"])
            elif step.kind == "resubmit":
                services.resubmit_request(session, clerk, ids[step.case], values["on"])
            elif step.kind == "extend":
                services.extend_request(session, chief, ids[step.case], values["reason"],
                                        values["on"])
            else:
                services.answer_request(session, clerk, ids[step.case], values["outcome"],
                                        values["reason"], values["answered_on"])
        if progress is not None:
            progress(step)
    return ids


# What the administrator keeps for the finished year (demo figures, of a district's size).
YEAR_FIGURES: dict[str, Any] = {
    "proactive": {"regulations": {"made": 0, "abolished": 0, "in_force": 0},
                  "normative_documents": {"made": 6, "abolished": 2, "in_force": 41},
                  "licences": 3126, "penalties": 412, "coercions": 23, "fees": "18.6"},
    "reviews": {}, "processing_fees": "0", "problems": None,
    "other_matters": "承办省市区人大代表建议和政协提案，办理结果全部公开。",
}


__all__ = ["Step", "YEAR_FIGURES", "plan_requests", "replay_requests"]
