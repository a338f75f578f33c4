"""Mapping a source's own columns and labels into canonical records."""
import datetime as dt
from decimal import Decimal

from adapters.mapping import RecordMapping, plain


def test_columns_are_renamed_and_labels_translated():
    mapping = RecordMapping({"applications": {"external_id": "业务编号", "status": "办理状态"}},
                            {"status": {"退件": "rejected"}})
    record = mapping.apply("applications", {"业务编号": " 42 ", "办理状态": " 办结 ", "其他": ""})
    # Text is left to the canonical schema to trim (once, for every adapter kind).
    assert record == {"external_id": " 42 ", "status": "approved", "其他": ""}
    assert mapping.apply("applications", {"办理状态": "退件"})["status"] == "rejected"


def test_cells_become_plain_values():
    assert plain(1001.0) == "1001" and plain(Decimal("7")) == "7" and plain(True) is True
    assert plain("  ") == "  "
    assert plain(dt.date(2026, 11, 27)) == dt.datetime(2026, 11, 27)


def test_an_unconfigured_mapping_is_the_identity_for_columns():
    assert RecordMapping().is_identity
    assert RecordMapping().apply("staff", {"username": "a"}) == {"username": "a"}
