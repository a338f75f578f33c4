"""The call center's figures over HTTP, on SQLite and PostgreSQL: the three rates per
center and the streets ranked on them, satisfaction per center and per department,
the spreadsheets, who may read them."""
from __future__ import annotations

import csv
import io

from tests.e2e.ratings.conftest import concluded, rate
from tests.e2e.tickets.conftest import cc as cc  # noqa: F401 - the fixture, reused
from tests.e2e.tickets.conftest import later


def _rows(client, who, path, **query):
    response = client.get(f"/api/v1/supervision/{path}", query_string=query, headers=who.headers)
    assert response.status_code == 200, response.json
    return {r.get("center") or r.get("department"): r for r in response.json["items"]}


def test_the_three_rates_per_center_and_the_ranking(app, cc):
    quick = cc.received()
    quick_code = quick["receipt_code"]
    quick = cc.acted(quick, "assign", department="market")
    quick = cc.acted(quick, "reply", cc.approvers["market"], content="已处理")
    quick = cc.acted(quick, "close", outcome="satisfied")
    cc.received(kind="consultation", subject="未处理的咨询")
    late = cc.received(kind="consultation", subject="答复较晚的咨询")
    daxi = cc.received(cc.other, kind="suggestion")
    daxi_code = daxi["receipt_code"]
    daxi = cc.acted(daxi, "reply", cc.other, content="已转有关部门研究")
    daxi = cc.acted(daxi, "close", cc.other, outcome="unreachable")
    assert rate(cc.client, quick["number"], quick_code, 5).status_code == 201
    assert rate(cc.client, daxi["number"], daxi_code, 2).status_code == 201
    later(app, days=2)  # Wednesday 2 December: the late consultation's response is late
    late = cc.acted(cc.get(late["id"]).json, "reply", content="可以办理")
    later(app, days=2)  # Friday 4 December
    cc.acted(late, "close", outcome="unsatisfied")

    rows = _rows(cc.client, cc.supervisor, "tickets")
    binhe, daxi_row, district = rows["binhe"], rows["daxi"], rows["district"]
    assert (binhe["received"], binhe["responded"], binhe["response_rate"]) == (3, 1, 0.3333)
    # The quick one only: the late one was reopened, so it is no longer answered.
    assert binhe["answered_on_time"] == 1
    # The untouched consultation was due Thursday; the reopened one is due again.
    assert binhe["overdue"] == 1
    assert (binhe["resolved"], binhe["resolution_rate"]) == (1, 0.5)
    assert (binhe["ratings"], binhe["satisfaction_rate"]) == (1, 1.0)
    assert binhe["score"] == round((0.1 * 0.3333 + 0.45 * 0.5 + 0.45 * 1.0), 4)
    # daxi: received 1, responded (the reply at once), unreachable is left out.
    assert (daxi_row["received"], daxi_row["response_rate"]) == (1, 1.0)
    assert daxi_row["resolution_rate"] is None and daxi_row["satisfaction_rate"] == 0.0
    assert daxi_row["score"] == round(0.1 / 0.55, 4)  # weighs the rates that exist
    assert district["received"] == 0 and district["response_rate"] is None
    assert district["rank"] is None
    ranked = sorted((r for r in rows.values() if r["rank"] is not None),
                    key=lambda r: r["rank"])
    assert [r["center"] for r in ranked] == ["binhe", "daxi"]  # the others have no score
    assert rows["dongling"]["rank"] is None
    # The period filters by the day of receipt.
    assert _rows(cc.client, cc.supervisor, "tickets", **{"from": "2026-12-01"})["binhe"][
        "received"] == 0


def test_satisfaction_per_center_and_department(app, cc, hall):
    case = concluded(hall)  # binhe, concluded by the market department
    assert rate(hall.client, case["number"], case["receipt_code"], 4).status_code == 201
    rejected = concluded(hall, "reject")
    assert rate(hall.client, rejected["number"], rejected["receipt_code"], 1,
                "不予许可的理由说不清").status_code == 201
    rows = _rows(cc.client, cc.supervisor, "ratings")
    binhe = rows["binhe"]
    assert (binhe["ratings"], binhe["satisfied"], binhe["satisfaction_rate"]) == (2, 1, 0.5)
    assert (binhe["bad"], binhe["rectified"], binhe["rectifications_overdue"]) == (1, 0, 0)
    assert binhe["rank"] == 1 and rows["district"]["rank"] is None
    departments = _rows(cc.client, cc.supervisor, "ratings/departments")
    assert departments["market"]["ratings"] == 1 and departments["market"]["bad"] == 1
    # The approved case: the department of its last stage's decision.
    assert sum(departments[d]["ratings"] for d in ("food", "fire", "environment")) == 1
    # The rectification, answered and closed within its due date, counts as rectified.
    fix = cc.client.get("/api/v1/tickets", query_string={"kind": "rectification"},
                        headers=cc.clerk.headers).json["items"][0]
    fix = cc.acted(fix, "reply", cc.clerk, content="已向申请人说明不予许可的依据")
    cc.acted(fix, "close", cc.clerk, outcome="satisfied", note="回访：申请人表示理解")
    binhe = _rows(cc.client, cc.supervisor, "ratings")["binhe"]
    assert (binhe["rectified"], binhe["rectified_on_time"]) == (1, 1)
    later(app, days=40)
    assert _rows(cc.client, cc.supervisor, "ratings", **{"from": "2026-12-01"})["binhe"][
        "ratings"] == 0


def test_spreadsheets_and_who_may_read(cc):
    cc.received()
    csv_response = cc.client.get("/api/v1/supervision/tickets", query_string={"format": "csv"},
                                 headers=cc.admin.headers)
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:5] == ["街道排名", "中心编码", "中心名称", "受理工单", "按时响应"]
    assert len(table) == 17  # the header and the sixteen centers
    xlsx = cc.client.get("/api/v1/supervision/ratings", query_string={"format": "xlsx"},
                         headers=cc.supervisor.headers)
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    for path in ("tickets", "ratings", "ratings/departments"):
        for who in (cc.operator, cc.clerk, cc.chiefs["market"]):
            assert cc.client.get(f"/api/v1/supervision/{path}",
                                 headers=who.headers).status_code == 403
        bad = cc.client.get(f"/api/v1/supervision/{path}",
                            query_string={"from": "2026-12-31", "to": "2026-12-01"},
                            headers=cc.supervisor.headers)
        assert bad.status_code == 422 and "to" in bad.json["errors"]
