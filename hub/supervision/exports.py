"""Spreadsheet exports of the supervision figures: CSV (UTF-8 with a BOM, so that Excel
opens the Chinese headers right) and XLSX, with Chinese column headers.

Every export of the hub is written here, and every text cell passes ``neutralised``:
a value a spreadsheet would evaluate (a department named ``=HYPERLINK(...)``, a reject
comment ``+cmd|...``) reaches an official's spreadsheet as text, never as a formula
(OWASP's CSV injection rule)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

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
    ("on_time_rate", "按时办结率"), ("overdue", "超期未办结件数"),
    ("timeliness_rate", "办结及时率"), ("early", "提前办结件数"), ("early_rate", "提前办结率"),
    ("last_day", "到期当日办结件数"), ("last_day_rate", "末日办结占比"),
    ("avg_working_days", "平均办理工作日"), ("median_working_days", "办理工作日中位数"),
    ("p90_working_days", "办理工作日90百分位"), ("in_progress", "在办件数"),
    ("yellow", "黄牌件数"), ("red", "红牌件数"), ("supplement_requests", "补正次数"),
    ("supplements_per_case", "每件补正次数"),
]
CENTER_COLUMNS: list[Column] = [("center", "中心编码"), ("name", "中心名称"), *_FIGURES]
RANKING_COLUMNS: list[Column] = [("rank", "排名（按办结及时率）"), ("center", "中心编码"),
                                 ("name", "中心名称"), ("composite_score", "综合评分"),
                                 ("satisfaction_rate", "满意率"), *_FIGURES]
DEPARTMENT_COLUMNS: list[Column] = [("department", "部门编码"), ("name", "部门名称"), *_FIGURES]
REPORT_COLUMNS: list[Column] = [
    ("center", "中心编码"), ("name", "中心名称"), ("received", "受理件数"),
    ("concluded", "办结件数"), ("approved", "准予许可"), ("rejected", "不予许可"),
    ("withdrawn", "撤回件数"), ("on_time", "按时办结件数"), ("on_time_rate", "按时办结率"),
    ("overdue", "超期未办结件数"), ("timeliness_rate", "办结及时率"),
    ("supplement_requests", "补正次数"),
]
TICKET_COLUMNS: list[Column] = [
    ("rank", "街道排名"), ("center", "中心编码"), ("name", "中心名称"), ("received", "受理工单"),
    ("responded", "按时响应"), ("response_rate", "响应率"), ("answered_on_time", "按期答复"),
    ("overdue", "超期未答复"), ("resolved", "满意办结"), ("resolution_rate", "解决率"),
    ("ratings", "工单评价数"), ("satisfaction_rate", "满意率"), ("score", "综合得分"),
]
_RATING_FIGURES: list[Column] = [
    ("ratings", "评价数"), ("satisfied", "满意（3–5 级）"), ("satisfaction_rate", "满意率"),
    ("bad", "差评（1–2 级）"), ("rectified", "差评已整改"), ("rectified_on_time", "按期整改"),
    ("rectifications_overdue", "整改超期"), ("excluded", "申诉剔除"),
]
RATING_COLUMNS: list[Column] = [("rank", "街道排名"), ("center", "中心编码"),
                                ("name", "中心名称"), *_RATING_FIGURES]
DEPARTMENT_RATING_COLUMNS: list[Column] = [("department", "部门编码"), ("name", "部门名称"),
                                           *_RATING_FIGURES]
REASON_COLUMNS: list[Column] = [("reason", "不予许可理由"), ("count", "件数")]
CHECK_COLUMNS: list[Column] = [("name", "核对项"), ("expected", "应为"), ("actual", "实为"),
                               ("ok", "相符")]


Sheet = tuple[str, Sequence[Column], Iterable[Mapping[str, Any]]]  # (title, columns, rows)


def render(fmt: str, sheets: Sequence[Sheet]) -> tuple[bytes, str]:
    """(content, mimetype): CSV of the first sheet, or XLSX of every sheet."""
    if fmt == "csv":
        _, columns, rows = sheets[0]
        return to_csv(columns, rows), CSV_MIMETYPE
    if fmt == "xlsx":
        return to_xlsx(sheets), XLSX_MIMETYPE
    raise ValueError(f"no spreadsheet format {fmt!r}")


def content_disposition(filename: str, fallback: str | None = None) -> str:
    """An attachment named ``filename`` (Chinese, RFC 5987), with an ASCII name for
    clients that read only that one."""
    plain = fallback or filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


# What a spreadsheet reads as the start of a formula (OWASP: = + - @, tab, carriage
# return), and their full-width forms, which Chinese input methods type and some
# spreadsheets fold to the ASCII ones.
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would evaluate ``text`` (also behind leading spaces)."""
    stripped = text.lstrip(" \u3000")
    return bool(stripped) and (stripped[0] in FORMULA_STARTS or text[0] in FORMULA_STARTS)


def neutralised(text: str) -> str:
    """Text a spreadsheet shows as typed: one that would start a formula gets a leading
    apostrophe (Excel, WPS and LibreOffice show the rest as text)."""
    return "'" + text if is_formula_like(text) else text


def _is_rate(key: str) -> bool:
    return key.endswith("_rate")


def _text(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if _is_rate(key):
        return f"{value * 100:.2f}%"  # spreadsheets read "95.24%" as the number 0.9524
    if isinstance(value, str):
        return neutralised(value)
    return str(value)


def to_csv(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The rows as CSV with a header row of Chinese labels, UTF-8 with a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for _, header in columns])
    for row in rows:
        writer.writerow([_text(key, row.get(key)) for key, _ in columns])
    return (BOM + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
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
            for cell in sheet[sheet.max_row]:
                _as_text(cell)
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


def _as_text(cell: Any) -> None:
    """openpyxl stores a string starting with ``=`` as a formula: a text cell is stored as
    text, and one a spreadsheet would evaluate is marked as typed text (Excel's own
    quote prefix: shown as is, without an apostrophe, and not evaluated when edited)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if is_formula_like(cell.value):
            cell.quotePrefix = True
