"""The citizen's path through the public pages, over HTTP on both backends, without
signing in and without script (the forms work as plain posts): the guide → the hall
guide with the item's window highlighted → booking a half-day (a wrong ID number first,
said beside the field) → cancelling with the receipt's code (a wrong code first) → a
pre-review with its materials, then its progress by number and code. Every input carries
a Chinese label. (The same pages in Chromium at phone and desktop size:
tests/e2e/web/test_public_site.py.)"""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from hub.appointments.models import Appointment, AppointmentSlot
from hub.materials.models import Material
from hub.prereviews.models import PreReview
from tests.e2e.conftest import TOMORROW, id_number
from tests.e2e.web.pages import backend, csrf_token, fresh  # noqa: F401  (both backends)
from tests.e2e.web.staff import field_errors, having_class, table_rows, text, tree, value_of
from tests.e2e.web.test_public_site import site  # noqa: F401  (the fixture)
from tests.factories import pdf_bytes, png_bytes

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def citizen(client, site):  # noqa: F811
    client.application.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks http
    return client


def get(client, path):
    page = fresh(client, "GET", path)
    assert page.status_code == 200, (path, page.status_code)
    assert page.mimetype == "text/html"
    assert_labelled(page)
    return page


def post(client, path, data, **kwargs):
    return fresh(client, "POST", path, data={**data, "csrf_token": csrf_token(client, path)},
                 **kwargs)


def link(page, label):
    """The address of the link (or button link) reading ``label`` in the page's content
    (not its navigation bar)."""
    found = [a.get("href") for a in tree(page).xpath("//main//a") if text(a).startswith(label)]
    assert found, f"no link {label}"
    return found[0]


def assert_labelled(page):
    """Every input a person fills or picks has a label in Chinese: ``<label for>`` or the
    label around it (a choice)."""
    root = tree(page)
    labels = {label.get("for"): text(label) for label in root.xpath("//label[@for]")}
    inputs = root.xpath("//input[not(@type='hidden') and not(@type='submit')] | //select"
                        " | //textarea")
    for element in inputs:
        around = element.xpath("ancestor::label")
        said = labels.get(element.get("id")) or (text(around[0]) if around else "")
        assert CJK.search(said), (element.get("name"), said)


def stored(session):
    return {model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Appointment, PreReview, Material)}


def free_places(page):
    return {text(label).split("（")[0]: text(label.xpath(f".//span[{having_class('free')}]")[0])
            for label in tree(page).xpath(f"//label[{having_class('choice')}]")}


def test_from_the_guide_to_the_hall_guide_highlighting_the_window(citizen):
    guides = get(citizen, "/guide")
    card = tree(guides).xpath(f"//li[{having_class('item-card')}]")
    assert [text(c.xpath(".//h2")[0]) for c in card] == ["开办餐饮店"]
    assert "可网上预约" in text(card[0]) and "可网上预审" in text(card[0])
    guide = get(citizen, link(guides, "开办餐饮店"))
    assert text(tree(guide).xpath("//h1")[0]) == "开办餐饮店"
    assert table_rows(guide, "//table[caption]") == [
        ["营业执照", "1", "原件", "—"], ["经营场所平面布局图", "2", "复印件", "标明操作间位置"]]
    stages = [text(li) for li in tree(guide).xpath(f"//ol[{having_class('stages-list')}]/li")]
    assert stages == ["窗口受理（一张表）", "部门审查：区市场监督管理局（3 个工作日）",
                      "各部门同时审查（并联）：区食品药品监督管理局（5 个工作日）、"
                      "区消防救援大队（5 个工作日）、区生态环境分局（5 个工作日）",
                      "出具结果（一个章）"]
    assert link(guide, "网上预约") == "/book?item=open-restaurant"
    assert link(guide, "网上预审") == "/prereview/open-restaurant"

    where = [text(li) for li in tree(guide).xpath(f"//ul[{having_class('window-list')}]/li")]
    assert where == ["滨河街道政务服务中心 · 1 楼 · A02 号窗口（市场监管窗口） 看平面图"]
    assert link(guide, "看平面图") == "/hall/binhe?item=open-restaurant"
    hall = get(citizen, link(guide, "看平面图"))
    assert text(tree(hall).xpath("//h1")[0]) == "全景导引：滨河街道政务服务中心"
    here = tree(hall).xpath(f"//g[{having_class('counter-here')}]/text[1]")
    assert [text(t) for t in here] == ["A02"]
    assert [text(c) for c in tree(hall).xpath("//figcaption")] == [
        "1 楼：开办餐饮店请到 A02 号窗口", "2 楼"]
    row = tree(hall).xpath(f"//tr[{having_class('row-here')}]")
    assert [text(td) for td in row[0].xpath("./td")] == ["A02", "1 楼", "市场监管窗口", "开办餐饮店"]
    assert tree(hall).xpath("//select[@id='hall-item']/option[@selected]/@value") == [
        "open-restaurant"]


