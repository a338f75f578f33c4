"""Receipt codes: random from an unambiguous alphabet, only a keyed hash bound to the
number, forgiving of how the code is typed, constant-time and unknown-number-blind."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.receipts import (
    ALPHABET,
    LENGTH,
    ReceiptCodes,
    new_code,
    normalise_code,
    normalise_number,
    shown,
)


def test_codes_come_from_the_unambiguous_alphabet():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000  # no repeats in practice
    assert all(len(c) == LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert not set("01OIL") & set(ALPHABET)
    with pytest.raises(ValueError):
        new_code(5)


def test_only_a_keyed_hash_bound_to_the_number_is_kept():
    codes = ReceiptCodes("key-one")
    code, digest = codes.issue("BINHE-20261130-0001")
    assert code not in digest and len(digest) == 64
    assert codes.matches(digest, "BINHE-20261130-0001", code)
    # The same code is worth nothing on another number or under another key.
    assert not codes.matches(digest, "BINHE-20261130-0002", code)
    assert not ReceiptCodes("key-two").matches(digest, "BINHE-20261130-0001", code)
    assert codes.digest("BINHE-20261130-0001", code) != codes.digest("BINHE-20261130-0002", code)


def test_a_code_is_read_as_people_type_it():
    codes = ReceiptCodes("k")
    code, digest = codes.issue("RX20261204-0007")
    typed = [shown(code), shown(code).lower(), f" {code[:4]} {code[4:]} ",
             "".join(chr(ord(ch) + 0xFEE0) for ch in code)]  # full-width, from a phone
    for variant in typed:
        assert codes.matches(digest, "rx20261204-0007", variant), variant
    assert normalise_number(" ｒｘ20261204-0007 ") == "RX20261204-0007"
    assert normalise_code("abcd-efgh") == "ABCDEFGH"


def test_an_unknown_number_is_checked_like_a_wrong_code():
    codes = ReceiptCodes("k")
    code, digest = codes.issue("A-20261130-0001")
    assert codes.matches(None, "A-20261130-0001", code) is False
    assert codes.matches(digest, "A-20261130-0001", "") is False
    assert codes.matches(digest, "A-20261130-0001", "X" * 10_000) is False


@given(st.text(max_size=80))
def test_no_input_breaks_the_check(typed):
    codes = ReceiptCodes("k")
    _, digest = codes.issue("A-20261130-0001")
    assert codes.matches(digest, "A-20261130-0001", typed) in (True, False)
