"""The national form's three tables as grids of cells (text, position, spans), read from
a report's JSON: the HTML and the DOCX renderers draw the same grid, so the document a
disclosure office edits and the page officials read cannot differ. Pure, no I/O."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from hub.disclosure.categories import OUTCOMES
from hub.disclosure.report import REVIEW_KINDS, REVIEW_RESULTS

CHECK_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
RESULTS = "三、本年度办理结果"


@dataclasses.dataclass(frozen=True)
class Cell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "label"  # head | label | num
    key: str | None = None  # the requests table's row key, on its label cell


@dataclasses.dataclass(frozen=True)
class Grid:
    name: str
    rows: int
    cols: int
    cells: tuple[Cell, ...]
    widths: tuple[float, ...] | None = None  # percentages of the page's width, per column

    def by_row(self) -> list[list[Cell]]:
        rows: list[list[Cell]] = [[] for _ in range(self.rows)]
        for cell in self.cells:
            rows[cell.row].append(cell)
        return [sorted(r, key=lambda c: c.col) for r in rows]


def proactive_grid(p: Mapping[str, Any]) -> Grid:
    """二、主动公开政府信息情况: the form's 第二十条 items."""
    cells: list[Cell] = []
    row = 0

    def item(title: str, header: list[str], lines: list[tuple[str, list[str]]]) -> None:
        nonlocal row
        cells.append(Cell(row, 0, title, colspan=4, kind="head"))
        row += 1
        span = 4 - len(header)
        cells.append(Cell(row, 0, "信息内容", kind="head"))
        for i, text in enumerate(header):
            cells.append(Cell(row, 1 + i, text, colspan=span if len(header) == 1 else 1,
                              kind="head"))
        row += 1
        for label, values in lines:
            cells.append(Cell(row, 0, label))
            for i, value in enumerate(values):
                cells.append(Cell(row, 1 + i, value, colspan=span if len(values) == 1 else 1,
                                  kind="num"))
            row += 1

    def made(part: Mapping[str, int]) -> list[str]:
        return [str(part["made"]), str(part["abolished"]), str(part["in_force"])]

    item("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"],
         [("规章", made(p["regulations"])), ("行政规范性文件", made(p["normative_documents"]))])
    item("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", [str(p["licences"])])])
    item("第二十条第（六）项", ["本年处理决定数量"],
         [("行政处罚", [str(p["penalties"])]), ("行政强制", [str(p["coercions"])])])
    item("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", [str(p["fees"])])])
    return Grid("proactive", row, 4, tuple(cells))


def requests_grid(table: Mapping[str, Any]) -> Grid:
    """三、收到和处理政府信息公开申请情况: three label columns, then one per requester
    column and the total."""
    columns = table["columns"]
    person, organisations, total = columns[0], columns[1:-1], columns[-1]
    cells = [Cell(0, 0, CHECK_NOTE, rowspan=3, colspan=3, kind="head"),
             Cell(0, 3, "申请人情况", colspan=len(columns), kind="head"),
             Cell(1, 3, person["label"], rowspan=2, kind="head"),
             Cell(1, 4, "法人或其他组织", colspan=len(organisations), kind="head"),
             Cell(1, 3 + len(columns) - 1, total["label"], rowspan=2, kind="head")]
    cells += [Cell(2, 4 + i, c["label"], kind="head") for i, c in enumerate(organisations)]
    rows = {r["key"]: r for r in table["rows"]}
    result_rows = 1 + sum(len(o.reasons) or 1 for o in OUTCOMES)
    line = 3

    def values(key: str) -> None:
        for i, column in enumerate(columns):
            cells.append(Cell(line, 3 + i, str(rows[key]["values"][column["key"]]), kind="num"))

    for key in ("received", "carried_in"):
        cells.append(Cell(line, 0, rows[key]["label"], colspan=3, key=key))
        values(key)
        line += 1
    cells.append(Cell(line, 0, RESULTS, rowspan=result_rows))
    for outcome in OUTCOMES:
        if not outcome.reasons:
            cells.append(Cell(line, 1, outcome.row_label, colspan=2, key=outcome.code))
            values(outcome.code)
            line += 1
            continue
        cells.append(Cell(line, 1, outcome.row_label, rowspan=len(outcome.reasons)))
        for reason in outcome.reasons:
            key = f"{outcome.code}.{reason.code}"
            cells.append(Cell(line, 2, reason.label, key=key))
            values(key)
            line += 1
    cells.append(Cell(line, 1, rows["answered"]["label"], colspan=2, key="answered"))
    values("answered")
    line += 1
    cells.append(Cell(line, 0, rows["carried_out"]["label"], colspan=3, key="carried_out"))
    values("carried_out")
    # The form's long labels take the left half; the seven counts share the right.
    widths = (8.0, 10.0, 32.0, *([50.0 / len(columns)] * len(columns)))
    return Grid("requests", line + 1, 3 + len(columns), tuple(cells), widths)


def reviews_grid(reviews: Mapping[str, Mapping[str, int]]) -> Grid:
    """四、政府信息公开行政复议、行政诉讼情况."""
    results = [*REVIEW_RESULTS, ("total", "总计")]
    width = len(results)
    cells = [Cell(0, 0, "行政复议", colspan=width, kind="head"),
             Cell(0, width, "行政诉讼", colspan=2 * width, kind="head")]
    cells += [Cell(1, i, label, rowspan=2, kind="head") for i, (_, label) in enumerate(results)]
    for n, (_, label) in enumerate(REVIEW_KINDS[1:]):
        start = width * (n + 1)
        cells.append(Cell(1, start, label, colspan=width, kind="head"))
        cells += [Cell(2, start + i, text, kind="head") for i, (_, text) in enumerate(results)]
    for n, (kind, _) in enumerate(REVIEW_KINDS):
        cells += [Cell(3, width * n + i, str(reviews[kind][key]), kind="num")
                  for i, (key, _) in enumerate(results)]
    return Grid("reviews", 4, 3 * width, tuple(cells), tuple([100.0 / (3 * width)] * 3 * width))


def grids(report: Mapping[str, Any]) -> dict[str, Grid]:
    return {"proactive": proactive_grid(report["proactive"]),
            "requests": requests_grid(report["requests"]["table"]),
            "reviews": reviews_grid(report["reviews"])}


__all__ = ["CHECK_NOTE", "Cell", "Grid", "grids", "proactive_grid", "requests_grid",
           "reviews_grid"]