def test_booking_a_half_day_then_cancelling_it_with_the_code(citizen, session):
    chosen = get(citizen, "/book?item=open-restaurant")
    centers = tree(chosen).xpath("//select[@id='book-center']/option[@value!='']")
    assert [(o.get("value"), text(o)) for o in centers] == [("binhe", "滨河街道政务服务中心")]
    days = [text(o) for o in tree(chosen).xpath("//select[@id='book-date']/option[@value!='']")]
    assert days[:6] == ["2026-11-30（周一）", "2026-12-01（周二）", "2026-12-02（周三）",
                        "2026-12-03（周四）", "2026-12-04（周五）", "2026-12-07（周一）"]
    assert not any("周六" in d or "周日" in d for d in days)

    form_path = f"/book?item=open-restaurant&center=binhe&date={TOMORROW}"
    slots = get(citizen, form_path)
    assert free_places(slots) == {"上午": "余 2 个", "下午": "余 2 个"}
    typed = {"item": "open-restaurant", "center": "binhe", "date": TOMORROW, "slot": "am",
             "idempotency_key": value_of(slots, "idempotency_key"),
             "applicant.name": "王小明", "applicant.id_number": "210102199001011230",
             "applicant.phone": "13812345678"}
    refused = post(citizen, form_path, typed)
    assert refused.status_code == 422
    assert any("校验位" in m for m in field_errors(refused, "applicant.id_number"))
    assert value_of(refused, "applicant.name") == "王小明"  # what was typed stays
    assert stored(session)["Appointment"] == 0

    number_given = id_number()
    booked = post(citizen, form_path, {**typed, "applicant.id_number": number_given})
    assert booked.status_code == 200
    receipt = tree(booked)
    assert text(receipt.xpath("//h1")[0]) == "预约成功"
    number = text(receipt.xpath("//*[@id='receipt-number']")[0])
    code = text(receipt.xpath("//*[@id='receipt-code']")[0])
    assert re.fullmatch(r"YY-BINHE-20261130-\d{4}", number)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    facts = dict(zip([text(t) for t in receipt.xpath("//dl/dt")],
                     [text(d) for d in receipt.xpath("//dl/dd")]))
    assert facts["时间"] == "2026-12-01（周二） 上午 08:30–11:30"
    assert facts["事项"] == "开办餐饮店" and facts["地点"].startswith("滨河街道政务服务中心")
    assert number_given not in booked.get_data(as_text=True)  # masked on the receipt
    row = session.scalars(select(Appointment)).one()
    assert (row.number, row.status, str(row.day), row.slot) == (number, "booked", TOMORROW, "am")
    assert free_places(get(citizen, form_path)) == {"上午": "余 1 个", "下午": "余 2 个"}

    cancel_page = get(citizen, link(booked, "取消预约"))
    assert {text(label) for label in tree(cancel_page).xpath("//label")} >= {"预约编号*", "查询码*"}
    wrong = post(citizen, "/book/cancel", {"number": number, "code": "AAAA-BBBB"})
    assert wrong.status_code == 422
    assert "未找到该预约，或查询码不正确" in text(
        tree(wrong).xpath(f"//*[{having_class('form-errors')}]")[0])
    assert value_of(wrong, "number") == number and value_of(wrong, "code") == ""
    session.expire_all()
    assert session.scalar(select(Appointment.status)) == "booked"
    done = post(citizen, "/book/cancel", {"number": number.lower(), "code": code.lower()})
    assert done.status_code == 200
    assert text(tree(done).xpath("//h1")[0]) == "已取消预约"
    assert f"预约 {number}（2026-12-01（周二） 上午）已取消，名额已释放。" == text(
        tree(done).xpath("//p[@role='status']")[0])
    session.expire_all()
    assert session.scalar(select(Appointment.status)) == "cancelled"
    assert session.scalar(select(AppointmentSlot.taken)) == 0
    assert free_places(get(citizen, form_path)) == {"上午": "余 2 个", "下午": "余 2 个"}
    # Cancelled once: a second time is said, not done.
    again = post(citizen, "/book/cancel", {"number": number, "code": code})
    assert again.status_code == 422 and "该预约已取消或已办理" in again.get_data(as_text=True)


