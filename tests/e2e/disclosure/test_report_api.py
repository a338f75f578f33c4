"""The annual report over HTTP, on SQLite and PostgreSQL: generated from requests entered
through the API, in JSON, as a page and as a DOCX whose requests table (read back with
python-docx) is the JSON's; a year still in progress says so on every page; the
administrator's yearly figures."""
from __future__ import annotations

import io

import docx
import pytest
from docx.oxml.ns import qn

from tests.e2e.disclosure.conftest import state
from tests.e2e.tickets.conftest import cc  # noqa: F401  (the call center's cast, for its tickets)

REPORT = "/api/v1/disclosure/report"
YEARS = "/api/v1/disclosure/years"
FIGURES = {
    "proactive": {"regulations": {"made": 0, "abolished": 0, "in_force": 0},
                  "normative_documents": {"made": 5, "abolished": 1, "in_force": 25},
                  "licences": 2468, "penalties": 99, "coercions": 75, "fees": "2.02"},
    "reviews": {"reconsideration": {"upheld": 1, "pending": 1},
                "litigation_direct": {"corrected": 1}},
    "processing_fees": "0", "problems": None, "other_matters": "2025年承办人大代表建议12件。",
}


@pytest.fixture
def year_2025(office):
    """Five requests about 2025, as the office entered them (paper dates kept)."""
    def answered(received, answered_on, outcome, reason=None, **requester):
        shown = office.registered(received_on=received, **requester)
        if answered_on:
            office.acted(shown["id"], "answer", outcome=outcome, reason=reason,
                         answered_on=answered_on)
        return shown["id"]

    firm = {"requester": {"kind": "organisation", "name": "沈阳某商贸有限公司",
                          "contact": "024-22715678", "organisation_kind": "commercial"}}
    lab = {"requester": {"kind": "organisation", "name": "某研究院", "contact": "lab@example.cn",
                         "organisation_kind": "research"}}
    answered("2024-12-22", "2025-01-08", "disclosed")  # carried in
    answered("2025-09-26", "2025-10-30", "partly_disclosed", **firm)  # across National Day
    answered("2025-12-22", None, None)  # carried out, still open
    answered("2025-03-03", "2025-04-10", "withheld", "third_party")  # due 31 March: late
    answered("2025-12-29", "2026-01-05", "not_processed", "repeated", **lab)  # carried out
    return office


def rows(report):
    return {r["key"]: r["values"] for r in report["requests"]["table"]["rows"]}


def test_a_closed_year_from_the_data(year_2025):
    office = year_2025
    report = office.get(f"{REPORT}/2025", office.supervisor).get_json()
    assert report["open"] is False and report["as_of"] == "2025-12-31"
    assert report["title"] == "沈河区2025年政府信息公开工作年度报告"
    requests = report["requests"]
    assert requests["carried_in"] == 1
    assert requests["received"] == {"person": 2, "organisation": 2, "total": 4}
    assert requests["answered"] == 3 and requests["carried_out"] == 2
    assert requests["by_outcome"]["partly_disclosed"] == 1
    assert (requests["on_time"], requests["late"]) == (2, 1)
    assert requests["check"]["ok"]
    table = rows(report)
    assert table["carried_out"]["organisation.research"] == 1
    assert table["partly_disclosed"]["organisation.commercial"] == 1
    assert table["withheld.third_party"]["person"] == 1
    # 2026 starts with what 2025 carried out.
    following = office.get(f"{REPORT}/2026", office.admin).get_json()
    assert rows(following)["carried_in"] == table["carried_out"]
    assert following["open"] is True and following["as_of"] == "2026-11-30"
    paragraphs = " ".join(p for s in report["sections"] for p in s.get("paragraphs", []))
    assert "全年新收政府信息公开申请4件，其中自然人2件、法人或其他组织2件；上年结转1件" in paragraphs
    assert "按时答复率66.7%" in paragraphs and "结转下年度继续办理2件" in paragraphs


def test_the_docx_tables_are_the_jsons(year_2025):
    office = year_2025
    assert office.client.put(f"{YEARS}/2025", json=FIGURES,
                             headers=office.admin.headers).status_code == 200
    report = office.get(f"{REPORT}/2025", office.supervisor).get_json()
    response = office.get(f"{REPORT}/2025", office.supervisor, format="docx")
    assert response.status_code == 200
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument"
                                 ".wordprocessingml.document")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(response.data))
    proactive, requests, reviews = document.tables
    json_rows = report["requests"]["table"]["rows"]
    data_rows = requests.rows[3:]
    assert len(data_rows) == len(json_rows)
    for row, expected in zip(data_rows, json_rows, strict=True):
        cells = row.cells
        assert cells[2].text == expected["label"]
        columns = [c["key"] for c in report["requests"]["table"]["columns"]]
        assert [int(c.text) for c in cells[3:]] == [expected["values"][k] for k in columns]
    assert [c.text for c in requests.rows[2].cells[4:9]] == ["商业企业", "科研机构", "社会公益组织",
                                                             "法律服务机构", "其他"]
    assert [c.text for c in proactive.rows[3].cells] == ["行政规范性文件", "5", "1", "25"]
    assert proactive.rows[13].cells[0].text == "行政事业性收费"
    assert proactive.rows[13].cells[1].text == "2.02"
    assert [c.text for c in reviews.rows[3].cells] == ["1", "0", "0", "1", "2", "0", "1", "0",
                                                       "0", "1", "0", "0", "0", "0", "0"]
    # Chinese text in its East Asian fonts, in the styles and in the runs.
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
    cell_run = requests.rows[3].cells[2].paragraphs[0].runs[0]
    assert cell_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "一、总体情况" in text and "六、其他需要报告的事项" in text
    assert "2025年承办人大代表建议12件。" in text
    assert "尚未结束" not in text + document.sections[0].header.paragraphs[0].text


