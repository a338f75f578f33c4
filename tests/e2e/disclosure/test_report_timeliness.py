"""The annual report counts the cases left open past their deadline (issue 21, item 1),
over HTTP on both backends: its JSON, its text, its page and its DOCX give ``overdue`` and
the timeliness rate beside the on-time rate, as e-supervision's figures do."""
from __future__ import annotations

import datetime as dt
import io

import docx

from tests.e2e.approvals.conftest import hall  # noqa: F401

REPORT = "/api/v1/disclosure/report/2026"
SAID = ("办结1件，其中按时办结1件，按时办结率100.0%；另有1件已超过办理时限仍未办结，"
        "办结及时率（按时办结件数除以办结件数与超期未办结件数之和）为50.0%")


def test_the_years_text_gives_the_overdue_cases_and_the_timeliness_rate(
        hall, frozen_clock):  # noqa: F811
    done = hall.submitted()
    hall.approve_stage(hall.approve_stage(done, 1), 2)  # concluded on its first day
    hall.submitted()  # due 14 December, still open on the 21st
    frozen_clock.advance(dt.timedelta(days=21))
    ask = {"headers": hall.supervisor.headers}

    report = hall.client.get(REPORT, **ask)
    assert report.status_code == 200, report.get_json()
    cases = report.get_json()["figures"]["cases"]
    assert {k: cases[k] for k in ("received", "concluded", "on_time", "overdue",
                                  "on_time_rate", "timeliness_rate")} == {
        "received": 2, "concluded": 1, "on_time": 1, "overdue": 1, "on_time_rate": 1.0,
        "timeliness_rate": 0.5}
    overview = " ".join(next(s for s in report.get_json()["sections"]
                             if s["heading"] == "一、总体情况")["paragraphs"])
    assert SAID in overview, overview

    page = hall.client.get(REPORT, query_string={"format": "html"}, **ask)
    assert SAID in page.get_data(as_text=True)
    document = docx.Document(io.BytesIO(
        hall.client.get(REPORT, query_string={"format": "docx"}, **ask).data))
    assert SAID in "\n".join(p.text for p in document.paragraphs)
