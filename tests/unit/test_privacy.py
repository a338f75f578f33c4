import base64

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.privacy import PiiCipher, mask_contact, mask_id_number, mask_name, mask_phone


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


def test_values_written_with_fernet_before_still_read():
    # Written as the hub wrote every value before AES-GCM: Fernet under the first 32 bytes
    # of the same derivation (which the longer derivation leaves as they were).
    material = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"hub-pii-v1",
                    info=b"applicant personal data").derive(b"key-one")
    old = Fernet(base64.urlsafe_b64encode(material[:32])).encrypt(b"210102199001011234").decode()
    cipher = PiiCipher("key-one")
    assert cipher.decrypt(old) == "210102199001011234"
    assert cipher.encrypt("210102199001011234").startswith("v2:")
    with pytest.raises(RuntimeError, match="HUB_PII_KEY"):
        PiiCipher("key-two").decrypt(old)


@pytest.mark.parametrize("damage", [
    lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1],  # the tag no longer matches
    lambda t: t[:10],  # cut short
    lambda t: t + "%%",  # not base64
])
def test_damaged_values_are_a_clear_error(damage):
    cipher = PiiCipher("key-one")
    with pytest.raises(RuntimeError, match="HUB_PII_KEY"):
        cipher.decrypt(damage(cipher.encrypt("210102199001011234")))


@pytest.mark.parametrize("contact, shown", [
    ("13812345678", "138****5678"),
    ("024-2271 5678", "024*****5678"),
    ("zhang.san@example.com", "z***@example.com"),
    ("沈阳市沈河区北京街11号2单元", "沈阳市沈河区****"),
    ("", ""),
    (None, None),
])
def test_a_requesters_contact_is_masked_by_its_kind(contact, shown):
    assert mask_contact(contact) == shown
