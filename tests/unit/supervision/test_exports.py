"""The one spreadsheet writer: a cell a spreadsheet would evaluate reaches it as text."""
import csv
import io

import openpyxl
import pytest

from hub.supervision import exports

COLUMNS = [("name", "名称"), ("count", "件数"), ("on_time_rate", "按时办结率")]
DANGEROUS = ["=HYPERLINK(\"http://x\",\"点击\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1",
             "\r=1", "＝1+1", "＋1", "－1", "＠A1", "  =1+1", "\u3000=1"]
HARMLESS = ["市场监管局", "a=b", "1-2", "x@y.cn", ""]


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_formula_becomes_text_with_a_leading_apostrophe_in_csv(text):
    content = exports.to_csv(COLUMNS, [{"name": text, "count": -3, "on_time_rate": 0.5}])
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[1] == ["'" + text, "-3", "50.00%"]  # a number stays a number


@pytest.mark.parametrize("text", HARMLESS)
def test_other_text_is_left_as_it_is(text):
    assert exports.neutralised(text) == text


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_formula_is_a_typed_text_cell_in_xlsx(text):
    content = exports.to_xlsx([("表", COLUMNS, [{"name": text, "count": -3, "on_time_rate": 0.5}])])
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cell = sheet["A2"]
    # Shown as typed (XML reads a carriage return back as a line feed), never evaluated.
    assert (cell.value.replace("\n", "\r"), cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert sheet["B2"].value == -3 and sheet["B2"].data_type == "n"


def test_text_that_is_no_formula_is_plain_text_in_xlsx():
    content = exports.to_xlsx([("表", COLUMNS, [{"name": "市场监管局", "count": 1}])])
    cell = openpyxl.load_workbook(io.BytesIO(content)).active["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("市场监管局", "s", False)
