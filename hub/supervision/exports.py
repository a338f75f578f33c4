"""Spreadsheet exports of the supervision figures: CSV (UTF-8 with a BOM, so that Excel
opens the Chinese headers right) and XLSX, with Chinese column headers."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

BOM = "\ufeff"
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Column = tuple[str, str]  # (key in the row, header)

_FIGURES: list[Column] = [
    ("received", "受理件数"), ("concluded", "办结件数"), ("on_time", "按时办结件数"),
    ("on_time_rate", "按时办结率"), ("early", "提前办结件数"), ("early_rate", "提前办结率"),
    ("last_day", "到期当日办结件数"), ("last_day_rate", "末日办结占比"),
    ("avg_working_days", "平均办理工作日"), ("median_working_days", "办理工作日中位数"),
    ("p90_working_days", "办理工作日90百分位"), ("in_progress", "在办件数"),
    ("yellow", "黄牌件数"), ("red", "红牌件数"),
]
CENTER_COLUMNS: list[Column] = [("center", "中心编码"), ("name", "中心名称"), *_FIGURES]
RANKING_COLUMNS: list[Column] = [("rank", "排名"), ("center", "中心编码"), ("name", "中心名称"),
                                 *_FIGURES]
DEPARTMENT_COLUMNS: list[Column] = [("department", "部门编码"), ("name", "部门名称"), *_FIGURES]
REPORT_COLUMNS: list[Column] = [
    ("center", "中心编码"), ("name", "中心名称"), ("received", "受理件数"),
    ("concluded", "办结件数"), ("approved", "准予许可"), ("rejected", "不予许可"),
    ("withdrawn", "撤回件数"), ("on_time", "按时办结件数"), ("on_time_rate", "按时办结率"),
    ("supplement_requests", "补正次数"),
]
REASON_COLUMNS: list[Column] = [("reason", "不予许可理由"), ("count", "件数")]
CHECK_COLUMNS: list[Column] = [("name", "核对项"), ("expected", "应为"), ("actual", "实为"),
                               ("ok", "相符")]


def _is_rate(key: str) -> bool:
    return key.endswith("_rate")


def _text(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if _is_rate(key):
        return f"{value * 100:.2f}%"  # spreadsheets read "95.24%" as the number 0.9524
    return str(value)


def to_csv(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The rows as CSV with a header row of Chinese labels, UTF-8 with a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for _, header in columns])
    for row in rows:
        writer.writerow([_text(key, row.get(key)) for key, _ in columns])
    return (BOM + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheets: Sequence[tuple[str, Sequence[Column], Iterable[Mapping[str, Any]]]]) -> bytes:
    """A workbook with one sheet per (title, columns, rows): bold Chinese headers, rates
    as percentages, the header row frozen."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([header for _, header in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(row.get(key)) for key, _ in columns])
        for index, (key, header) in enumerate(columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(10, 2 * len(header) + 2)
            if _is_rate(key):
                for cell in sheet[letter][1:]:
                    cell.number_format = "0.00%"
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        # Control characters (a name synced from a center's system, say) are not allowed
        # in a worksheet: openpyxl refuses the whole file.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value
