"""The demo's planned requests for government information (pure): the finished year has
every walk of the statutory clock, every step is one the services accept, and the same
seed gives the same requests."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from chinese_calendar import constants

from hub.demo.disclosure import plan_requests
from hub.disclosure import limits
from tests.factories import official_calendar

CAL = official_calendar(*sorted({d.year for d in constants.holidays}))
MONDAY = dt.date(2026, 11, 30)


def _by_case(steps):
    cases = defaultdict(list)
    for step in steps:
        cases[step.case].append(step)
    return cases


def test_the_finished_year_has_every_walk_of_the_clock():
    steps = plan_requests(seed=2026, cal=CAL, today=MONDAY)
    cases = _by_case(steps)
    received = {c: dt.date.fromisoformat(s[0].values["received_on"]) for c, s in cases.items()}
    kinds = {c: [s.kind for s in ss] for c, ss in cases.items()}
    answered = {c: ss[-1].on for c, ss in cases.items() if ss[-1].kind == "answer"}
    in_2025 = [c for c, d in received.items() if d.year == 2025]
    assert len(in_2025) >= 29
    assert sum(d.year == 2024 and answered[c].year == 2025 for c, d in received.items()) >= 1
    assert sum(dt.date(2025, 9, 24) <= received[c] <= dt.date(2025, 9, 30)
               and answered[c] > dt.date(2025, 10, 8) for c in in_2025 if c in answered) >= 3
    assert sum("extend" in k for c, k in kinds.items() if c in in_2025) == 1
    walks = [k[:4] for k in kinds.values()]
    assert walks.count(["register", "supplement", "resubmit", "answer"]) == 1
    assert any(s.values.get("reason") == "no_supplement" for s in steps)
    assert sum(c in in_2025 and c in answered and answered[c].year == 2026 for c in cases) >= 3
    # The current year ends with open requests: one past its limit by the week's Friday,
    # one due then, one waiting for the requester.
    friday = MONDAY + dt.timedelta(days=4)
    open_ones = [c for c, k in kinds.items() if k == ["register"]]
    warnings = {limits.warning(limits.answer_limit(CAL, received[c]), friday) for c in open_ones}
    assert {"red", "yellow"} <= warnings
    assert any(k == ["register", "supplement"] for k in kinds.values())


def test_every_step_is_one_the_services_accept():
    for case, steps in _by_case(plan_requests(seed=7, cal=CAL, today=MONDAY)).items():
        received = dt.date.fromisoformat(steps[0].values["received_on"])
        assert steps[0].on == received < MONDAY
        extended, resubmitted, waiting = False, None, False
        for step in steps[1:]:
            assert received <= step.on < MONDAY, (case, step)
            if step.kind == "supplement":
                assert step.on <= limits.supplement_deadline(CAL, received)
                waiting = True
            elif step.kind == "resubmit":
                resubmitted, waiting = step.on, False
            elif step.kind == "extend":
                extended = True
            due = limits.answer_limit(CAL, received, resubmitted_on=resubmitted,
                                      extended=extended, waiting=waiting).due_on
            if step.kind == "answer":
                assert due is None or step.on <= due, (case, step)  # the finished year: on time
            if step.kind == "extend":
                assert step.on <= limits.answer_limit(CAL, received).due_on


def test_the_same_seed_gives_the_same_requests():
    assert plan_requests(seed=3, cal=CAL, today=MONDAY) == plan_requests(seed=3, cal=CAL,
                                                                          today=MONDAY)
    assert plan_requests(seed=3, cal=CAL, today=MONDAY) != plan_requests(seed=4, cal=CAL,
                                                                          today=MONDAY)
