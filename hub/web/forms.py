"""From HTML forms to the API's shapes and back: the pages load posted fields into the
same marshmallow schemas and services the API uses, and put each message beside its field."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from hub.errors import ValidationFailed, chinese, flatten_messages

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