def test_a_pre_review_with_its_materials_then_its_progress(citizen, session):
    form = get(citizen, "/prereview/open-restaurant")
    assert text(tree(form).xpath("//h1")[0]) == "网上预审：开办餐饮店"
    labels = {label.get("for"): text(label) for label in tree(form).xpath("//label[@for]")}
    assert {labels[k] for k in ("f-center", "f-applicant-name", "f-applicant-id_number",
                                "f-applicant-phone", "f-form-shop_name", "f-files")} == {
        "到哪个中心办理*", "姓名*", "身份证号码*", "手机号码*", "店铺名称*", "选择文件（可多选）"}
    needed = [text(li) for li in tree(form).xpath(f"//ul[{having_class('materials-needed')}]/li")]
    assert needed == ["营业执照", "经营场所平面布局图（2 份）：标明操作间位置"]
    assert [o.get("value") for o in tree(form).xpath("//select[@id='f-center']/option")] == [
        "", "binhe"]  # the centers whose windows handle the item

    filled = {"center": "binhe", "applicant.name": "李四", "applicant.id_number": id_number(),
              "applicant.phone": "13912345678", "form.shop_name": "老边饺子馆"}
    missing = post(citizen, "/prereview/open-restaurant", {**filled, "form.shop_name": ""},
                   content_type="multipart/form-data")
    assert missing.status_code == 422
    assert field_errors(missing, "form.shop_name")
    assert value_of(missing, "applicant.name") == "李四"
    assert stored(session)["PreReview"] == 0

    licence, plan = pdf_bytes("licence"), png_bytes(8, 8)
    sent = post(citizen, "/prereview/open-restaurant", {
        **filled, "files": [(io.BytesIO(licence), "营业执照.pdf"), (io.BytesIO(plan), "平面图.png")]},
        content_type="multipart/form-data")
    assert sent.status_code == 200, sent.get_data(as_text=True)[:1000]
    receipt = tree(sent)
    assert text(receipt.xpath("//h1")[0]) == "已提交，等待审查"
    number = text(receipt.xpath("//*[@id='receipt-number']")[0])
    code = text(receipt.xpath("//*[@id='receipt-code']")[0])
    assert number.startswith("YS-BINHE-20261130-")
    assert "2026-12-01 23:59" in text(receipt.xpath("//section")[0])  # within a working day
    row = session.scalars(select(PreReview)).one()
    assert (row.number, row.status, row.form) == (number, "submitted", {"shop_name": "老边饺子馆"})
    assert sorted((m.filename, m.size) for m in session.scalars(select(Material))) == [
        ("平面图.png", len(plan)), ("营业执照.pdf", len(licence))]

    get(citizen, "/progress")  # its labels
    found = post(citizen, "/progress", {"number": number, "code": code})
    assert found.status_code == 200
    result = tree(found).xpath("//*[@id='progress-result']")[0]
    assert text(result.xpath(".//h2")[0]) == f"{number}：待审查"
    assert "李*" in text(result)
