"""Reading a 民心网 export without a database: the file's encodings and formats, the
columns, each row a case or a refusal with its reasons in Chinese."""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io

import openpyxl
import pytest
from marshmallow import validate

from hub.tickets import minxin
from hub.tickets.minxin import ExportError
from hub.tickets.schemas import TicketSubmissionSchema
from hub.timezones import SHANGHAI

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
HEADER = ["民心网编号", "受理时间", "类型", "主题", "内容", "姓名", "联系电话", "街道"]
CENTERS = minxin.center_aliases([("district", "沈河区政务服务中心"),
                                 ("binhe", "滨河街道政务服务中心"),
                                 ("daxi", "大西街道政务服务中心")])


def good(number: str = "MX2026112800001", **overrides: str) -> list[str]:
    row = {"民心网编号": number, "受理时间": "2026-11-28 10:15", "类型": "投诉",
           "主题": "饭店油烟扰民", "内容": "楼下饭店油烟直排，晚上十点后仍在营业", "姓名": "张三",
           "联系电话": "13912345678", "街道": "滨河街道"}
    row.update(overrides)
    return [row[h] for h in HEADER]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", header: list[str] = HEADER
              ) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parse(data: bytes, default_center: str | None = "district") -> minxin.Parsed:
    return minxin.parse(minxin.read_export(data), centers=CENTERS,
                        default_center=default_center, now=NOW)


def only_refusal(parsed: minxin.Parsed) -> minxin.Refusal:
    assert not parsed.cases and len(parsed.refused) == 1, parsed
    return parsed.refused[0]


# -- The columns ------------------------------------------------------------------------------


def test_the_columns_are_defined_once_and_no_name_means_two_columns():
    names = [name for column in minxin.COLUMNS for name in column.names]
    assert len(names) == len(set(names))
    assert [c.header for c in minxin.COLUMNS] == HEADER
    assert [c.header for c in minxin.COLUMNS if not c.required] == ["街道"]
    assert minxin.describe_columns().endswith("街道（可选）")


def test_a_valid_row_is_a_ticket_as_an_operator_would_enter_it():
    [case] = parse(csv_bytes([good()])).cases
    assert (case.row, case.number) == (2, "MX2026112800001")
    assert case.received_at == dt.datetime(2026, 11, 28, 2, 15, tzinfo=dt.timezone.utc)
    assert dict(case.ticket) == {
        "kind": "complaint", "channel": "minxin", "center": "binhe", "subject": "饭店油烟扰民",
        "content": "楼下饭店油烟直排，晚上十点后仍在营业", "service_item": None,
        "caller": {"name": "张三", "phone": "13912345678"}}
    assert TicketSubmissionSchema().load(dict(case.ticket)) == dict(case.ticket)


# -- The file ----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030_reads_the_same(encoding):
    data = csv_bytes([good(), good("MX2", 主题="咨询开饭店要带什么材料", 类型="咨询")], encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # really not UTF-8
    parsed = parse(data)
    assert [c.ticket["subject"] for c in parsed.cases] == ["饭店油烟扰民", "咨询开饭店要带什么材料"]
    assert parsed.refused == ()


def test_a_gb18030_byte_order_mark_is_dropped():
    data = "\ufeff".encode("gb18030") + csv_bytes([good()], "gb18030")
    assert minxin.read_export(data).headers[0] == "民心网编号"


def test_xlsx_with_numbers_and_date_times_as_a_spreadsheet_stores_them():
    data = xlsx_bytes([[20261128001, dt.datetime(2026, 11, 28, 10, 15), "建议", "建议周末开放窗口",
                        "上班族工作日没时间", "李四", 13812345678, None]])
    [case] = parse(data).cases
    assert case.number == "20261128001" and case.ticket["caller"]["phone"] == "13812345678"
    assert case.received_at == dt.datetime(2026, 11, 28, 2, 15, tzinfo=dt.timezone.utc)
    assert (case.ticket["kind"], case.ticket["center"]) == ("suggestion", "district")


def test_a_title_row_above_the_header_and_aliases_and_full_width_headers_are_understood():
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["民心网信件导出（2026年11月）"])
    writer.writerow([])
    writer.writerow(["编号", "登记时间", "诉求类型", "标题", "诉求内容", "诉求人",
                     "联系电话 *", "所属街道", "备注"])
    writer.writerow(good()[:-1] + ["大西", "其他列不读"])
    table = minxin.read_export(out.getvalue().encode())
    assert [n for n, _ in table.rows] == [4]
    [case] = minxin.parse(table, centers=CENTERS, default_center=None, now=NOW).cases
    assert case.ticket["center"] == "daxi" and case.row == 4


def test_a_tab_separated_export_is_read():
    text = "\t".join(HEADER) + "\n" + "\t".join(good()) + "\n"
    assert len(parse(text.encode("gb18030")).cases) == 1


