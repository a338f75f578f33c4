"""The documents the hall prints (issue 21, item 10) over HTTP on both backends: the
acceptance notice with the case number, the receipt code and a QR code to the public
progress lookup; the one-time notice of a supplement round; the decision with the
applicant's rights; each a page and a PDF with a CJK font embedded, for the window of
the case's center only, each print audited; a document a case has not got is refused."""
import io
import re
import uuid

import pypdf
import pytest
from sqlalchemy import func, select

from hub.approvals.models import Application
from hub.audit.models import AuditRecord
from tests.e2e.approvals.conftest import hall  # noqa: F401
from tests.e2e.prereviews.test_prereviews_api import upload
from tests.e2e.web.conftest import SCREENSHOTS
from tests.e2e.web.pages import backend, fresh, post_form, signed_in  # noqa: F401


@pytest.fixture
def window(hall, client):  # noqa: F811
    client.application.config["SESSION_COOKIE_SECURE"] = False
    signed_in(client, hall.clerk)
    return hall


def accept(client):
    response = post_form(client, "/cases/new/open-restaurant", {
        "applicant.name": "张三丰", "applicant.id_number": "210102199001011237",
        "applicant.phone": "13812345678", "form.shop_name": "老边饺子馆"})
    assert response.status_code == 302, response.text[:800]
    return uuid.UUID(re.search(r"/cases/([0-9a-f-]{36})/receipt", response.headers["Location"])
                     .group(1))


def pdf_of(response, name=None):
    """The PDF's text (spaces and line breaks dropped) and its fonts; kept as a test
    artifact under ``name`` for a person to look at."""
    assert response.status_code == 200, response.text[:500]
    if name:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"{name}.pdf").write_bytes(response.data)
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    # Without the layout's spaces and line breaks (a title is letter-spaced).
    text = "".join("".join(page.extract_text() for page in reader.pages).split())
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                fonts.append((str(font["/BaseFont"]), "/FontFile2" in descriptor
                              or "/FontFile3" in descriptor))
    return text, fonts


def embeds_a_cjk_font(fonts):
    return any(("WenQuanYi" in name or "CJK" in name) and embedded for name, embedded in fonts)


def printed(session, document):
    return session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "application.document_printed",
        AuditRecord.after["document"].as_string() == document))


def test_the_acceptance_notice_page_and_pdf(window, client, session):
    case_id = accept(client)
    number = session.get(Application, case_id).number
    page = fresh(client, "GET", f"/cases/{case_id}/receipt")
    assert page.status_code == 200
    code = re.search(r"data-receipt-code>([^<]+)<", page.text).group(1)
    assert number in page.text and "受理通知书" in page.text and "张三丰" in page.text
    qr = re.search(r'<img src="(data:image/svg\+xml[^"]+)" alt="进度查询二维码：([^"]+)"', page.text)
    assert qr and qr.group(2) == f"http://localhost/progress?number={number}"
    assert code not in qr.group(2)  # the code never goes into an address
    text, fonts = pdf_of(fresh(client, "GET", f"/cases/{case_id}/receipt.pdf"),
                         "document-receipt")
    assert number in text and code.replace(" ", "") in text
    assert "受理通知书" in text and "张三丰" in text
    assert embeds_a_cjk_font(fonts), fonts
    assert printed(session, "receipt") == 2


def test_the_one_time_notice_lists_every_request_of_the_round(window, client, session):
    case_id = accept(client)
    application = window.get(str(case_id))
    window.decided(window.task(application, "market"), "request_supplement",
                   comment="请补充经营场所租赁合同")
    page = fresh(client, "GET", f"/cases/{case_id}/notice")
    assert page.status_code == 200
    assert "补正材料一次性告知书" in page.text and "请补充经营场所租赁合同" in page.text
    text, fonts = pdf_of(fresh(client, "GET", f"/cases/{case_id}/notice.pdf"),
                         "document-notice")
    number = session.get(Application, case_id).number
    assert f"{number}-BZ1" in text and "请补充经营场所租赁合同" in text
    assert embeds_a_cjk_font(fonts)
    assert fresh(client, "GET", f"/cases/{case_id}/notice?round=2").status_code == 404
    assert fresh(client, "GET", f"/cases/{case_id}/notice?round=x").status_code == 404


def test_decisions_state_the_rights_of_reconsideration_and_suit(window, client, session):
    refused_id = accept(client)
    refused = window.get(str(refused_id))
    window.decided(window.task(refused, "market"), "reject", comment="经营场所位于居民楼内，不符合要求")
    text, fonts = pdf_of(fresh(client, "GET", f"/cases/{refused_id}/decision.pdf"),
                         "document-refusal")
    assert "不予行政许可决定书" in text and "经营场所位于居民楼内" in text
    for words in ("自收到本决定书之日起60日内", "沈阳市沈河区人民政府申请行政复议",
                  "自收到本决定书之日起6个月内", "向人民法院提起行政诉讼"):
        assert words in text, words
    assert embeds_a_cjk_font(fonts)
    granted_id = accept(client)
    granted = window.get(str(granted_id))
    for stage in (1, 2):
        granted = window.approve_stage(granted, stage)
    page = fresh(client, "GET", f"/cases/{granted_id}/decision")
    assert "准予行政许可决定书" in page.text and granted["result"]["number"] in page.text
    assert "行政复议" in page.text


def test_documents_a_case_has_not_got_and_strangers_are_refused(window, client, session, people):
    case_id = accept(client)
    before = printed(session, "notice") + printed(session, "decision")
    assert fresh(client, "GET", f"/cases/{case_id}/notice").status_code == 409
    assert fresh(client, "GET", f"/cases/{case_id}/decision.pdf").status_code == 409
    assert printed(session, "notice") + printed(session, "decision") == before
    fresh(client, "POST", "/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', fresh(client, "GET", "/me").text).group(1)})
    signed_in(client, window.approvers["market"])
    assert fresh(client, "GET", f"/cases/{case_id}/receipt").status_code == 403
    other = people.clerk(center="daxi")
    fresh(client, "POST", "/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', fresh(client, "GET", "/me").text).group(1)})
    signed_in(client, other)
    assert fresh(client, "GET", f"/cases/{case_id}/receipt.pdf").status_code == 404


def test_a_pre_review_handed_over_at_the_window_gets_its_acceptance_notice(
        client, desk, session):
    client.application.config["SESSION_COOKIE_SECURE"] = False
    sent = upload(client).json
    clerk = desk["clerk"]
    assert client.post(f"/api/v1/prereviews/{sent['number']}/decision",
                       json={"decision": "pass"}, headers=clerk.headers).status_code == 200
    signed_in(client, clerk)
    handed = post_form(client, f"/prereviews/{sent['number']}/accept", {},
                       token_from=f"/prereviews/{sent['number']}")
    assert handed.status_code == 302 and handed.headers["Location"].endswith("/receipt")
    page = fresh(client, "GET", handed.headers["Location"])
    number = session.scalars(select(Application.number)).one()
    assert number in page.text and re.search(r"data-receipt-code>[2-9A-Z]{4}-[2-9A-Z]{4}<",
                                             page.text)
