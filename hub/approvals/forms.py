"""The one form (一张表): a submission's answers checked against its service item's
fields, and what each department is shown of it. Pure functions, no I/O."""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

DEFAULT_MAX_LENGTH = {"string": 200, "text": 5000}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")


def form_errors(fields: Iterable[Mapping[str, Any]], answers: Mapping[str, Any]
                ) -> dict[str, list[str]]:
    """``{"form.<field>": [message]}`` for every answer that does not fit its field."""
    errors: dict[str, list[str]] = {}
    known = {f["name"]: f for f in fields}
    for name in answers:
        if name not in known:
            errors[f"form.{name}"] = ["该事项的表单没有此字段"]
    for name, field in known.items():
        value = answers.get(name)
        if value is None or value == "":
            if field.get("required"):
                errors[f"form.{name}"] = [f"请填写{field.get('label', name)}"]
            continue
        problem = _check(field, value)
        if problem:
            errors[f"form.{name}"] = [problem]
    return errors


def _check(field: Mapping[str, Any], value: Any) -> str | None:
    kind = field.get("type", "string")
    if kind in ("string", "text"):
        if not isinstance(value, str):
            return "应为文字"
        limit = field.get("max_length") or DEFAULT_MAX_LENGTH[kind]
        return f"不能超过 {limit} 个字" if len(value) > limit else None
    if kind == "integer":
        return None if isinstance(value, int) and not isinstance(value, bool) else "应为整数"
    if kind == "number":
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
              and math.isfinite(value))
        return None if ok else "应为数字"
    if kind == "boolean":
        return None if isinstance(value, bool) else "应为是或否（true/false）"
    if kind == "date":
        if isinstance(value, str) and len(value) == 10:
            try:
                dt.date.fromisoformat(value)
                return None
            except ValueError:
                pass
        return "应为日期，格式 YYYY-MM-DD"
    if kind == "choice":
        options = field.get("options") or []
        return None if value in options else f"应为以下之一：{'、'.join(options)}"
    return f"未知的字段类型 {kind}"


def visible_form(fields: Iterable[Mapping[str, Any]], answers: Mapping[str, Any],
                 department: str) -> dict[str, Any]:
    """The part of the one form a department sees: the fields that name it."""
    shown = {f["name"] for f in fields if department in (f.get("departments") or [])}
    return {k: v for k, v in answers.items() if k in shown}


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid resident ID number (GB 11643: 18 characters, a
    valid birth date and the check character), or None."""
    value = "".join(value.split()).upper()
    if not _ID_PATTERN.match(value):
        return "身份证号码应为 18 位（最后一位可为 X）"
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    total = sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        return "身份证号码校验位不符，请核对"
    return None


def with_check_character(first17: str) -> str:
    """The 18-character ID number for 17 digits (test data, demo data)."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + _ID_CHECK[total % 11]


__all__ = ["form_errors", "id_number_problem", "visible_form", "with_check_character"]
