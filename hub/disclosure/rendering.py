"""The report as a document: HTML (the officials' page and ``?format=html``) and DOCX (a
file a disclosure office edits and publishes), both drawn from the report's JSON and the
same grids (``layout``). A year still in progress says so on every page: a banner above
and below the HTML (repeated on each printed page by the stylesheet), the header and the
footer of every page of the DOCX."""
from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Mapping
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from hub.timezones import SHANGHAI
from hub.disclosure.layout import Grid, grids
from hub.disclosure.narrative import chinese_date

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The national standard for official documents (GB/T 9704): the title in 小标宋, headings
# in 黑体, text in 仿宋 at 三号 (16 pt); tables in 宋体 at 五号 (10.5 pt). Word falls back
# to a font it has when the reader's machine lacks one; the names stay in the file.
TITLE_FONT, HEADING_FONT, BODY_FONT, TABLE_FONT = "方正小标宋简体", "黑体", "仿宋_GB2312", "宋体"
LATIN_FONT = "Times New Roman"


def _cdate(value: dt.date | dt.datetime | str) -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.astimezone(SHANGHAI).date()
    return chinese_date(value)


@functools.cache
def _templates() -> Environment:
    env = Environment(loader=PackageLoader("hub.disclosure", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["cdate"] = _cdate
    return env


def draft_notice(report: Mapping[str, Any]) -> str | None:
    """What a report of a year still in progress says on every page."""
    if not report["open"]:
        return None
    return (f"{report['year']}年度尚未结束：本报告数据截至{_cdate(report['as_of'])}，"
            f"不是正式的年度报告")


def html_fragment(report: Mapping[str, Any]) -> Markup:
    """The report's body, for a page of the hub."""
    return Markup(_templates().get_template("disclosure/_report.html").render(
        report=report, grids=grids(report)))


def html_document(report: Mapping[str, Any]) -> str:
    """The report as a page of its own (``?format=html``)."""
    return _templates().get_template("disclosure/document.html").render(report=report,
                                                                 grids=grids(report))


# -- DOCX ---------------------------------------------------------------------------------------


def _fonts(element: Any, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Set a run's or a style's fonts: Chinese text takes the East Asian one (w:eastAsia);
    ``font.name`` alone only sets the Latin fonts, and Word would show Chinese in its default."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _run(paragraph: Any, text: str, font: str, size: float, bold: bool = False) -> Any:
    run = paragraph.add_run(text)
    run.font.size, run.font.bold = Pt(size), bold
    _fonts(run._element, font)
    return run


def _page_field(paragraph: Any) -> None:
    """A PAGE field: Word fills in each page's number."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _header_and_footer(document: Any, report: Mapping[str, Any]) -> None:
    notice = draft_notice(report)
    for section in document.sections:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(header, notice or report["title"], BODY_FONT, 10.5, bold=bool(notice))
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if notice:
            _run(footer, notice + "　", BODY_FONT, 10.5, bold=True)
        _run(footer, "— ", LATIN_FONT, 10.5)
        _page_field(footer)
        _run(footer, " —", LATIN_FONT, 10.5)


def _table(document: Any, grid: Grid, text_width: Any) -> Table:
    table = document.add_table(rows=grid.rows, cols=grid.cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if grid.widths:
        table.autofit = False
        for row in table.rows:
            for cell, share in zip(row.cells, grid.widths, strict=True):
                cell.width = int(text_width * share / 100)
    for cell in grid.cells:
        target = table.cell(cell.row, cell.col)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(table.cell(cell.row + cell.rowspan - 1,
                                             cell.col + cell.colspan - 1))
        paragraph = target.paragraphs[0]
        paragraph.alignment = (WD_ALIGN_PARAGRAPH.LEFT if cell.kind == "label"
                               else WD_ALIGN_PARAGRAPH.CENTER)
        _run(paragraph, cell.text, TABLE_FONT, 9 if grid.cols > 10 else 10.5,
             bold=cell.kind == "head")
    return table


def docx_bytes(report: Mapping[str, Any]) -> bytes:
    """The report as a Word document in the national format."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.size = Pt(16)
    _fonts(normal.element, BODY_FONT)
    core = document.core_properties
    core.title, core.author, core.language = report["title"], report["organ"], "zh-CN"
    _header_and_footer(document, report)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, report["title"], TITLE_FONT, 22)
    tables = grids(report)
    for part in report["sections"]:
        if part.get("heading"):
            _run(document.add_paragraph(), part["heading"], HEADING_FONT, 16)
        for text in part.get("paragraphs") or []:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters
            _run(paragraph, text, BODY_FONT, 16)
        if part.get("table"):
            _table(document, tables[part["table"]],
                   section.page_width - section.left_margin - section.right_margin)
    for text in (report["organ"], _cdate(report["as_of"] if report["open"]
                                         else report["generated_at"])):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _run(paragraph, text, BODY_FONT, 16)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


__all__ = ["DOCX_MIMETYPE", "docx_bytes", "draft_notice", "html_document", "html_fragment"]
