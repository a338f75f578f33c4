"""The canonical records: what the hub accepts from any center, whatever the source."""
import datetime as dt

import marshmallow as ma
import pytest

from hub.sync.schemas import CANONICAL_SCHEMAS, ApplicationRecordSchema, StaffRecordSchema

CASE = {"external_id": "A1", "service_item": "open-restaurant", "applicant_name": "张三",
        "applicant_id_number": "21010219900101004x", "submitted_at": "2026-11-27 09:00:00",
        "status": "in_review", "updated_at": "2026-11-27T09:00:00+08:00"}


def test_a_timestamp_without_offset_is_shanghai_time():
    loaded = ApplicationRecordSchema().load(CASE)
    assert loaded["submitted_at"] == dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.timezone.utc)
    assert loaded["applicant_id_number"] == "21010219900101004X" and loaded["deleted"] is False


@pytest.mark.parametrize("change, field", [
    ({"applicant_id_number": "1234"}, "applicant_id_number"),
    ({"status": "approved"}, "concluded_at"),
    ({"concluded_at": "2026-11-28T09:00:00+08:00"}, "concluded_at"),
    ({"status": "approved", "concluded_at": "2026-11-26T09:00:00+08:00"}, "concluded_at"),
    ({"submitted_at": "not a time"}, "submitted_at"),
    ({"status": "lost"}, "status"),
])
def test_bad_cases_name_the_field(change, field):
    with pytest.raises(ma.ValidationError) as caught:
        ApplicationRecordSchema().load({**CASE, **change})
    assert field in caught.value.messages


@pytest.mark.parametrize("number, reason", [
    ("210102199001011234", "身份证号码校验位不符，请核对"),  # the check character of ...1237
    ("210102199002301237", "身份证号码中的出生日期无效"),
    ("2101021990010112", "身份证号码应为 18 位（末位可为 X）或 15 位数字"),
])
def test_a_synced_id_number_is_checked_as_the_counter_checks_it(number, reason):
    """The sync lets into the shared records no number the API would refuse (issue 21,
    item 5: the form's checks defined once, used by the pages, the API and the sync)."""
    with pytest.raises(ma.ValidationError) as caught:
        ApplicationRecordSchema().load({**CASE, "applicant_id_number": number})
    assert caught.value.messages == {"applicant_id_number": [reason]}


def test_a_first_generation_fifteen_digit_number_is_still_accepted():
    loaded = ApplicationRecordSchema().load({**CASE, "applicant_id_number": "210102900101123"})
    assert loaded["applicant_id_number"] == "210102900101123"


STAFF = {"external_id": "E1", "username": "binhe.1", "display_name": "王芳", "roles": "clerk",
         "status": "active", "updated_at": "2026-11-27T09:00:00"}


def test_roles_come_as_a_semicolon_list():
    loaded = StaffRecordSchema().load({**STAFF, "roles": "approver; chief", "department": "fire"})
    assert loaded["roles"] == ["approver", "chief"]


@pytest.mark.parametrize("roles", ["admin", "clerk;supervisor", "adapter", ""])
def test_a_center_cannot_mint_privileged_accounts(roles):
    with pytest.raises(ma.ValidationError) as caught:
        StaffRecordSchema().load({**STAFF, "roles": roles})
    assert "roles" in caught.value.messages


def test_deciders_need_a_department():
    with pytest.raises(ma.ValidationError) as caught:
        StaffRecordSchema().load({**STAFF, "roles": "approver"})
    assert "department" in caught.value.messages


# A valid record of each stream, with every optional field given, to blank one at a time.
FULL = {
    "staff": {**STAFF, "roles": "approver", "department": "fire"},
    "applications": {**CASE, "status": "approved", "concluded_at": "2026-11-28T09:00:00+08:00",
                     "deleted": "false"},
}


def outcome(schema, record):
    try:
        return schema.load(record)
    except ma.ValidationError as exc:
        return exc.messages


@pytest.mark.parametrize("stream", sorted(CANONICAL_SCHEMAS))
@pytest.mark.parametrize("blank", ["", " ", "\t\r\n", "\u3000"])
def test_every_canonical_field_reads_a_blank_value_as_absent(stream, blank):
    # Every field, present and future: a center's "" is the field not given (its default
    # when optional, "missing" when required), whatever kind of field it is.
    schema = CANONICAL_SCHEMAS[stream]()
    base = FULL[stream]
    assert set(schema.load_fields) <= set(base)  # every field is tried
    for name in schema.load_fields:
        absent = {k: v for k, v in base.items() if k != name}
        assert outcome(schema, {**base, name: blank}) == outcome(schema, absent), name


@pytest.mark.parametrize("stream", sorted(CANONICAL_SCHEMAS))
def test_every_canonical_text_value_is_trimmed(stream):
    schema = CANONICAL_SCHEMAS[stream]()
    base = FULL[stream]
    padded = {k: f" \t{v}\u3000 " for k, v in base.items()}
    assert schema.load(padded) == schema.load(base)
