"""Posted fields to the API's shapes, and messages back beside their inputs."""
import marshmallow as ma
import pytest
from werkzeug.datastructures import MultiDict

from hub.errors import ValidationFailed
from hub.web import forms
from hub.web.blueprint import safe_next


def test_messages_go_to_the_input_they_belong_to():
    placed = forms.place({"stages.0.tasks.1.department": ["未知的部门：x"],
                          "form.shop_name": ["请填写店铺名称"],
                          "applicant.id_number": ["身份证号码校验位不符，请核对"],
                          "_schema": ["总体错误"]},
                         ["stages", "form.shop_name", "form", "applicant.id_number"])
    assert placed == {"stages": ["未知的部门：x"], "form.shop_name": ["请填写店铺名称"],
                      "applicant.id_number": ["身份证号码校验位不符，请核对"],
                      "_schema": ["总体错误"]}


def test_marshmallow_defaults_are_shown_in_chinese():
    class Schema(ma.Schema):
        name = ma.fields.String(required=True)
        days = ma.fields.Integer(validate=ma.validate.Range(min=1, max=365))
        kind = ma.fields.String(validate=ma.validate.OneOf(["a", "b"]))

    with pytest.raises(ValidationFailed) as caught:
        forms.load(Schema(), {"days": 0, "kind": "c"})
    placed = forms.place(caught.value.errors, ["name", "days", "kind"])
    assert placed == {"name": ["此项为必填项"], "days": ["须在 1 到 365 之间"],
                      "kind": ["请从给定的选项中选择"]}
    assert forms.chinese("Not a valid integer.") == "请输入整数"
    assert forms.chinese("已是中文") == "已是中文"


def test_nested_inputs_and_blank_text():
    posted = MultiDict([("form.shop_name", "老边饺子"), ("applicant.name", "张三"), ("x", "1")])
    assert forms.nested(posted, "form") == {"shop_name": "老边饺子"}
    assert forms.text(MultiDict([("a", "  ")]), "a") is None


@pytest.mark.parametrize("target, expected", [
    ("/cases?q=1", "/cases?q=1"), ("//evil.example/x", None), ("https://evil.example/", None),
    ("cases", None), ("/\\evil.example", None), (None, None), ("", None),
])
def test_next_stays_on_this_site(target, expected):
    assert safe_next(target) == expected


def test_answers_get_the_type_their_field_declares():
    from hub.web.present import typed_answers

    fields = [{"name": "seats", "type": "integer"}, {"name": "area", "type": "number"},
              {"name": "fume", "type": "boolean"}, {"name": "shop", "type": "string"},
              {"name": "open", "type": "date"}, {"name": "kind", "type": "choice"},
              {"name": "empty", "type": "string"}]
    posted = {"seats": "12", "area": "85.5", "fume": "false", "shop": " 老边饺子 ",
              "open": "2026-12-01", "kind": "热食类", "empty": "  ", "unknown": "x"}
    assert typed_answers(fields, posted) == {
        "seats": 12, "area": 85.5, "fume": False, "shop": "老边饺子", "open": "2026-12-01",
        "kind": "热食类"}
    # What does not convert goes on as typed, for the form check's own message.
    assert typed_answers(fields, {"seats": "十二", "area": "80"}) == {"seats": "十二", "area": 80}
