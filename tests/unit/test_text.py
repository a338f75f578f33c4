"""Unicode that deceives: digits read as ASCII where a value means digits; control and
bidirectional formatting characters refused in names and free text."""
import marshmallow as ma
import pytest

from hub import fields, text

ID = "210102199001011237"


@pytest.mark.parametrize("typed", [
    ID, "２１０１０２１９９００１０１１２３７", "٢١٠١٠٢١٩٩٠٠١٠١١٢٣٧", "۲۱۰۱۰۲۱۹۹۰۰۱۰۱۱۲۳۷",
    "२१०१०२१९९००१०११२३७", "2101 0219 9001 0112 37", "２１０１\u3000０２１９ ９００１０１１２３７",
])
def test_an_id_number_in_any_digits_is_read_as_ascii(typed):
    assert fields.IdNumber().deserialize(typed) == ID
    assert text.ascii_digits(typed) == ID


def test_the_check_letter_and_a_phone_fold_too():
    assert fields.IdNumber().deserialize("２１０１０２１９９００１０１１２３ｘ") == "21010219900101123X"
    assert fields.Phone().deserialize("１３８ １２３４ ５６７８") == "13812345678"
    assert fields.Phone().deserialize("０２４－２２８１２３４５") == "024-22812345"


@pytest.mark.parametrize("value, named", [
    ("Shop \u202eTXT.EXE", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("张\u202a三", "U+202A LEFT-TO-RIGHT EMBEDDING"),
    ("\u2066张三\u2069", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("张\x00三", "U+0000"), ("张\x1b[2J三", "U+001B"), ("张\x85三", "U+0085"),
    ("张\x7f三", "U+007F"), ("张\t三", "U+0009"), ("张\n三", "U+000A"),
    ("张\u2028三", "U+2028 LINE SEPARATOR"), ("张\ud800三", "U+D800"),
])
def test_a_name_refuses_controls_and_bidi_overrides_naming_the_character(value, named):
    with pytest.raises(ma.ValidationError) as caught:
        fields.Text().deserialize(value)
    assert named in caught.value.messages[0]


def test_free_text_takes_line_breaks_and_tabs_only():
    assert fields.FreeText().deserialize("第一行\r\n第二行\r第三行\t完") == "第一行\n第二行\n第三行\t完"
    for value in ("意见\u202e", "意见\x00", "意\x0c见", "\u2067意见"):
        with pytest.raises(ma.ValidationError):
            fields.FreeText().deserialize(value)


@pytest.mark.parametrize("value", ["张三丰", "O'Brien-Smith", "مريم", "Zoë", "欧阳堃", "a=b"])
def test_ordinary_names_are_taken_as_they_are(value):
    assert fields.Text().deserialize(value) == value


def test_a_password_is_taken_exactly_as_typed():
    assert fields.Secret().deserialize("  pass word\t") == "  pass word\t"


@pytest.mark.parametrize("typed, read", [
    ("12.5", "12.5"), (12.5, "12.5"), ("１２．５", "12.5"), ("0.10", "0.10"), ("", None),
    (9999999999, "9999999999")])
def test_an_amount_is_read_from_a_number_or_its_text_and_written_as_text(typed, read):
    schema = ma.Schema.from_dict({"fee": fields.Amount(places=2, load_default=None)})()
    loaded = schema.load({"fee": typed})["fee"]
    assert (None if loaded is None else schema.dump({"fee": loaded})["fee"]) == read


@pytest.mark.parametrize("typed, message", [
    ("1.234", "最多 2 位小数"), (-1, "金额应在"), (10**10, "金额应在"), ("abc", "应为金额"),
    (True, "应为金额"), ("NaN", "应为金额"), ("Infinity", "应为金额")])
def test_an_amount_out_of_its_range_or_places_is_the_fields_message(typed, message):
    schema = ma.Schema.from_dict({"fee": fields.Amount(places=2)})()
    with pytest.raises(ma.ValidationError) as refused:
        schema.load({"fee": typed})
    assert message in refused.value.messages["fee"][0]


def test_a_part_left_out_is_read_with_its_own_defaults_all_the_way_down():
    inner = ma.Schema.from_dict({"made": ma.fields.Integer(load_default=0)})
    middle = ma.Schema.from_dict({"regulations": fields.Part(inner),
                                  "licences": ma.fields.Integer(load_default=0)})
    outer = ma.Schema.from_dict({"proactive": fields.Part(middle)})()
    assert outer.load({}) == {"proactive": {"regulations": {"made": 0}, "licences": 0}}
    assert outer.load({"proactive": {"regulations": {"made": 2}}}) == {
        "proactive": {"regulations": {"made": 2}, "licences": 0}}
    with pytest.raises(ma.ValidationError):
        outer.load({"proactive": "all of it"})
