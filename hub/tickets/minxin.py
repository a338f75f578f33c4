"""Reading a 民心网 export: the cases Liaoning's public complaint platform (民心网) hands
the district, as a spreadsheet (XLSX) or CSV (UTF-8 with or without a byte-order mark,
or GB18030, which such exports often are).

Pure: the file's bytes, already in memory, become a table (``read_export``), and the
table's rows become cases ready to be received as tickets and refused rows with their
reasons in Chinese (``parse``). No database, no files, no clock: the centers and "now"
are given. ``hub.tickets.imports`` receives the cases.

The accepted columns are ``COLUMNS`` (the one place they are defined): a header may be
the column's name or one of its aliases; columns not listed are ignored. Every cell goes
through the boundary's fields (``hub.fields``): trimmed, a blank cell is absent, control
characters and bidirectional overrides refused, full-width digits of a phone folded to
ASCII; then the ticket as built is loaded by the API's own ``TicketSubmissionSchema``,
so an imported ticket is exactly what an operator could have entered.

A cell that holds a spreadsheet formula (XLSX) is refused: the value a formula shows is
not in the file it came from, only what it computes. Text that merely starts like one
(``=HYPERLINK(…)`` typed by a citizen, in a CSV) is text: kept as written, shown escaped
by the pages, and neutralised by every export of the hub (``hub.supervision.exports``).
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import marshmallow as ma
from marshmallow import validate

from hub import fields, text
from hub.approvals.schemas import PHONE
from hub.domain_errors import DomainError
from hub.errors import flatten_messages
from hub.sync.schemas import CenterTime
from hub.tickets.lifecycle import PUBLIC_KINDS
from hub.tickets.public import KIND_LABELS
from hub.tickets.schemas import TicketSubmissionSchema
from hub.timezones import SHANGHAI

CHANNEL = "minxin"
MAX_BYTES = 10 * 1024 * 1024  # an export of a month is a few hundred KiB
MAX_ROWS = 5000  # data rows of one file
HEADER_SCAN = 10  # rows looked at for the header (an export may start with a title row)
ROW = "_schema"  # the key of a reason about the whole row (the one error format's)


@dataclasses.dataclass(frozen=True)
class Column:
    field: str
    header: str  # the name the page and the summary use
    aliases: tuple[str, ...] = ()
    required: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


COLUMNS: tuple[Column, ...] = (
    Column("number", "民心网编号", ("编号", "信件编号", "诉求编号", "案件编号")),
    Column("received_at", "受理时间", ("登记时间", "来信时间", "提交时间", "诉求时间")),
    Column("kind", "类型", ("诉求类型", "信件类型", "问题类型")),
    Column("subject", "主题", ("标题", "信件标题", "诉求主题")),
    Column("content", "内容", ("诉求内容", "信件内容", "来信内容")),
    Column("name", "姓名", ("诉求人", "来信人", "诉求人姓名")),
    Column("phone", "联系电话", ("电话", "手机", "手机号码", "联系方式")),
    Column("center", "街道", ("中心", "所属街道", "承办街道", "街道/中心", "承办中心"),
           required=False),
)
HEADERS: dict[str, str] = {c.field: c.header for c in COLUMNS}
# 咨询/投诉/建议 (the hub's own labels) or the kind's code.
KINDS: dict[str, str] = {**{KIND_LABELS[k]: k for k in PUBLIC_KINDS},
                         **{k: k for k in PUBLIC_KINDS}}
# The street or center column: a center's code, its name, or its name without the
# "政务服务中心" ending (``滨河街道``) or without "街道" too (``滨河``).
_CENTER_ENDINGS = ("政务服务中心", "街道", "区")


class ExportError(DomainError):
    """The file as a whole is not a 民心网 export the hub can read: nothing is imported."""


@dataclasses.dataclass(frozen=True)
class Formula:
    """A spreadsheet cell holding a formula (its text), where a value was expected."""

    text: str


@dataclasses.dataclass(frozen=True)
class Table:
    """A file's header and data rows, each with its row number as a spreadsheet shows it
    (the header's row is counted; blank rows are left out but keep their numbers)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Any, ...]], ...]


@dataclasses.dataclass(frozen=True)
class Case:
    """A valid row: the ticket to receive (as ``TicketSubmissionSchema`` loads it, channel
    ``minxin``), its 民心网 number and its real time of receipt (aware, UTC)."""

    row: int
    number: str
    received_at: dt.datetime
    ticket: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A row not imported: its number if it could be read, the reasons by column header
    (``ROW`` for the row as a whole)."""

    row: int
    number: str | None
    reasons: Mapping[str, Sequence[str]]

    def lines(self) -> list[str]:
        """``联系电话：电话号码应为…`` one per reason, the row's own first."""
        keys = sorted(self.reasons, key=lambda k: (k != ROW, _order(k)))
        return [m if k == ROW else f"{k}：{m}" for k in keys for m in self.reasons[k]]


@dataclasses.dataclass(frozen=True)
class Parsed:
    cases: tuple[Case, ...]
    refused: tuple[Refusal, ...]

    @property
    def rows(self) -> int:
        return len(self.cases) + len(self.refused)


def _order(header: str) -> int:
    return next((i for i, c in enumerate(COLUMNS) if c.header == header), len(COLUMNS))


# -- The file -------------------------------------------------------------------------------


_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


def read_export(data: bytes) -> Table:
    """The export's table, whatever it came as (told by its content, not its name)."""
    if not data.strip():
        raise ExportError("文件是空的")
    if len(data) > MAX_BYTES:
        raise ExportError(f"文件过大（超过 {MAX_BYTES // (1024 * 1024)} MiB），请分批导出后再导入")
    if data.startswith(_OLE2):
        raise ExportError("这是旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 或 CSV 后再导入")
    rows = _xlsx_rows(data) if data.startswith(_ZIP) else _csv_rows(decode(data))
    return _table(rows)


def decode(data: bytes) -> str:
    """CSV text: UTF-8 with or without its byte-order mark, else GB18030 (whose own
    byte-order mark is dropped too)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ExportError("文件是 UTF-16 编码（Excel 的“Unicode 文本”）：请另存为 CSV（UTF-8）或 .xlsx")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ExportError(f"文件标明为 UTF-8，但第 {exc.start} 字节不是 UTF-8") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ExportError(f"无法识别文件的编码（第 {exc.start} 字节既不是 UTF-8 也不是 GB18030）："
                          "请导出为 CSV（UTF-8 或 GB18030）或 .xlsx") from None


def _csv_rows(content: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    first = content.split("\n", 1)[0]
    if "\x00" in first:  # UTF-16 without its mark, or no text at all (a NUL in a cell is
        # that row's refusal, as any control character)
        raise ExportError("文件的第一行含有空字符（NUL），不是文本格式的 CSV：请导出为 CSV 或 .xlsx")
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, tuple(cells)
    except csv.Error as exc:
        raise ExportError(f"CSV 格式有误（第 {reader.line_num} 行附近）：{exc}") from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    import openpyxl

    try:
        # Not data_only: a formula must be seen as one, not as the value it last showed.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise ExportError("无法读取该 Excel 文件：文件已损坏，或不是 .xlsx 格式") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        for counted, cells in enumerate(sheet.iter_rows(), start=1):
            number = next((c.row for c in cells if getattr(c, "row", None)), counted)
            yield number, tuple(_xlsx_value(cell) for cell in cells)
    finally:
        workbook.close()


def _xlsx_value(cell: Any) -> Any:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f" or type(value).__name__ in (
            "ArrayFormula", "DataTableFormula"):
        return Formula(str(getattr(value, "text", value)))
    return value


def _table(rows: Iterable[tuple[int, tuple[Any, ...]]]) -> Table:
    header: tuple[str, ...] | None = None
    body: list[tuple[int, tuple[Any, ...]]] = []
    for number, cells in rows:
        if header is None:
            names = tuple(_header(c) for c in cells)
            if set(names) & set(COLUMNS[0].names):
                header = names
            elif number >= HEADER_SCAN:
                break
            continue
        if all(_blank(c) for c in cells):
            continue
        if len(body) >= MAX_ROWS:
            raise ExportError(f"一次最多导入 {MAX_ROWS} 行，请分批导出后再导入")
        body.append((number, cells))
    if header is None:
        raise ExportError(f"找不到表头：文件的前 {HEADER_SCAN} 行中没有“{COLUMNS[0].header}”列"
                          f"（应有的列：{'、'.join(c.header for c in COLUMNS)}）")
    return Table(headers=header, rows=tuple(body))


def _header(cell: Any) -> str:
    if not isinstance(cell, str):
        return "" if cell is None else str(cell)
    # Full-width letters and brackets folded, spaces and a required-column star dropped.
    return "".join(unicodedata.normalize("NFKC", cell).split()).strip("*\ufeff")


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def columns_of(headers: Sequence[str]) -> dict[str, int]:
    """Which position holds each field; a missing required column or a column given
    twice refuses the file."""
    found: dict[str, int] = {}
    for column in COLUMNS:
        places = [i for i, h in enumerate(headers) if h in column.names]
        if len(places) > 1:
            raise ExportError(f"“{column.header}”列出现了不止一次（{'、'.join(headers[i] for i in places)}）")
        if places:
            found[column.field] = places[0]
    missing = [c.header for c in COLUMNS if c.required and c.field not in found]
    if missing:
        raise ExportError(f"缺少列：{'、'.join(missing)}（应有的列：{describe_columns()}）")
    return found


def describe_columns() -> str:
    """The accepted columns, as the page and the command's help show them."""
    return "、".join(c.header + ("" if c.required else "（可选）") for c in COLUMNS)


# -- The rows -------------------------------------------------------------------------------


_REQUIRED = {"required": "此项为必填项", "invalid": "格式不正确"}


def _length(limit: int) -> validate.Length:
    return validate.Length(max=limit, error=f"长度不能超过 {limit} 个字符")


class CaseNumber(fields.Text):
    """A 民心网 number: ASCII (full-width digits and letters folded), spaces dropped."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> str:
        return text.ascii_digits(super()._deserialize(value, attr, data, **kwargs))


class ReceivedTime(CenterTime):
    """The time 民心网 received the case: a spreadsheet's date-time, or text such as
    ``2026-12-01 09:30``, ``2026/12/1 9:30:05`` or ``2026年12月1日 09:30`` (Asia/Shanghai
    unless it carries an offset; a date alone is its first minute)."""

    default_error_messages = {
        "invalid": "受理时间应为日期和时间，如 2026-12-01 09:30",
        "required": _REQUIRED["required"],
    }
    _LOCAL = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
                        r"(?:[ T]*(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})秒?)?分?)?$")

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> dt.datetime:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        elif isinstance(value, str):
            value = self._local(unicodedata.normalize("NFKC", value).strip())
        return super()._deserialize(value, attr, data, **kwargs)

    def _local(self, value: str) -> Any:
        found = self._LOCAL.match(value)
        if found is None:
            return value  # ISO 8601, with an offset or not, or refused as invalid
        try:
            return dt.datetime(*(int(part or 0) for part in found.groups()))
        except ValueError:
            raise self.make_error("invalid") from None


class Kind(fields.Text):
    """咨询, 投诉 or 建议 (or the kind's code): the kind's code."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> str:
        label = super()._deserialize(value, attr, data, **kwargs)
        kind = KINDS.get(label) or KINDS.get(label.lower())
        if kind is None:
            raise ma.ValidationError("类型应为 " + "、".join(KIND_LABELS[k] for k in PUBLIC_KINDS))
        return kind


class RowSchema(ma.Schema):
    """One row, its cells by field (the limits are the ticket's, in Chinese here)."""

    class Meta:
        unknown = ma.EXCLUDE

    number = CaseNumber(required=True, error_messages=_REQUIRED, validate=validate.Regexp(
        r"^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$",
        error="民心网编号应由字母、数字、“-”或“_”组成，最长 64 个字符"))
    received_at = ReceivedTime(required=True)
    kind = Kind(required=True, error_messages=_REQUIRED)
    subject = fields.Text(required=True, error_messages=_REQUIRED, validate=_length(200))
    content = fields.FreeText(required=True, error_messages=_REQUIRED, validate=_length(5000))
    name = fields.Text(required=True, error_messages=_REQUIRED, validate=_length(50))
    phone = fields.Phone(required=True, error_messages=_REQUIRED, validate=_length(32))
    center = fields.Text(load_default=None, error_messages=_REQUIRED, validate=_length(100))

    @ma.validates("phone")
    def _phone(self, value: str, **_kwargs: Any) -> None:
        if not PHONE.match(value):
            raise ma.ValidationError("电话号码应为 11 位手机号或带区号的固定电话")


# Where the ticket's own schema reports a field, as the export's column.
_TICKET_FIELDS = {"kind": "kind", "center": "center", "subject": "subject", "content": "content",
                  "caller.name": "name", "caller.phone": "phone", "caller": "name",
                  "channel": None, "service_item": None}


def center_aliases(centers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """What the street column may say for each center (code, name): the code, the name,
    the name without ``政务服务中心``, without ``街道`` too."""
    aliases: dict[str, str] = {}
    for code, name in centers:
        aliases[_key(code)] = code
        short = _key(name)
        aliases[short] = code
        for ending in _CENTER_ENDINGS:
            if short.endswith(ending) and len(short) > len(ending):
                short = short[:-len(ending)]
                aliases.setdefault(short, code)
    return aliases


def _key(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).lower()


def _cell(field: str, value: Any) -> Any:
    """A cell as the schema reads it: a spreadsheet's numbers (a phone, a number) as
    their digits, a date-time kept for the time column, anything else as text."""
    if value is None or isinstance(value, (str, Formula)):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if field == "received_at" and isinstance(value, (dt.datetime, dt.date)):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def parse(table: Table, *, centers: Mapping[str, str], default_center: str | None,
          now: dt.datetime) -> Parsed:
    """Each row a case or a refusal: ``centers`` maps what the street column may say to
    a center's code (``center_aliases``); a row without one is ``default_center``'s (the
    importing operator's); a case received after ``now`` or before the calendar's first
    day is refused. A number given twice is imported once, at its first row."""
    places = columns_of(table.headers)
    cases: list[Case] = []
    refused: list[Refusal] = []
    first_row: dict[str, int] = {}
    for number, cells in table.rows:
        raw = {f: _cell(f, cells[i] if i < len(cells) else None) for f, i in places.items()}
        outcome = _row(number, raw, centers, default_center, now)
        if isinstance(outcome, Case):
            earlier = first_row.setdefault(outcome.number, number)
            if earlier != number:
                outcome = Refusal(number, outcome.number, {
                    HEADERS["number"]: [f"与第 {earlier} 行的民心网编号重复，只导入第 {earlier} 行"]})
        (cases if isinstance(outcome, Case) else refused).append(outcome)  # type: ignore[arg-type]
    return Parsed(cases=tuple(cases), refused=tuple(refused))


def _row(number: int, raw: dict[str, Any], centers: Mapping[str, str],
         default_center: str | None, now: dt.datetime) -> Case | Refusal:
    reasons: dict[str, list[str]] = {}
    for field, value in raw.items():
        if isinstance(value, Formula):
            reasons[HEADERS[field]] = [f"单元格是公式（{value.text[:40]}），不是数值：请导出不含公式的文件"]
    values = {f: v for f, v in raw.items() if not isinstance(v, Formula)}
    try:
        loaded = RowSchema().load(values)
    except ma.ValidationError as exc:
        loaded = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        for key, messages in flatten_messages(exc.messages).items():
            reasons.setdefault(HEADERS.get(key, ROW), []).extend(messages)
    case_number = loaded.get("number")
    if case_number is None and isinstance(values.get("number"), str):
        case_number = values["number"].strip()[:64] or None
    received = loaded.get("received_at")
    if received is not None:
        problem = _received_problem(received, now)
        if problem:
            reasons.setdefault(HEADERS["received_at"], []).append(problem)
    center = default_center
    if loaded.get("center") is not None:
        center = centers.get(_key(loaded["center"]))
        if center is None:
            reasons.setdefault(HEADERS["center"], []).append(f"未知的街道或中心：{loaded['center']}")
    elif center is None and HEADERS["center"] not in reasons:
        reasons.setdefault(HEADERS["center"], []).append("未填写街道，导入人员也不属于任何中心")
    if reasons:
        return Refusal(number, case_number, reasons)
    body = {"kind": loaded["kind"], "channel": CHANNEL, "center": center,
            "subject": loaded["subject"], "content": loaded["content"],
            "caller": {"name": loaded["name"], "phone": loaded["phone"]}}
    try:  # exactly what an operator could have entered (the one schema of a ticket)
        ticket = TicketSubmissionSchema().load(body)
    except ma.ValidationError as exc:
        for key, messages in flatten_messages(exc.messages).items():
            field = _TICKET_FIELDS.get(key)
            reasons.setdefault(HEADERS[field] if field else ROW, []).extend(messages)
        return Refusal(number, case_number, reasons)
    return Case(row=number, number=loaded["number"], received_at=received, ticket=ticket)


def _received_problem(received: dt.datetime, now: dt.datetime) -> str | None:
    if received > now:
        shown = now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        return f"受理时间晚于导入时间（{shown}）"
    if received.astimezone(SHANGHAI).date() < fields.FIRST_DAY:
        return f"受理时间不能早于 {fields.FIRST_DAY.isoformat()}（工作日历的第一天）"
    return None


__all__ = ["CHANNEL", "COLUMNS", "Case", "Column", "ExportError", "Formula", "HEADERS",
           "MAX_BYTES", "MAX_ROWS", "Parsed", "ROW", "Refusal", "RowSchema", "Table",
           "center_aliases", "columns_of", "decode", "describe_columns", "parse",
           "read_export"]