@pytest.mark.parametrize(("data", "words"), [
    (b"", "空"),
    (b"   \r\n", "空"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    (codecs.BOM_UTF16_LE + "民心网编号".encode("utf-16-le"), "UTF-16"),
    ("民心网编号\x00,受理时间\n".encode(), "NUL"),
    (b"\x81\x30\x81", "编码"),  # neither UTF-8 nor a whole GB18030 character
    (b"PK\x03\x04not really a workbook", "Excel"),
    ("姓名,电话\n张三,139\n".encode(), "找不到表头"),
])
def test_a_file_that_is_no_readable_export_is_refused_as_a_whole(data, words):
    with pytest.raises(ExportError) as refused:
        parse(data)
    assert words in refused.value.detail


def test_a_missing_required_column_or_a_column_given_twice_refuses_the_file():
    header = [h for h in HEADER if h != "联系电话"]
    with pytest.raises(ExportError, match="缺少列：联系电话"):
        parse(csv_bytes([good()[:-2] + ["滨河"]], header=header))
    with pytest.raises(ExportError, match="“主题”列出现了不止一次"):
        parse(csv_bytes([good() + ["又一个"]], header=HEADER + ["标题"]))


def test_too_many_rows_refuse_the_file(monkeypatch):
    monkeypatch.setattr(minxin, "MAX_ROWS", 3)
    assert len(parse(csv_bytes([good(f"MX{i}") for i in range(3)])).cases) == 3
    with pytest.raises(ExportError, match="一次最多导入 3 行"):
        parse(csv_bytes([good(f"MX{i}") for i in range(4)]))


def test_a_file_too_large_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(minxin, "MAX_BYTES", 100)
    with pytest.raises(ExportError, match="文件过大"):
        parse(csv_bytes([good()]))


# -- The rows ----------------------------------------------------------------------------------


def test_blank_rows_are_skipped_and_the_row_numbers_are_the_spreadsheets():
    parsed = parse(csv_bytes([good("MX1"), [""] * 8, ["  ", "", " ", "", "", "", "", ""],
                              good("MX2")]))
    assert [(c.row, c.number) for c in parsed.cases] == [(2, "MX1"), (5, "MX2")]
    assert parsed.rows == 2


def test_blank_cells_are_absent_a_required_one_is_missing_the_street_defaults():
    refusal = only_refusal(parse(csv_bytes([good(主题="   ", 姓名="")]))).reasons
    assert refusal == {"主题": ["此项为必填项"], "姓名": ["此项为必填项"]}
    [case] = parse(csv_bytes([good(街道=" ")]), default_center="daxi").cases
    assert case.ticket["center"] == "daxi"
    refusal = only_refusal(parse(csv_bytes([good(街道="")]), default_center=None))
    assert refusal.reasons == {"街道": ["未填写街道，导入人员也不属于任何中心"]}


def test_full_width_digits_of_a_phone_and_a_number_are_folded():
    [case] = parse(csv_bytes([good("ＭＸ２０２６００１", 联系电话="１３９ １２３４ ５６７８")])).cases
    assert case.number == "MX2026001"
    assert case.ticket["caller"]["phone"] == "13912345678"
    [landline] = parse(csv_bytes([good(联系电话="０２４－２２３４５６７８")])).cases
    assert landline.ticket["caller"]["phone"] == "024-22345678"


@pytest.mark.parametrize(("column", "value", "words"), [
    ("内容", "楼下饭店\x00油烟", "控制字符（U+0000"),
    ("内容", "楼下\x1b[31m饭店", "控制字符（U+001B"),
    ("姓名", "张\u202e三", "双向文本控制符（U+202E"),
    ("主题", "油烟\n扰民", "控制字符（U+000A"),
])
def test_control_characters_are_refused_beside_their_column(column, value, words):
    refusal = only_refusal(parse(csv_bytes([good(**{column: value})])))
    assert list(refusal.reasons) == [column] and words in refusal.reasons[column][0]


def test_line_breaks_in_the_content_are_kept_as_line_feeds():
    [case] = parse(csv_bytes([good(内容="第一行\r\n第二行")])).cases
    assert case.ticket["content"] == "第一行\n第二行"


def test_formula_like_text_in_a_csv_is_kept_as_text():
    [case] = parse(csv_bytes([good(主题='=HYPERLINK("http://evil.example","点我")',
                                   内容="+cmd|' /C calc'!A0")])).cases
    assert case.ticket["subject"] == '=HYPERLINK("http://evil.example","点我")'
    assert case.ticket["content"] == "+cmd|' /C calc'!A0"
    # Where only a code or digits belong, such text is refused by the column's own rule.
    refusal = only_refusal(parse(csv_bytes([good("=1+1", 联系电话="=13912345678")])))
    assert set(refusal.reasons) == {"民心网编号", "联系电话"}


def test_a_formula_cell_in_a_workbook_is_refused_the_next_row_imported():
    data = xlsx_bytes([
        ["MX1", "2026-11-28 10:15", "投诉", '=HYPERLINK("http://evil.example","点我")',
         "内容", "张三", "13912345678", "滨河"],
        ["MX2", "2026-11-28 10:20", "咨询", "开饭店要什么材料", "内容", "李四", "=B3", None],
        ["MX3", "2026-11-28 10:25", "咨询", "开饭店要什么材料", "内容", "王五", "13812345678",
         None]])
    parsed = parse(data)
    assert [(c.row, c.number) for c in parsed.cases] == [(4, "MX3")]
    assert [(r.row, r.number, list(r.reasons)) for r in parsed.refused] == [
        (2, "MX1", ["主题"]), (3, "MX2", ["联系电话"])]
    assert "单元格是公式" in parsed.refused[0].reasons["主题"][0]


@pytest.mark.parametrize(("value", "local"), [
    ("2026-11-28 10:15", "2026-11-28 10:15:00"),
    ("2026/11/28 9:05:30", "2026-11-28 09:05:30"),
    ("2026.11.28 09:05", "2026-11-28 09:05:00"),
    ("2026年11月28日 14:00", "2026-11-28 14:00:00"),
    ("２０２６－１１－２８ １０：１５", "2026-11-28 10:15:00"),
    ("2026-11-28", "2026-11-28 00:00:00"),
    ("2026-11-28T10:15:00+08:00", "2026-11-28 10:15:00"),
    ("2026-11-28T02:15:00Z", "2026-11-28 10:15:00"),
])
def test_the_received_time_in_the_ways_exports_write_it(value, local):
    [case] = parse(csv_bytes([good(受理时间=value)])).cases
    assert case.received_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") == local


@pytest.mark.parametrize(("value", "words"), [
    ("昨天", "受理时间应为日期和时间"),
    ("2026-02-30 10:00", "受理时间应为日期和时间"),
    ("2026-11-30 09:01", "晚于导入时间（2026-11-30 09:00）"),
    ("1999-12-31 10:00", "不能早于 2000-01-01"),
])
def test_a_received_time_unreadable_in_the_future_or_before_the_calendar_is_refused(value, words):
    refusal = only_refusal(parse(csv_bytes([good(受理时间=value)])))
    assert words in refusal.reasons["受理时间"][0]


def test_kinds_by_their_chinese_labels_only_the_three_a_citizen_files():
    parsed = parse(csv_bytes([good("A", 类型="咨询"), good("B", 类型=" 建议 "),
                              good("C", 类型="complaint"), good("D", 类型="整改"),
                              good("E", 类型="表扬")]))
    assert [c.ticket["kind"] for c in parsed.cases] == ["consultation", "suggestion", "complaint"]
    assert [r.reasons for r in parsed.refused] == [{"类型": ["类型应为 咨询、投诉、建议"]}] * 2


def test_the_street_by_code_name_or_short_name_an_unknown_one_refused():
    parsed = parse(csv_bytes([good("A", 街道="binhe"), good("B", 街道="滨河街道政务服务中心"),
                              good("C", 街道="滨河"), good("D", 街道="大西街道"),
                              good("E", 街道="沈河区"), good("F", 街道="月球街道")]))
    assert [c.ticket["center"] for c in parsed.cases] == ["binhe", "binhe", "binhe", "daxi",
                                                          "district"]
    assert only_refusal(minxin.Parsed((), parsed.refused)).reasons == {
        "街道": ["未知的街道或中心：月球街道"]}


def test_a_number_given_twice_is_taken_at_its_first_row():
    parsed = parse(csv_bytes([good("MX1"), good("MX2"), good("MX1", 主题="又一次")]))
    assert [c.row for c in parsed.cases] == [2, 3]
    assert parsed.refused[0].row == 4
    assert parsed.refused[0].reasons == {"民心网编号": ["与第 2 行的民心网编号重复，只导入第 2 行"]}


def test_a_bad_row_among_good_ones_is_refused_alone_with_every_reason():
    parsed = parse(csv_bytes([good("MX1"), good("MX 2", 联系电话="12345", 类型="", 受理时间="明天"),
                              good("MX3")]))
    assert [c.number for c in parsed.cases] == ["MX1", "MX3"]
    [bad] = parsed.refused
    assert (bad.row, bad.number) == (3, "MX2")  # the number read, spaces dropped
    assert bad.lines() == ["受理时间：受理时间应为日期和时间，如 2026-12-01 09:30",
                           "类型：此项为必填项",
                           "联系电话：电话号码应为 11 位手机号或带区号的固定电话"]


def _limit(schema_field) -> int:
    return next(v.max for v in schema_field.validators if isinstance(v, validate.Length))


def test_the_ticket_schemas_limits_apply_and_are_refused_in_chinese():
    declared = TicketSubmissionSchema().fields
    caller = declared["caller"].schema.fields
    limits = {"主题": _limit(declared["subject"]), "内容": _limit(declared["content"]),
              "姓名": _limit(caller["name"])}
    at_limit = parse(csv_bytes([good(**{column: "字" * n for column, n in limits.items()})]))
    assert len(at_limit.cases) == 1
    over = only_refusal(parse(csv_bytes([good(**{c: "字" * (n + 1) for c, n in limits.items()})])))
    assert over.reasons == {c: [f"长度不能超过 {n} 个字符"] for c, n in limits.items()}
