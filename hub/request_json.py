"""The one decoding of JSON a client sends: the API's bodies (Flask's ``request.get_json``,
which the API's argument parser uses too) and the pages' JSON inputs go through ``loads``.

Python's decoder takes more than the hub can hold: ``"\\ud800"`` decodes to a lone
surrogate that no UTF-8 encoder (the database's, a hash's, the log's) accepts; ``NaN`` and
``Infinity`` are not JSON, and ``1e999`` decodes to infinity; a 5,000-digit integer is
refused only past 4,300 digits, as a bare ValueError. Each is a client's error, answered
400 naming where it was.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import Request
from flask.json.provider import DefaultJSONProvider

from hub.errors import BadRequest

# Digits of the largest integer a client may send: past a 64-bit integer's 19 digits a
# number names nothing in the hub (I-JSON, RFC 7493, keeps to doubles' 15-17 digits).
MAX_INTEGER_DIGITS = 20
_SURROGATE = re.compile("[\ud800-\udfff]")
MALFORMED = "请求体不是合法的 JSON"


class JSONInputError(ValueError):
    """JSON a client sent that the hub refuses; ``path`` is where (``form.shop_name``)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message, self.path = message, path or "json"


class _Refused:
    """A number the decoder read but the hub refuses, kept until its place is known."""

    def __init__(self, message: str) -> None:
        self.message = message


def _integer(text: str) -> int | _Refused:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        return _Refused(f"整数超过 {MAX_INTEGER_DIGITS} 位")
    return int(text)


def _constant(name: str) -> _Refused:
    return _Refused(f"{name} 不是合法的 JSON 数值")


def _float(text: str) -> float | _Refused:
    value = float(text)
    if math.isinf(value):  # 1e999: valid JSON, but no number the hub can keep
        return _Refused("数值超出范围")
    return value


def _check(value: Any) -> None:
    """Every string, key or value, at any depth, is whole Unicode, and every number one
    the hub takes (iteratively: a deep document must not exhaust the stack here)."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, _Refused):
            raise JSONInputError(item.message, path)
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise JSONInputError("含有无效的 Unicode 字符（孤立的代理项）", path)
        elif isinstance(item, dict):
            for key, inner in item.items():
                inner_path = f"{path}.{key}" if path else str(key)
                if _SURROGATE.search(key):
                    raise JSONInputError("字段名含有无效的 Unicode 字符（孤立的代理项）",
                                         path or "json")
                stack.append((inner_path, inner))
        elif isinstance(item, list):
            stack.extend((f"{path}.{n}" if path else str(n), inner)
                         for n, inner in enumerate(item))


def loads(data: str | bytes) -> Any:
    """JSON text or bytes (UTF-8, -16 or -32) as Python values, or JSONInputError."""
    try:
        value = json.loads(data, parse_int=_integer, parse_float=_float,
                           parse_constant=_constant)
    except RecursionError:
        raise JSONInputError("JSON 嵌套过深") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, the digits limit
        raise JSONInputError(MALFORMED) from exc
    _check(value)
    return value


class RequestJSONProvider(DefaultJSONProvider):
    """The app's JSON: responses as Flask writes them, request bodies through ``loads``."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)


class HubRequest(Request):
    """A request whose JSON body, when refused, is a problem+json 400 naming where."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if isinstance(e, JSONInputError):
            detail = MALFORMED if e.message == MALFORMED else f"{MALFORMED}：{e.path} {e.message}"
            raise BadRequest(detail, errors={e.path: [e.message]})
        return super().on_json_loading_failed(e)  # no JSON content type: 415
