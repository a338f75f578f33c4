from hub.audit.services import GENESIS, record_hash


def test_hash_depends_on_every_field_and_on_the_previous_hash():
    fields = {"chain": "binhe", "seq": 1, "at": "2026-11-30T01:00:00+00:00", "actor": "a",
              "action": "x", "target_type": "t", "target_id": "1", "center": "binhe",
              "before": None, "after": {"k": "值"}, "request_id": "r"}
    base = record_hash(GENESIS, fields)
    assert base == record_hash(GENESIS, dict(reversed(list(fields.items()))))  # key order free
    assert record_hash("1" * 64, fields) != base
    for key in fields:
        assert record_hash(GENESIS, {**fields, key: "tampered"}) != base, key
