"""The annual report's arithmetic: a worked example by hand, and the property that for
any set of requests the form's check holds in every year and each year's carried-out
row is the next year's carried-in row, column by column."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.disclosure import narrative
from hub.disclosure.categories import OUTCOMES
from hub.disclosure.report import (
    COLUMNS,
    ROWS,
    RequestFacts,
    amount,
    column_of,
    requests_table,
    review_totals,
)

D = dt.date


def values(table, key):
    return next(r["values"] for r in table["table"]["rows"] if r["key"] == key)


def test_a_year_worked_by_hand():
    facts = [
        # received late 2024, answered in January: carried in, answered in 2025
        RequestFacts(D(2024, 12, 20), D(2025, 1, 10), "person", "disclosed", None, True,
                     D(2025, 1, 20)),
        RequestFacts(D(2025, 3, 1), D(2025, 3, 20), "person", "partly_disclosed", None, True,
                     D(2025, 3, 28), supplemented=True),
        # a firm, answered late
        RequestFacts(D(2025, 6, 2), D(2025, 7, 15), "organisation.commercial", "withheld",
                     "third_party", False, D(2025, 6, 30), extended=True),
        # received in December: one still open at the year's end (and late by then), one
        # answered in January
        RequestFacts(D(2025, 11, 20), None, "organisation.legal_services", due_on=D(2025, 12, 18)),
        RequestFacts(D(2025, 12, 28), D(2026, 1, 5), "person", "other", "no_supplement", True),
        # outside 2025 altogether
        RequestFacts(D(2024, 3, 1), D(2024, 3, 5), "person", "disclosed", None, True),
        RequestFacts(D(2026, 1, 2), None, "person"),
    ]
    year = requests_table(facts, 2025)
    assert year["carried_in"] == 1
    assert year["received"] == {"person": 2, "organisation": 2, "total": 4}
    assert year["answered"] == 3 and year["carried_out"] == 2
    assert year["by_outcome"] == {"disclosed": 1, "partly_disclosed": 1, "withheld": 1,
                                  "unavailable": 0, "not_processed": 0, "other": 0}
    assert year["by_reason"]["withheld"]["third_party"] == 1
    assert (year["on_time"], year["late"], year["overdue"]) == (2, 1, 1)
    assert year["on_time_rate"] == 2 / 3
    assert (year["extended"], year["supplemented"]) == (1, 1)
    assert year["check"] == {"ok": True, "carried_in_plus_received": 5,
                             "answered_plus_carried_out": 5}
    assert values(year, "withheld.third_party")["organisation.commercial"] == 1
    assert values(year, "carried_out") == {
        "person": 1, "organisation.commercial": 0, "organisation.research": 0,
        "organisation.public_interest": 0, "organisation.legal_services": 1,
        "organisation.other": 0, "total": 2}
    # The same request judged on 1 December of a year still in progress is not late yet.
    assert requests_table(facts, 2025, as_of=D(2025, 12, 1))["overdue"] == 0
    following = requests_table(facts, 2026)
    assert following["carried_in"] == 2 and following["answered"] == 1


def test_the_rows_are_the_forms():
    labels = [row.label for row in ROWS]
    assert labels[0] == "一、本年新收政府信息公开申请数量"
    assert labels[1] == "二、上年结转政府信息公开申请数量"
    assert labels[2] == "（一）予以公开"
    assert "3.危及“三安全一稳定”" in labels and "8.属于行政查询事项" in labels
    assert "3.补正后申请内容仍不明确" in labels and "5.要求行政机关确认或重新出具已获取信息" in labels
    assert labels[-2:] == ["（七）总计", "四、结转下年度继续办理"]
    assert len(ROWS) == 2 + 2 + 8 + 3 + 5 + 3 + 1 + 1
    assert [label for _, label in COLUMNS] == ["自然人", "商业企业", "科研机构", "社会公益组织",
                                               "法律服务机构", "其他"]


def test_columns_and_amounts():
    assert column_of("person", None) == "person"
    assert column_of("organisation", None) == "organisation.other"
    assert column_of("organisation", "research") == "organisation.research"
    assert [amount(v) for v in ("2.0200", "0.0000", "316441", "100")] == ["2.02", "0", "316441",
                                                                          "100"]
    totals = review_totals({"reconsideration": {"upheld": 2, "pending": 1}})
    assert totals["reconsideration"] == {"upheld": 2, "corrected": 0, "other": 0, "pending": 1,
                                         "total": 3}
    assert totals["litigation_after_review"]["total"] == 0


_ANSWERS = [(o.code, r.code) for o in OUTCOMES for r in o.reasons] + \
    [(o.code, None) for o in OUTCOMES if not o.reasons]


@st.composite
def a_request(draw):
    received = draw(st.dates(D(2022, 1, 1), D(2027, 12, 31)))
    answered = draw(st.none() | st.integers(0, 500).map(
        lambda n: received + dt.timedelta(days=n)))
    outcome, reason = draw(st.sampled_from(_ANSWERS))
    return RequestFacts(
        received_on=received, answered_on=answered,
        column=draw(st.sampled_from([key for key, _ in COLUMNS])),
        outcome=outcome if answered else None, reason=reason if answered else None,
        on_time=draw(st.booleans()) if answered else None,
        due_on=received + dt.timedelta(days=28), extended=draw(st.booleans()),
        supplemented=draw(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(st.lists(a_request(), max_size=60))
def test_the_check_holds_every_year_and_carried_out_is_the_next_carried_in(facts):
    tables = {year: requests_table(facts, year) for year in range(2021, 2030)}
    for year, table in tables.items():
        assert table["check"]["ok"], year
        for column in [key for key, _ in COLUMNS] + ["total"]:
            first = values(table, "carried_in")[column] + values(table, "received")[column]
            second = values(table, "answered")[column] + values(table, "carried_out")[column]
            assert first == second, (year, column)
            outcomes = sum(values(table, row.key)[column] for row in ROWS
                           if row.group not in (None,) and row.key != "answered")
            assert outcomes == values(table, "answered")[column]
        if year + 1 in tables:
            assert values(table, "carried_out") == values(tables[year + 1], "carried_in")
    # Every request is received once, in its own year.
    assert sum(t["received"]["total"] for t in tables.values()) == \
        sum(1 for f in facts if 2021 <= f.received_on.year <= 2029)


def test_the_text_tells_the_centers_year_and_the_call_centers_when_it_has_them():
    kept = {"reconsideration": {"total": 0}, "litigation_direct": {"total": 0},
            "litigation_after_review": {"total": 0}}
    facts = [RequestFacts(D(2025, 3, 1), D(2025, 3, 20), "person", "disclosed", None, True)]
    year = requests_table(facts, 2025)
    cases = narrative.CaseFigures(received=3820, concluded=2735, on_time=2700, centers=16)
    text = narrative.overview("沈河区", 2025, year, {"kept": False}, kept,
                              narrative.HubFigures(cases=cases))
    assert ("全区16个政务服务中心共受理办件3820件，办结2735件，其中按时办结2700件，"
            "按时办结率98.7%") in text[2]
    assert "114" not in text[2]
    assert "全部在法定期限内答复" in text[1] and "案件为零" in text[3]
    figures = narrative.HubFigures(cases=narrative.CaseFigures(0, 0, 0, 16),
                                   hotline=narrative.HotlineFigures(5120, 5080),
                                   ratings=narrative.RatingFigures(900, 870))
    with_hotline = narrative.overview("沈河区", 2025, year, {"kept": False}, kept, figures)
    assert "尚无2025年度的办件记录" in with_hotline[2]
    assert "受理工单5120件，答复5080件" in with_hotline[2] and "满意率96.7%" in with_hotline[2]


def test_the_text_gives_overdue_cases_and_the_timeliness_rate_beside_the_on_time_rate():
    kept = {"reconsideration": {"total": 0}, "litigation_direct": {"total": 0},
            "litigation_after_review": {"total": 0}}
    year = requests_table([], 2026)
    # The demo's 2026: almost everything concluded was on time, but 801 cases are late.
    cases = narrative.CaseFigures(received=3824, concluded=2799, on_time=2797, centers=16,
                                  overdue=801)
    assert (cases.on_time_rate, cases.timeliness_rate) == (0.9993, 0.7769)
    text = narrative.overview("沈河区", 2026, year, {"kept": False}, kept,
                              narrative.HubFigures(cases=cases))[2]
    assert ("按时办结率99.9%；另有801件已超过办理时限仍未办结，办结及时率（按时办结件数除以办结件数"
            "与超期未办结件数之和）为77.7%。") in text
    none_late = narrative.CaseFigures(received=3, concluded=2, on_time=2, centers=16)
    text = narrative.overview("沈河区", 2026, year, {"kept": False}, kept,
                              narrative.HubFigures(cases=none_late))[2]
    assert "没有超过办理时限仍未办结的办件，办结及时率" in text and "为100.0%" in text
