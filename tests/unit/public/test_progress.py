"""The progress registry: kinds plug in by the pattern of their numbers; a wrong code,
an unknown number and a number of no kind all give the same NotFound."""
import re

import pytest

from hub.errors import NotFound
from hub.public.progress import NOT_FOUND, Found, ProgressLookups
from hub.receipts import ReceiptCodes

CODES = ReceiptCodes("k")


def _registry(rows):
    lookups = ProgressLookups()
    calls = []

    def lookup(kind):
        def find(_session, number):
            calls.append((kind, number))
            row = rows.get(number)
            if row is None:
                return None
            return Found(row, lambda: {"type": kind, "number": number})
        return find

    lookups.register("ticket", r"RX\d{8}-\d{4,}", lookup("ticket"))
    lookups.register("appointment", re.compile(r"YY\d{8}-\d{4,}"), lookup("appointment"))
    return lookups, calls


def test_each_kind_answers_for_its_own_numbers():
    code, digest = CODES.issue("YY20261204-0001")
    lookups, calls = _registry({"YY20261204-0001": digest})
    assert lookups.find(None, CODES, "yy20261204-0001", code.lower()) == {
        "type": "appointment", "number": "YY20261204-0001"}
    assert calls == [("appointment", "YY20261204-0001")]
    assert lookups.kinds == ["ticket", "appointment"]


@pytest.mark.parametrize("number, code", [
    ("YY20261204-0001", "WRONGCODE"),   # a wrong code
    ("YY20261204-0002", "WRONGCODE"),   # an unknown number
    ("ZZ-NOT-A-NUMBER", "WRONGCODE"),   # a number of no known kind
    ("YY20261204-0003", "ANYTHING"),    # a row without a code
])
def test_every_failure_is_the_same_not_found(number, code):
    _, digest = CODES.issue("YY20261204-0001")
    lookups, _ = _registry({"YY20261204-0001": digest, "YY20261204-0003": None})
    with pytest.raises(NotFound) as raised:
        lookups.find(None, CODES, number, code)
    assert raised.value.detail == NOT_FOUND


def test_a_kind_registers_once():
    lookups, _ = _registry({})
    with pytest.raises(ValueError):
        lookups.register("ticket", r"X", lambda s, n: None)
