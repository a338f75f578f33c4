"""The HTTP adapter's retry policy, without a network."""
import pytest
import requests

from adapters.base import AdapterConfigError
from adapters.http_json import HttpJsonAdapter


def adapter(monkeypatch, **config):
    monkeypatch.setenv("UNIT_TOKEN", "t")
    return HttpJsonAdapter("binhe", {"kind": "http_json", "base_url": "http://127.0.0.1:1",
                                     "token_env": "UNIT_TOKEN", **config})


def response(status, retry_after=None):
    r = requests.Response()
    r.status_code = status
    if retry_after is not None:
        r.headers["Retry-After"] = retry_after
    return r


def test_retry_after_is_honoured_up_to_the_cap(monkeypatch):
    a = adapter(monkeypatch, max_backoff_seconds=30)
    assert a._delay(0, response(429, "7")) == 7
    assert a._delay(0, response(429, "600")) == 30


def test_backoff_doubles_with_jitter_and_is_capped(monkeypatch):
    a = adapter(monkeypatch, backoff_seconds=1, max_backoff_seconds=5)
    assert 0.5 <= a._delay(0, response(500)) <= 1
    assert 2 <= a._delay(2, response(500)) <= 4
    assert a._delay(10, None) == 5


def test_a_missing_token_variable_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    with pytest.raises(AdapterConfigError, match="NO_SUCH_TOKEN"):
        HttpJsonAdapter("binhe", {"kind": "http_json", "base_url": "http://127.0.0.1:1",
                                  "token_env": "NO_SUCH_TOKEN"})


def test_a_bad_stanza_names_the_field(monkeypatch):
    with pytest.raises(AdapterConfigError, match="base_url"):
        adapter(monkeypatch, base_url="not a url")
