"""The chain's cryptography: a record's MAC covers every field, the link and the key; an
anchor's signature covers what it says."""
from hub.audit.chain import (
    GENESIS,
    AuditKey,
    KeyRing,
    anchor_is_genuine,
    keyed_hash,
    legacy_hash,
    sign_anchor,
)

FIELDS = {"chain": "binhe", "seq": 1, "at": "2026-11-30T01:00:00+00:00", "actor": "a",
          "action": "x", "target_type": "t", "target_id": "1", "center": "binhe",
          "before": None, "after": {"k": "值"}, "request_id": "r"}
KEY = AuditKey.derive("the audit key")


def test_the_mac_depends_on_every_field_the_previous_hash_and_the_key():
    base = keyed_hash(KEY, GENESIS, FIELDS)
    assert base == keyed_hash(KEY, GENESIS, dict(reversed(list(FIELDS.items()))))  # order free
    assert keyed_hash(KEY, "1" * 64, FIELDS) != base
    for key in FIELDS:
        assert keyed_hash(KEY, GENESIS, {**FIELDS, key: "tampered"}) != base, key
    # Without the key, neither the plain hash nor another key gives it.
    assert base not in (legacy_hash(GENESIS, FIELDS),
                        keyed_hash(AuditKey.derive("a guess"), GENESIS, FIELDS))


def test_the_records_key_the_anchors_key_and_the_public_id_differ():
    assert len({KEY.records, KEY.anchors, bytes.fromhex(KEY.id)}) == 3
    assert KEY.id == AuditKey.derive("the audit key").id != AuditKey.derive("another").id
    assert "the audit key" not in repr(KEY) and KEY.records.hex() not in repr(KEY)


def test_a_signed_anchor_is_genuine_until_anything_in_it_changes():
    ring = KeyRing(KEY, [AuditKey.derive("an older key")])
    anchor = sign_anchor(KEY, {"exported_at": "2026-12-04T09:30:00+00:00",
                               "heads": {"binhe": {"seq": 5, "hash": "ab" * 32}}})
    assert anchor_is_genuine(ring, anchor)
    edited = {**anchor, "heads": {"binhe": {"seq": 4, "hash": "ab" * 32}}}
    assert not anchor_is_genuine(ring, edited)
    assert not anchor_is_genuine(KeyRing(AuditKey.derive("someone else's")), anchor)
    older = sign_anchor(AuditKey.derive("an older key"), {"heads": {}})
    assert anchor_is_genuine(ring, older)  # an earlier key still verifies what it signed
