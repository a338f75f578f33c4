"""The documents the window prints for the applicant, as pages (with a print stylesheet)
and as PDF: the acceptance notice (受理通知书) with the case number, the receipt code
and a QR code to the public progress lookup; the one-time notice of missing materials
(一次性告知书) of a supplement round; the decision (准予/不予行政许可决定书) with the
applicant's rights. Facts from ``hub.documents.services``; the same template makes both."""
from __future__ import annotations

import io
import uuid
from typing import Any

from flask import Response, current_app, flash, render_template, request, send_file

from hub import db, receipts
from hub.approvals import services as approvals
from hub.documents import services as documents
from hub.documents import wording
from hub.documents.qr import qr_data_uri
from hub.errors import NotFound
from hub.web.blueprint import bp, page, principal
from hub.web.pdf import render_pdf
from hub.web.present import keep_receipt_code, kept_receipt_code, names

PDF_ENDPOINTS = {wording.RECEIPT: "web.receipt_pdf", wording.NOTICE: "web.supplement_notice_pdf",
                 wording.DECISION: "web.decision_pdf"}


def progress_url(number: str) -> str:
    """The public site's progress lookup for a case (the code is typed there, never put
    in an address)."""
    base = current_app.config["HUB_SETTINGS"].public_url or request.url_root
    return f"{base.rstrip('/')}/progress?number={number}"


def _respond(application_id: uuid.UUID, which: str, fmt: str, **extra: Any) -> Any:
    raw_round = request.args.get("round")
    if raw_round is not None and not raw_round.isdigit():
        raise NotFound("没有这一次补正")
    printed = documents.document(db.session(), principal(), application_id, which, fmt=fmt,
                                 round_number=int(raw_round) if raw_round else None)
    html = render_template(f"documents/{which}.html", doc=printed, wording=wording,
                           standalone=fmt == "pdf", names=names(), nav="cases",
                           pdf_endpoint=PDF_ENDPOINTS[which], **extra)
    if fmt == "html":
        return html
    response = send_file(io.BytesIO(render_pdf(html)), mimetype="application/pdf",
                         download_name=f"{printed.title}-{printed.number}.pdf")
    response.headers["Cache-Control"] = "no-store"  # the applicant's name, in full
    return response


def _receipt_extra(application_id: uuid.UUID, code: str | None) -> dict[str, Any]:
    number = approvals.readable_application(db.session(), principal(), application_id).number
    url = progress_url(number)
    return {"code": receipts.shown(code) if code else None, "progress_url": url,
            "qr": qr_data_uri(url)}


@bp.route("/cases/<uuid:application_id>/receipt", methods=["GET", "POST"])
@page("applications.print")
def receipt(application_id: uuid.UUID) -> Any:
    """The acceptance notice (受理通知书) to print for the applicant. Its receipt code shows
    only while fresh after acceptance; a lost code is replaced by a new one (POST,
    audited), and the old one stops working."""
    if request.method == "POST":
        approvals.changeable(approvals.readable_application(db.session(), principal(),
                                                            application_id))
        code = approvals.reissue_receipt(db.session(), principal(), application_id)
        keep_receipt_code(application_id, code)
        flash("已重新签发查询码，原查询码作废")
    return _respond(application_id, wording.RECEIPT, "html",
                    **_receipt_extra(application_id, kept_receipt_code(application_id)))


@bp.route("/cases/<uuid:application_id>/receipt.pdf")
@page("applications.print")
def receipt_pdf(application_id: uuid.UUID) -> Any:
    return _respond(application_id, wording.RECEIPT, "pdf",
                    **_receipt_extra(application_id, kept_receipt_code(application_id)))


@bp.route("/cases/<uuid:application_id>/notice")
@page("applications.print")
def supplement_notice(application_id: uuid.UUID) -> Any:
    """一次性告知书 of the latest supplement round (``?round=N`` for an earlier one)."""
    return _respond(application_id, wording.NOTICE, "html")


@bp.route("/cases/<uuid:application_id>/notice.pdf")
@page("applications.print")
def supplement_notice_pdf(application_id: uuid.UUID) -> Response:
    return _respond(application_id, wording.NOTICE, "pdf")  # type: ignore[no-any-return]


@bp.route("/cases/<uuid:application_id>/decision")
@page("applications.print")
def decision(application_id: uuid.UUID) -> Any:
    """准予/不予行政许可决定书 of a concluded case."""
    return _respond(application_id, wording.DECISION, "html")


@bp.route("/cases/<uuid:application_id>/decision.pdf")
@page("applications.print")
def decision_pdf(application_id: uuid.UUID) -> Response:
    return _respond(application_id, wording.DECISION, "pdf")  # type: ignore[no-any-return]
