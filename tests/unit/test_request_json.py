"""The one decoding of client JSON: what Python's decoder takes but the hub cannot hold
is refused, naming where it was."""
import pytest

from hub.request_json import MAX_INTEGER_DIGITS, JSONInputError, loads


def refusal(text):
    with pytest.raises(JSONInputError) as caught:
        loads(text)
    return caught.value.path, caught.value.message


VALUE = "含有无效的 Unicode 字符（孤立的代理项）"
KEY = "字段名含有无效的 Unicode 字符（孤立的代理项）"


@pytest.mark.parametrize("text, where", [
    ('"\\ud800"', ("json", VALUE)),
    ('{"username": "\\ud800", "password": "x"}', ("username", VALUE)),
    ('{"applicant": {"name": "a\\udfffb"}}', ("applicant.name", VALUE)),
    ('{"form": {"items": ["ok", "\\udc00"]}}', ("form.items.1", VALUE)),
    ('{"\\ud800": 1}', ("json", KEY)),
    ('{"a": {"\\ud800": 1}}', ("a", KEY)),
])
def test_a_lone_surrogate_anywhere_is_refused_where_it_is(text, where):
    assert refusal(text) == where


def test_raw_utf8_surrogate_bytes_are_refused_too():
    # json.loads decodes bytes with "surrogatepass": ED A0 80 becomes U+D800.
    assert refusal(b'{"name": "\xed\xa0\x80"}')[0] == "name"


@pytest.mark.parametrize("number", ["9" * 5000, "9" * (MAX_INTEGER_DIGITS + 1),
                                    "-" + "9" * (MAX_INTEGER_DIGITS + 1)])
def test_an_integer_too_long_for_the_hub_names_its_field(number):
    assert refusal('{"version": %s}' % number) == ("version", f"整数超过 {MAX_INTEGER_DIGITS} 位")


def test_integers_within_the_limit_decode():
    assert loads('{"n": %s}' % ("9" * MAX_INTEGER_DIGITS))["n"] == int("9" * MAX_INTEGER_DIGITS)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999", "-1E400"])
def test_nan_and_infinity_are_not_json(constant):
    assert refusal('{"a": [1, %s]}' % constant)[0] == "a.1"


@pytest.mark.parametrize("text", ['{"a": 1', "\xff", b"\xff\xfe\xfd", "", "[" * 100_000])
def test_malformed_json_is_refused_not_raised_otherwise(text):
    refusal(text)


def test_ordinary_json_is_unchanged():
    text = '{"a": ["汉字", 1, 1.5, true, null, {"b": "\\u202e"}]}'
    assert loads(text) == {"a": ["汉字", 1, 1.5, True, None, {"b": "\u202e"}]}
