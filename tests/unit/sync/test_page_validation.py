"""The sync's page loader (``prepare.validate``) takes and refuses exactly what the
canonical schema's own ``load`` does, with the schema's own reasons."""
import itertools

import marshmallow as ma
import pytest

from hub.errors import flatten_messages
from hub.sync.prepare import validate
from hub.sync.schemas import CANONICAL_SCHEMAS

BASES = {
    "applications": [
        {"external_id": "A1", "service_item": "open-restaurant", "applicant_name": "张三",
         "applicant_id_number": " 2101 0219 9001 0112 37 ", "submitted_at": "2026-11-27 09:00:00",
         "status": "in_review", "updated_at": "2026-11-27T09:00:00+08:00", "extra": "ignored"},
        {"external_id": "A2", "service_item": "open-restaurant", "applicant_name": "李四",
         "applicant_id_number": "210102199001011237", "submitted_at": "2026-11-27T09:00:00+08:00",
         "status": "approved", "concluded_at": "2026-11-28T10:00:00+08:00",
         "updated_at": "2026-11-28T10:00:00+08:00", "deleted": "true"},
    ],
    "staff": [
        {"external_id": "E1", "username": "binhe.1", "display_name": "王芳", "roles": "clerk",
         "status": "active", "updated_at": "2026-11-27T09:00:00"},
        {"external_id": "E2", "username": "binhe.2", "display_name": "赵六",
         "roles": ["approver", "chief"], "department": "fire", "status": "left",
         "updated_at": "2026-11-27T09:00:00+08:00"},
    ],
}
# Values every field is tried with: missing, null, the wrong type, empty, too long,
# blank (as centers' exports write empty fields), padded, and a few that some fields take
# and others refuse.
MISSING = object()
TRIED = [MISSING, None, 123, 1.5, True, [], {}, "", " ", "\t\u3000", " approved ", "x" * 200,
         "approved", "in_review",
         "2026-11-26T09:00:00+08:00", "not a time", "clerk;admin", "21010219900101049x",
         "1234", "false"]


def corpus(stream):
    records = []
    for base in BASES[stream]:
        records.append(base)
        for name, value in itertools.product(list(base) + ["concluded_at", "department"], TRIED):
            changed = dict(base)
            if value is MISSING:
                changed.pop(name, None)
            else:
                changed[name] = value
            records.append(changed)
    return records + [None, "not a record", ["a", "list"], 42]


def by_schema_load(stream, raws):
    schema = CANONICAL_SCHEMAS[stream]()
    valid, rejected = [], []
    for raw in raws:
        try:
            valid.append(schema.load(raw))
        except ma.ValidationError as exc:
            rejected.append((raw, flatten_messages(exc.messages)))
    return valid, rejected


@pytest.mark.parametrize("stream", sorted(CANONICAL_SCHEMAS))
def test_the_page_loader_agrees_with_schema_load(stream):
    raws = corpus(stream)
    valid, rejected = validate(stream, raws)
    assert (valid, rejected) == by_schema_load(stream, raws)
    assert len(valid) > 10 and len(rejected) > 100  # the corpus tries both sides


@pytest.mark.parametrize("stream", sorted(CANONICAL_SCHEMAS))
def test_the_canonical_schemas_have_no_hook_the_page_loader_would_skip(stream):
    # The loader runs the fields and RULES; a pre_load, post_load or field-level
    # ``validates`` hook would run in ``schema.load`` only.
    hooks = {kind: [hook[0] for hook in found]
             for kind, found in CANONICAL_SCHEMAS[stream]._hooks.items() if found}
    assert hooks == {"validates_schema": ["_rules"]}, hooks
