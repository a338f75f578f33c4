"""The officials' and administrators' cast for the browser tests: two streets that both
conclude every case on time, one of them leaving many more open past their deadlines;
a department nobody approves for; cases made through the services on the frozen clock."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import pytest
from flask import Flask

from hub import db as hub_db
from hub.approvals import services
from hub.approvals.forms import with_check_character
from hub.clock import FrozenClock
from hub.directory.auth import principal_for
from hub.directory.models import User
from tests.factories import People

ID_NUMBER = with_check_character("21010319850612002")
LICENCE = [{"mode": "all", "tasks": [{"department": "market", "days": 2}]}]
PLANNING = [{"mode": "all", "tasks": [{"department": "planning", "days": 3}]}]
LEFT_OPEN = 55  # daxi's cases left open: more than a page of the warnings list


@dataclasses.dataclass
class Workbench:
    app: Flask
    people: People
    clock: FrozenClock
    cases: dict[str, list[uuid.UUID]]

    def submit(self, clerk: str, item: str = "licence-change", n: int = 1) -> list[Any]:
        made = []
        with hub_db.get_database(self.app).session_scope() as session:
            who = principal_for(session.query(User).filter_by(username=clerk).one())
            for _ in range(n):
                submitted = services.submit_application(session, who, {
                    "service_item": item, "center": who.center, "form": {},
                    "applicant": {"name": "王小明", "id_number": ID_NUMBER,
                                  "phone": "13812345678"}})
                made.append(submitted.application.id)
        return made

    def approve(self, application_id: uuid.UUID, approver: str = "market.li") -> None:
        with hub_db.get_database(self.app).session_scope() as session:
            who = principal_for(session.query(User).filter_by(username=approver).one())
            case = services.load_application(session, application_id)
            task = next(t for t in case.tasks if t.status == "pending")
            services.decide_task(session, who, task.id, "approve", None, task.version)


@pytest.fixture
def workbench(app, people, frozen_clock):  # type: ignore[no-untyped-def]
    """Monday 30 November: binhe and daxi each conclude three cases on time; daxi leaves
    LEFT_OPEN more open and one waits at planning, where nobody approves. Ten days on,
    all of those are overdue (a three-day item)."""
    for code, name in (("market", "区市场监督管理局"), ("planning", "区自然资源和规划分局")):
        people.department(code, name)
    people.service_item(code="licence-change", name="营业执照变更登记", promised_days=3,
                        form=[], stages=LICENCE)
    people.service_item(code="plan-check", name="规划条件核实", promised_days=5, form=[],
                        stages=PLANNING)
    for username, center in (("clerk.binhe", "binhe"), ("clerk.daxi", "daxi")):
        people.clerk(center=center, username=username)
    people.approver("market", username="market.li")
    people.chief("market", username="market.chief")
    people.supervisor(username="official")
    people.admin(username="guan")
    bench = Workbench(app, people, frozen_clock, {})
    for clerk in ("clerk.binhe", "clerk.daxi"):
        done = bench.submit(clerk, n=3)
        for case in done:
            bench.approve(case)
        bench.cases[clerk] = done
    bench.cases["open"] = bench.submit("clerk.daxi", n=LEFT_OPEN)
    bench.cases["nobody"] = bench.submit("clerk.daxi", item="plan-check")
    frozen_clock.advance(dt.timedelta(days=10))  # Thursday 10 December, 09:00
    return bench
