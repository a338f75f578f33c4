"""The one form checked against its fields, each department's part of it, ID numbers."""
from __future__ import annotations

import datetime as dt

import marshmallow as ma
import pytest

from hub.approvals.forms import (
    credit_code_check, credit_code_problem, form_errors, id_number_problem, normalise_answers,
    visible_form, with_check_character)
from hub.catalog.schemas import FormFieldSchema, ServiceItemSchema
from tests.factories import service_item_definition

FIELDS = [
    {"name": "shop_name", "label": "店铺名称", "type": "string", "required": True,
     "departments": ["market", "fire"]},
    {"name": "seats", "label": "座位数", "type": "integer", "departments": ["fire"]},
    {"name": "note", "label": "说明", "type": "text", "max_length": 5, "departments": []},
]


def test_required_unknown_and_typed_fields():
    assert form_errors(FIELDS, {"shop_name": "店", "seats": 20}) == {}
    errors = form_errors(FIELDS, {"seats": True, "colour": "红", "note": "太长了太长了"})
    assert errors == {"form.shop_name": ["请填写店铺名称"], "form.seats": ["应为整数"],
                      "form.colour": ["该事项的表单没有此字段"], "form.note": ["不能超过 5 个字"]}
    assert form_errors(FIELDS, {"shop_name": "店", "seats": None}) == {}


def test_each_department_sees_its_part():
    answers = {"shop_name": "店", "seats": 20, "note": "x"}
    assert visible_form(FIELDS, answers, "fire") == {"shop_name": "店", "seats": 20}
    assert visible_form(FIELDS, answers, "market") == {"shop_name": "店"}
    assert visible_form(FIELDS, answers, "tax") == {}


def test_id_numbers():
    valid = with_check_character("21010219900101123")
    assert valid == "210102199001011237" and id_number_problem(valid) is None
    assert id_number_problem("11010519491231002x") is None  # lower-case X is fine
    assert "校验位" in id_number_problem("210102199001011234")
    assert "出生日期" in id_number_problem(with_check_character("21010219901301123"))
    assert "18 位" in id_number_problem("2101021990")


# -- The checks a government form needs (issue 21, item 5) ------------------------------------

CHECKED = [
    {"name": "seats", "label": "座位数", "type": "integer", "min": 0, "max": 2000},
    {"name": "area", "label": "经营面积", "type": "number", "min": 1, "max": 10000},
    {"name": "weight", "label": "重量", "type": "number"},
    {"name": "start", "label": "计划开工日期", "type": "date", "not_past": True},
    {"name": "born", "label": "成立日期", "type": "date"},
    {"name": "code", "label": "统一社会信用代码", "type": "credit_code"},
]
TODAY = dt.date(2026, 11, 30)


def test_numbers_within_the_items_range_and_a_sane_magnitude():
    assert form_errors(CHECKED, {"seats": 0, "area": 10000, "weight": 1e11}, today=TODAY) == {}
    assert form_errors(CHECKED, {"seats": -5, "area": 1e9, "weight": 1e13}, today=TODAY) == {
        "form.seats": ["不能小于 0"], "form.area": ["不能大于 10000"],
        "form.weight": ["数值超出合理范围，请核对"]}
    assert form_errors(CHECKED, {"area": 0.5}) == {"form.area": ["不能小于 1"]}


def test_a_date_not_in_the_past_where_the_item_says_so():
    assert form_errors(CHECKED, {"start": "2026-11-30", "born": "1990-01-01"}, today=TODAY) == {}
    assert form_errors(CHECKED, {"start": "2026-11-29"}, today=TODAY) == {
        "form.start": ["不能早于受理当日（2026-11-30）"]}
    assert form_errors(CHECKED, {"start": "2026-02-30"}, today=TODAY) == {
        "form.start": ["应为日期，格式 YYYY-MM-DD"]}
    # A resubmission keeps a date accepted before, though its day has passed since.
    later = TODAY + dt.timedelta(days=20)
    assert form_errors(CHECKED, {"start": "2026-12-01"}, today=later,
                       previous={"start": "2026-12-01"}) == {}
    assert form_errors(CHECKED, {"start": "2026-12-02"}, today=later,
                       previous={"start": "2026-12-01"}) != {}


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110108551385082Q",
                                  "91210103" + "MA0Q1W2E3" + credit_code_check("91210103MA0Q1W2E3")])
def test_valid_unified_social_credit_codes(code):
    assert credit_code_problem(code) is None
    assert form_errors(CHECKED, {"code": code}) == {}


@pytest.mark.parametrize(("code", "why"), [
    ("91350100M000100Y44", "校验位不符"),       # the check character of another code
    ("91350100M000100Y4", "应为 18 位"),
    ("9135010OM000100Y43", "不允许的字符"),     # the letter O for zero
    ("91AB0100M000100Y43", "行政区划"),          # no area code in 3–8
])
def test_wrong_credit_codes_are_refused_with_the_reason(code, why):
    assert why in credit_code_problem(code)
    assert why in form_errors(CHECKED, {"code": code})["form.code"][0]


def test_a_credit_code_is_kept_as_its_18_capitals():
    typed = "９１３５ ０１００ m０００ １００ y４３"  # full-width, spaced, lower case
    kept = normalise_answers(CHECKED, {"code": typed, "seats": 3})
    assert kept == {"code": "91350100M000100Y43", "seats": 3}
    assert form_errors(CHECKED, kept) == {}


def test_the_definition_declares_only_checks_that_fit_the_type():
    schema = FormFieldSchema()
    assert schema.load({"name": "seats", "label": "座位数", "type": "integer", "min": 0,
                        "max": 2000.0})["max"] == 2000
    for bad, where in [
        ({"type": "string", "min": 1}, "min"),
        ({"type": "integer", "min": 5, "max": 1}, "max"),
        ({"type": "integer", "min": 0.5}, "min"),
        ({"type": "number", "max": float("inf")}, "max"),
        ({"type": "string", "not_past": True}, "not_past"),
        ({"type": "date", "company": True}, "company"),
    ]:
        with pytest.raises(ma.ValidationError) as refused:
            schema.load({"name": "f", "label": "字段", **bad})
        assert where in refused.value.messages, bad
    two_names = service_item_definition(form=[
        {"name": "a", "label": "甲", "company": True}, {"name": "b", "label": "乙", "company": True}])
    with pytest.raises(ma.ValidationError):
        ServiceItemSchema().load(two_names)


def test_an_audit_change_shows_a_reader_only_their_fields():
    from hub.approvals.forms import shown_change

    after = {"form_changed": ["fire_exits", "shop_name"], "number": "SH-1",
             "form_before": {"fire_exits": "a", "shop_name": "x"},
             "form_after": {"fire_exits": "b", "shop_name": "y"}}
    assert shown_change(after, frozenset({"shop_name"})) == {
        "form_changed": ["shop_name"], "number": "SH-1",
        "form_before": {"shop_name": "x"}, "form_after": {"shop_name": "y"}}
    assert shown_change(after, None) == after  # the window, supervisors: the whole form
    assert shown_change(None, frozenset()) is None
