"""E-supervision over HTTP: the walks of the hall show in the figures, the ranking, the
annual report, the spreadsheets and the metrics; only officials read them."""
from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from hub.supervision.indicators import composite_score
from tests.e2e.monitoring.exposition import samples, value
from tests.factories import Person

CENTERS = "/api/v1/supervision/centers"
DEPARTMENTS = "/api/v1/supervision/departments"
RANKING = "/api/v1/supervision/ranking"
REPORT = "/api/v1/supervision/report"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(client, path, who, **query):  # type: ignore[no-untyped-def]
    response = client.get(path, headers=who.headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    return {row.get("center") or row.get("department"): row for row in response.get_json()["items"]}


def _renew_tokens(hall) -> None:  # type: ignore[no-untyped-def]
    def renew(person: Person) -> Person:
        return Person(user=person.user, token=hall.people.token_for(person.user))

    hall.clerk, hall.supervisor, hall.admin = (renew(p) for p in
                                               (hall.clerk, hall.supervisor, hall.admin))
    hall.approvers = {d: renew(p) for d, p in hall.approvers.items()}
    hall.chiefs = {d: renew(p) for d, p in hall.chiefs.items()}


@pytest.fixture
def walked(hall, frozen_clock):  # type: ignore[no-untyped-def]
    """At binhe: one case approved through both stages, one rejected, one withdrawn after
    a supplement and its resubmission; at daxi one case left open until it is overdue."""
    approved = hall.submitted()
    frozen_clock.advance(dt.timedelta(hours=2))
    approved = hall.approve_stage(approved, 1)
    frozen_clock.advance(dt.timedelta(hours=3))
    approved = hall.approve_stage(approved, 2)
    assert approved["status"] == "approved"

    rejected = hall.submitted()
    hall.decided(hall.task(rejected, "market"), "reject", comment="经营场所不符合要求")

    withdrawn = hall.submitted()
    asked = hall.decided(hall.task(withdrawn, "market"), "request_supplement",
                         comment="请补充营业执照")
    assert asked["application"]["status"] == "supplement_requested"
    frozen_clock.advance(dt.timedelta(hours=1))
    resubmitted = hall.client.post(f"/api/v1/applications/{withdrawn['id']}/resubmit",
                                   json={"form": {"shop_name": "老边饺子馆（补正）"}},
                                   headers=hall.clerk.headers)
    assert resubmitted.status_code == 200, resubmitted.get_json()
    response = hall.client.post(f"/api/v1/applications/{withdrawn['id']}/withdraw",
                                json={"reason": "申请人不再开店"}, headers=hall.clerk.headers)
    assert response.status_code == 200, response.get_json()

    daxi = hall.people.clerk(center="daxi")
    overdue = hall.submitted(clerk=daxi)
    frozen_clock.advance(dt.timedelta(days=30))  # far past its ten working days
    _renew_tokens(hall)  # the frozen clock outran their eight hours
    return {"approved": approved, "rejected": rejected, "withdrawn": withdrawn,
            "overdue": overdue}


def test_the_walks_show_in_the_center_figures(hall, walked) -> None:
    rows = _rows(hall.client, CENTERS, hall.supervisor)
    assert list(rows)[:2] == ["district", "binhe"] and len(rows) == 16
    binhe, daxi = rows["binhe"], rows["daxi"]
    assert (binhe["received"], binhe["concluded"], binhe["on_time"]) == (3, 3, 3)
    assert binhe["on_time_rate"] == 1.0 and binhe["early_rate"] == 1.0
    assert binhe["in_progress"] == 0
    assert (daxi["received"], daxi["concluded"], daxi["on_time_rate"]) == (1, 0, None)
    assert (daxi["in_progress"], daxi["yellow"], daxi["red"]) == (1, 0, 1)
    assert rows["dongling"]["received"] == 0 and rows["dongling"]["avg_working_days"] is None
    # A period before anything happened is empty; the period of the walks holds them.
    assert _rows(hall.client, CENTERS, hall.supervisor, to="2026-11-29")["binhe"]["received"] == 0
    period = _rows(hall.client, CENTERS, hall.supervisor, **{"from": "2026-11-30",
                                                            "to": "2026-11-30"})
    assert period["binhe"]["received"] == 3 and period["binhe"]["concluded"] == 3
    assert _rows(hall.client, CENTERS, hall.supervisor,
                 **{"from": "2026-12-01"})["binhe"]["concluded"] == 0


def test_the_walks_show_in_the_department_figures(hall, walked) -> None:
    rows = _rows(hall.client, DEPARTMENTS, hall.admin)
    market, food = rows["market"], rows["food"]
    # market: the approved case's task, the rejected one, and the supplemented task that
    # the withdrawal cancelled; the overdue case's task waits, red.
    assert (market["received"], market["concluded"], market["on_time"]) == (4, 2, 2)
    assert (market["in_progress"], market["red"]) == (1, 1)
    assert market["last_day_rate"] is not None
    assert (food["received"], food["concluded"], food["in_progress"]) == (1, 1, 0)


def test_the_same_walks_in_the_metrics(hall, walked) -> None:
    found = samples(hall.client.get("/metrics").get_data(as_text=True))
    assert value(found, "hub_applications_submitted_total", center="binhe") == 3
    assert value(found, "hub_applications_submitted_total", center="dongling") == 0
    for outcome in ("approved", "rejected", "withdrawn"):
        assert value(found, "hub_applications_concluded_total", center="binhe",
                     outcome=outcome, on_time="true") == 1
        assert value(found, "hub_applications_concluded_total", center="binhe",
                     outcome=outcome, on_time="false") == 0
    assert value(found, "hub_applications_in_progress", center="daxi", warning="red") == 1
    assert value(found, "hub_applications_in_progress", center="binhe", warning="none") == 0
    assert value(found, "hub_tasks_open", department="market", warning="red") == 1
    # market decided three times: approve, reject, ask for a supplement.
    assert value(found, "hub_task_decision_duration_seconds_count", department="market") == 3
    assert value(found, "hub_task_decision_duration_seconds_bucket", department="market",
                 le="+Inf") == 3
    assert value(found, "hub_task_decision_duration_seconds_count", department="food") == 1


def test_overdue_is_the_red_in_progress_gauge(hall, walked) -> None:
    """The API's overdue over all time and Prometheus's red cases in progress are one
    definition (open, clock running, past due): the gauge needs no twin."""
    rows = _rows(hall.client, CENTERS, hall.supervisor)
    found = samples(hall.client.get("/metrics").get_data(as_text=True))
    for center, row in rows.items():
        assert row["overdue"] == value(found, "hub_applications_in_progress", center=center,
                                       warning="red"), center
    assert rows["daxi"]["overdue"] == 1
    # daxi's case was received on 30 November and fell due in December: a period of
    # December holds it, whenever it was received; November does not.
    december = _rows(hall.client, CENTERS, hall.supervisor, **{"from": "2026-12-01",
                                                               "to": "2026-12-31"})
    november = _rows(hall.client, CENTERS, hall.supervisor, **{"from": "2026-11-01",
                                                               "to": "2026-11-30"})
    assert (december["daxi"]["received"], december["daxi"]["overdue"]) == (0, 1)
    assert (november["daxi"]["received"], november["daxi"]["overdue"]) == (1, 0)
    assert november["daxi"]["timeliness_rate"] is None
    assert december["daxi"]["timeliness_rate"] == 0.0


def test_the_street_ranking(hall, walked) -> None:
    response = hall.client.get(RANKING, headers=hall.supervisor.headers)
    items = response.get_json()["items"]
    assert len(items) == 15 and all(item["level"] == "street" for item in items)
    assert items[0]["center"] == "binhe" and items[0]["rank"] == 1
    # daxi concluded nothing but holds an overdue case: ranked (last), not left out.
    daxi = items[1]
    assert (daxi["center"], daxi["rank"], daxi["overdue"]) == ("daxi", 2, 1)
    assert daxi["timeliness_rate"] == 0.0 and daxi["on_time_rate"] is None
    assert all(item["rank"] is None for item in items[2:])  # nothing due there
    # The composite score beside it: no ratings wired in, so timeliness and supplements.
    binhe = items[0]
    assert binhe["satisfaction_rate"] is None
    assert binhe["composite_score"] == composite_score(1.0, None, binhe["supplements_per_case"])


def test_the_annual_report_adds_up(hall, walked) -> None:
    response = hall.client.get(REPORT, headers=hall.supervisor.headers,
                               query_string={"year": 2026})
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["ok"] and all(check["ok"] for check in report["checks"])
    total = report["total"]
    assert (total["received"], total["concluded"]) == (4, 3)
    assert (total["approved"], total["rejected"], total["withdrawn"]) == (1, 1, 1)
    assert total["supplement_requests"] == 1 and total["on_time_rate"] == 1.0
    assert report["rejection_reasons"] == [{"reason": "经营场所不符合要求", "count": 1}]
    assert sum(row["received"] for row in report["centers"]) == total["received"]
    empty = hall.client.get(REPORT, headers=hall.supervisor.headers,
                            query_string={"year": 2025}).get_json()
    assert empty["ok"] and empty["total"]["received"] == 0


def test_csv_export_opens_in_a_spreadsheet(hall, walked) -> None:
    response = hall.client.get(CENTERS, headers=hall.supervisor.headers,
                               query_string={"format": "csv"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["中心编码", "中心名称", "受理件数", "办结件数"]
    assert len(rows) == 17
    binhe = dict(zip(rows[0], next(r for r in rows if r[0] == "binhe"), strict=True))
    assert binhe["中心名称"] == "滨河街道政务服务中心"
    assert binhe["受理件数"] == "3" and binhe["按时办结率"] == "100.00%"
    daxi = dict(zip(rows[0], next(r for r in rows if r[0] == "daxi"), strict=True))
    assert daxi["按时办结率"] == ""  # nothing concluded: no rate, not 0 %
    # ... but its overdue case counts against its timeliness.
    assert (daxi["超期未办结件数"], daxi["办结及时率"]) == ("1", "0.00%")
    assert binhe["办结及时率"] == "100.00%"

    ranking = hall.client.get(RANKING, headers=hall.supervisor.headers,
                              query_string={"format": "csv"})
    ranked = list(csv.reader(io.StringIO(ranking.data.decode("utf-8-sig"))))
    assert ranked[0][:4] == ["排名（按办结及时率）", "中心编码", "中心名称", "综合评分"]
    assert [r[1] for r in ranked[1:3]] == ["binhe", "daxi"]


def test_xlsx_exports(hall, walked) -> None:
    response = hall.client.get(DEPARTMENTS, headers=hall.supervisor.headers,
                               query_string={"format": "xlsx"})
    assert response.status_code == 200 and response.mimetype == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["部门编码", "部门名称", "受理件数"]
    market = next(row for row in sheet.iter_rows(min_row=2, values_only=True)
                  if row[0] == "market")
    assert market[header.index("受理件数")] == 4
    rate_column = header.index("按时办结率") + 1
    assert sheet.cell(row=2, column=rate_column).number_format == "0.00%"

    report = hall.client.get(REPORT, headers=hall.supervisor.headers,
                             query_string={"year": 2026, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(report.data))
    assert book.sheetnames == ["2026年度办件统计", "不予许可理由", "合计核对"]
    first = book.worksheets[0]
    header = [cell.value for cell in first[1]]
    last = [cell.value for cell in first[first.max_row]]
    assert last[0] == "合计" and last[2] == 4
    assert last[header.index("超期未办结件数")] == 1  # daxi's, due in 2026 and past
    assert last[header.index("办结及时率")] == 0.75  # 3 on time / (3 concluded + 1)


def test_only_officials_read_the_figures(hall, client) -> None:
    for path in (CENTERS, DEPARTMENTS, RANKING, f"{REPORT}?year=2026"):
        assert client.get(path).status_code == 401
        for who in (hall.clerk, hall.approvers["market"], hall.chiefs["fire"]):
            response = client.get(path, headers=who.headers)
            assert response.status_code == 403
            assert response.mimetype == "application/problem+json"
        assert client.get(path, headers=hall.admin.headers).status_code == 200


@pytest.mark.parametrize("query, field", [
    ({"from": "2026-12-01", "to": "2026-11-01"}, "to"),
    ({"from": "2026-13-01"}, "from"),
    ({"format": "pdf"}, "format"),
])
def test_bad_queries_name_the_field(hall, query, field) -> None:
    response = hall.client.get(CENTERS, headers=hall.supervisor.headers, query_string=query)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_the_report_needs_a_plausible_year(hall) -> None:
    for query in ({}, {"year": "abc"}, {"year": 1999}):
        response = hall.client.get(REPORT, headers=hall.supervisor.headers, query_string=query)
        assert response.status_code == 422
        assert "year" in response.get_json()["errors"]


def test_openapi_describes_the_endpoints_and_their_spreadsheets(client) -> None:
    spec = client.get("/openapi.json").get_json()
    for path in (CENTERS, DEPARTMENTS, RANKING, REPORT):
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert {"application/json", "text/csv", XLSX} <= set(content)
        ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        assert ref in spec["components"]["schemas"]
    assert "/metrics" in spec["paths"]
    parameters = {p["name"] for p in spec["paths"][CENTERS]["get"]["parameters"]}
    assert {"from", "to", "format"} <= parameters
