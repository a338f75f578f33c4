"""From HTML forms to the API's shapes and back: the pages load posted fields into the
same marshmallow schemas and services the API uses, and put each message beside its field."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from hub import request_json
from hub.errors import ValidationFailed, flatten_messages

Errors = dict[str, list[str]]


def text(form: MultiDict[str, str], name: str) -> str | None:
    """A trimmed text input; None when left empty (so optional fields stay absent)."""
    value = form.get(name, "").strip()
    return value or None


def integer_or_text(raw: str) -> int | str:
    """A posted number as the API's JSON would carry it; anything else as typed, for the
    schema to refuse beside its field."""
    try:
        return int(raw)
    except ValueError:
        return raw


def nested(form: MultiDict[str, str], prefix: str) -> dict[str, str]:
    """``{prefix}.{key}`` inputs as ``{key: value}`` (the one form's fields)."""
    start = prefix + "."
    return {k[len(start):]: v for k, v in form.items() if k.startswith(start)}


def parse_json(raw: str | None, name: str, errors: Errors, default: Any) -> Any:
    """A JSON text area, through the one decoding of client JSON (hub/request_json.py);
    what it refuses becomes that field's message."""
    if raw is None or not raw.strip():
        return default
    try:
        return request_json.loads(raw)
    except request_json.JSONInputError as exc:
        cause = exc.__cause__
        if isinstance(cause, json.JSONDecodeError):
            message = f"不是合法的 JSON（第 {cause.lineno} 行第 {cause.colno} 列）"
        elif exc.path != "json":
            message = f"不是合法的 JSON：{exc.path} {exc.message}"
        else:
            message = f"不是合法的 JSON：{exc.message}"
        errors.setdefault(name, []).append(message)
        return default


# marshmallow's own (English) messages, as the people in the hall read them.
_CHINESE = [
    (re.compile(r"^Missing data for required field\.$"), "此项为必填项"),
    (re.compile(r"^Field may not be null\.$"), "此项为必填项"),
    (re.compile(r"^Not a valid integer\.$"), "请输入整数"),
    (re.compile(r"^Not a valid number\.$"), "请输入数字"),
    (re.compile(r"^Not a valid (string|list|mapping type|boolean)\.$"), "格式不正确"),
    (re.compile(r"^Not a valid date\.$"), "日期格式应为 YYYY-MM-DD"),
    (re.compile(r"^Must be one of: .*\.$"), "请从给定的选项中选择"),
    (re.compile(r"^Unknown field\.$"), "未知的字段"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), r"长度不能超过 \1 个字符"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), r"长度不能少于 \1 个字符"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), r"长度须为 \1–\2 个字符"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     r"须在 \1 到 \2 之间"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), r"不能小于 \1"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), r"不能大于 \1"),
    (re.compile(r"^String does not match expected pattern\.$"), "格式不正确"),
]


def chinese(message: str) -> str:
    for pattern, replacement in _CHINESE:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def load(schema: ma.Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate with the API's schema; failures raise ``ValidationFailed`` like the API's 422."""
    try:
        return schema.load(data)
    except ma.ValidationError as exc:
        raise ValidationFailed(flatten_messages(exc.messages)) from None


def place(errors: Mapping[str, list[str]] | None, inputs: Iterable[str]) -> Errors:
    """Messages keyed by the input they belong to: a path like ``stages.0.tasks.1.department``
    goes to the input ``stages``, ``form.shop_name`` to ``form.shop_name``. Messages for
    no input keep their key (the page lists them above the form)."""
    names = sorted(set(inputs), key=len, reverse=True)
    placed: Errors = {}
    for key, messages in (errors or {}).items():
        target = next((n for n in names if key == n or key.startswith(n + ".")), key)
        placed.setdefault(target, []).extend(chinese(m) for m in messages)
    return placed
