"""The one form checked against its fields, each department's part of it, ID numbers."""
from __future__ import annotations

from hub.approvals.forms import form_errors, id_number_problem, visible_form, with_check_character

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
