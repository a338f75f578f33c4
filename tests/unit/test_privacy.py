import pytest

from hub.privacy import PiiCipher, mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize("value, masked", [
    ("210102199001011234", "2101**********1234"),
    ("21010219900101123X", "2101**********123X"),
    (" 2101 0219 9001 0112 34 ", "2101**********1234"),
    ("1234", "****"),
    (None, None),
])
def test_id_numbers_are_masked(value, masked):
    assert mask_id_number(value) == masked


def test_phone_and_name_masks():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李"


def test_encryption_round_trip_and_keyed_lookup():
    cipher = PiiCipher("key-one")
    token = cipher.encrypt("210102199001011234")
    assert "210102199001011234" not in token
    assert cipher.decrypt(token) == "210102199001011234"
    assert cipher.encrypt("210102199001011234") != token  # fresh IV each time
    assert cipher.lookup_hash("210102199001011234") == cipher.lookup_hash("2101 0219 9001 0112 34")
    assert PiiCipher("key-two").lookup_hash("210102199001011234") != cipher.lookup_hash(
        "210102199001011234")


def test_wrong_key_is_a_clear_error():
    token = PiiCipher("key-one").encrypt("x")
    with pytest.raises(RuntimeError, match="HUB_PII_KEY"):
        PiiCipher("key-two").decrypt(token)
