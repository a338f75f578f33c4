"""The operator's import of a 民心网 export (on the desk page): the file up, each case
received as a ticket through ``hub.tickets.imports``, and the summary: received, already
imported, and each refused row with its reasons."""
from __future__ import annotations

from typing import Any

from flask import render_template, request

from hub import db
from hub.tickets import minxin
from hub.tickets.imports import import_minxin
from hub.web import forms
from hub.web.blueprint import bp, page, principal
from hub.web.present import names


@bp.context_processor
def _minxin_columns() -> dict[str, Any]:
    """The accepted columns, for the import's form wherever it is shown (the desk too)."""
    return {"minxin_columns": minxin.COLUMNS}


def _page(*, report: Any = None, errors: forms.Errors | None = None, filename: str | None = None,
          status: int = 200) -> Any:
    return render_template("tickets/minxin.html", nav="desk", report=report,
                           errors=errors or {}, filename=filename, max_rows=minxin.MAX_ROWS,
                           max_mib=minxin.MAX_BYTES // 2**20,
                           names=names()), status


@bp.route("/desk/minxin", methods=["GET", "POST"])
@page("tickets.import_minxin")
def desk_minxin() -> Any:
    """导入民心网工单: a CSV or XLSX export, its cases received as tickets the operator
    owns; importing the same file again receives nothing new."""
    if request.method == "GET":
        return _page()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(errors={"file": ["请选择要导入的民心网导出文件（CSV 或 .xlsx）"]}, status=422)
    data = upload.stream.read(minxin.MAX_BYTES + 1)
    try:
        report = import_minxin(db.session(), principal(), data, filename=upload.filename)
    except minxin.ExportError as exc:
        db.session().rollback()
        return _page(errors={"file": [exc.detail]}, filename=upload.filename, status=422)
    return _page(report=report, filename=upload.filename)


# The file and the form around it: more than the app's default body.
desk_minxin.max_body = lambda settings: (  # type: ignore[attr-defined]
    minxin.MAX_BYTES + settings.max_content_length)