def test_a_year_in_progress_says_so_on_every_page(office):
    office.registered(received_on="2026-11-20")
    report = office.get(f"{REPORT}/2026", office.supervisor).get_json()
    assert report["open"] is True
    notice = "2026年度尚未结束：本报告数据截至2026年11月30日，不是正式的年度报告"
    document = docx.Document(io.BytesIO(
        office.get(f"{REPORT}/2026", office.supervisor, format="docx").data))
    for section in document.sections:  # header and footer repeat on every page
        assert notice in section.header.paragraphs[0].text
        assert notice in section.footer.paragraphs[0].text
    page = office.get(f"{REPORT}/2026", office.supervisor, format="html")
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert html.count(notice) == 2 and 'data-open="true"' in html
    closed = office.get(f"{REPORT}/2025", office.supervisor, format="html").get_data(as_text=True)
    assert "尚未结束" not in closed and 'data-open="false"' in closed


def test_report_years(office):
    assert office.get(f"{REPORT}/2027", office.supervisor).status_code == 422
    assert office.get(f"{REPORT}/2007", office.supervisor).status_code == 422
    assert office.get(f"{REPORT}/20x5", office.supervisor).status_code == 404
    assert office.get(f"{REPORT}/2025", office.supervisor, format="pdf").status_code == 422


def test_the_administrator_keeps_the_years_figures(office, session):
    assert office.get(f"{YEARS}/2025", office.supervisor).get_json()["proactive"]["kept"] is False
    kept = office.client.put(f"{YEARS}/2025", json=FIGURES, headers=office.admin.headers)
    assert kept.status_code == 200, kept.get_json()
    shown = office.get(f"{YEARS}/2025", office.supervisor).get_json()
    assert shown["proactive"]["normative_documents"] == {"made": 5, "abolished": 1,
                                                         "in_force": 25}
    assert shown["proactive"]["fees"] == "2.02" and shown["proactive"]["kept"] is True
    assert shown["reviews"]["reconsideration"]["total"] == 2
    assert shown["version"] == 1 and shown["updated_by"] == office.admin.username
    report = office.get(f"{REPORT}/2025", office.admin).get_json()
    assert report["reviews"]["litigation_direct"]["corrected"] == 1
    assert report["proactive"]["licences"] == 2468
    before = state(session)
    for bad, field in (({"proactive": {"licences": -1}}, "proactive.licences"),
                       ({"proactive": {"fees": "1.23456"}}, "proactive.fees"),
                       ({"proactive": {"penalties": "9"}}, "proactive.penalties"),
                       ({"reviews": {"reconsideration": {"lost": 1}}},
                        "reviews.reconsideration.lost"),
                       ({"problems": "有\x07问题"}, "problems")):
        response = office.client.put(f"{YEARS}/2025", json=bad, headers=office.admin.headers)
        assert response.status_code == 422, (bad, response.get_json())
        assert field in response.get_json()["errors"], response.get_json()
    assert office.client.put(f"{YEARS}/2025", json=FIGURES,
                             headers=office.supervisor.headers).status_code == 403
    assert office.client.put(f"{YEARS}/2027", json=FIGURES,
                             headers=office.admin.headers).status_code == 422
    assert state(session) == before


def test_the_text_gives_the_hotlines_year_from_its_tickets(office, cc):
    first = cc.received()
    cc.received(kind="consultation", subject="办事咨询", content="营业执照怎么办理")
    assigned = cc.acted(first, "assign", department="market", note="请核查处理")
    cc.acted(assigned, "reply", cc.approvers["market"], content="已责令商户退回店内经营")
    report = office.get(f"{REPORT}/2026", office.supervisor).get_json()
    platform = report["sections"][1]["paragraphs"][2]
    assert "受理工单2件，答复1件，尚有1件正在办理" in platform
    assert "件件有回音" not in platform
    before = office.get(f"{REPORT}/2025", office.supervisor).get_json()
    assert "工单" not in before["sections"][1]["paragraphs"][2]
