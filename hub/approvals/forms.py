"""The one form (一张表): a submission's answers checked against its service item's
fields, and what each department is shown of it. Pure functions, no I/O.

The field types and their checks are defined here once, for every way a form comes in
(the API, the window's pages, the public site's pre-review): text lengths, numbers
within the item's ``min``/``max`` (and a sane magnitude when it sets none), dates on the
calendar and, where the item says ``not_past``, not before the day they are entered,
choices, and the unified social credit code (统一社会信用代码, GB 32100-2015) with its
check character.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from hub import text

DEFAULT_MAX_LENGTH = {"string": 200, "text": 5000}
# A number no form of the hall needs, however large its unit: beyond it is a slip of the
# keyboard (an area of 1e12 m²), refused even where the item sets no maximum.
SANE_MAGNITUDE = 10**12
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")
# GB 32100-2015: 18 characters of 0-9 and the capitals without I, O, S, V, Z; the
# registering authority, the kind of body, the six-digit area code, the organisation code
# (nine characters), and a check character over the first seventeen (weights 3^i mod 31).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_PATTERN = re.compile(rf"^[{CREDIT_CODE_CHARSET}]{{2}}[0-9]{{6}}[{CREDIT_CODE_CHARSET}]{{10}}$")


def normalise_answers(fields: Iterable[Mapping[str, Any]], answers: Mapping[str, Any]
                      ) -> dict[str, Any]:
    """The answers as they are kept: a credit code as its 18 capitals and digits (typed
    with full-width characters, spaces or lower case at a window). Other answers are
    left as given."""
    kinds = {f["name"]: f.get("type", "string") for f in fields}
    return {name: normalise_credit_code(value)
            if kinds.get(name) == "credit_code" and isinstance(value, str) else value
            for name, value in answers.items()}


def form_errors(fields: Iterable[Mapping[str, Any]], answers: Mapping[str, Any], *,
                today: dt.date | None = None, previous: Mapping[str, Any] | None = None
                ) -> dict[str, list[str]]:
    """``{"form.<field>": [message]}`` for every answer that does not fit its field.

    ``today`` is the day the answers are entered (Asia/Shanghai): a ``not_past`` date
    before it is refused. ``previous`` holds the answers already accepted (on a
    resubmission): a date that was not past when accepted and is left as it was
    is not refused for the days gone by since."""
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
        if problem is None and field.get("not_past") and today is not None \
                and (previous is None or previous.get(name) != value):
            problem = _past(value, today)
        if problem:
            errors[f"form.{name}"] = [problem]
    return errors


def _check(field: Mapping[str, Any], value: Any) -> str | None:
    kind = field.get("type", "string")
    if kind in ("string", "text"):
        if not isinstance(value, str):
            return "应为文字"
        limit = field.get("max_length") or DEFAULT_MAX_LENGTH[kind]
        if len(value) > limit:
            return f"不能超过 {limit} 个字"
        # A line (string) or free text (text: line breaks, CR LF too, and tabs allowed).
        return text.refusal(text.line_breaks(value), multiline=kind == "text")
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return "应为整数"
        return _range(field, value)
    if kind == "number":
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
              and math.isfinite(value))
        return _range(field, value) if ok else "应为数字"
    if kind == "boolean":
        return None if isinstance(value, bool) else "应为是或否（true/false）"
    if kind == "date":
        return None if parse_date(value) else "应为日期，格式 YYYY-MM-DD"
    if kind == "choice":
        options = field.get("options") or []
        return None if value in options else f"应为以下之一：{'、'.join(options)}"
    if kind == "credit_code":
        return credit_code_problem(value) if isinstance(value, str) else "应为文字"
    return f"未知的字段类型 {kind}"


def _range(field: Mapping[str, Any], value: float) -> str | None:
    low, high = field.get("min"), field.get("max")
    if low is not None and value < low:
        return f"不能小于 {_plain(low)}"
    if high is not None and value > high:
        return f"不能大于 {_plain(high)}"
    if abs(value) > SANE_MAGNITUDE:
        return "数值超出合理范围，请核对"
    return None


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def parse_date(value: Any) -> dt.date | None:
    """A ``YYYY-MM-DD`` answer as a date, or None when it is not one."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _past(value: Any, today: dt.date) -> str | None:
    day = parse_date(value)
    if day is not None and day < today:
        return f"不能早于受理当日（{today:%Y-%m-%d}）"
    return None


def normalise_credit_code(value: str) -> str:
    """A credit code as typed (full-width, spaced, lower case) in its 18 characters."""
    return text.ascii_digits(value).upper()


def credit_code_problem(value: str) -> str | None:
    """Why ``value`` is not a unified social credit code (GB 32100-2015), or None."""
    code = normalise_credit_code(value)
    if len(code) != 18:
        return "统一社会信用代码应为 18 位"
    if not _CREDIT_PATTERN.match(code):
        return "统一社会信用代码含有不允许的字符（不使用 I、O、S、V、Z），或第 3–8 位不是行政区划代码"
    if code[17] != credit_code_check(code[:17]):
        return "统一社会信用代码校验位不符，请核对"
    return None


def credit_code_check(first17: str) -> str:
    """The check character of a credit code's first 17 characters."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * w
                for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def with_credit_check(first17: str) -> str:
    """A credit code's first 17 characters with their check character."""
    return first17 + credit_code_check(first17)


def department_fields(fields: Iterable[Mapping[str, Any]], department: str) -> frozenset[str]:
    """The fields of the one form a department reads: those that name it."""
    return frozenset(f["name"] for f in fields if department in (f.get("departments") or []))


def visible_form(fields: Iterable[Mapping[str, Any]], answers: Mapping[str, Any],
                 department: str) -> dict[str, Any]:
    """The part of the one form a department sees: the fields that name it."""
    return shown_answers(answers, department_fields(fields, department))


def shown_answers(answers: Mapping[str, Any] | None,
                  readable: frozenset[str] | None) -> dict[str, Any]:
    """The answers a reader sees: all (``readable`` None) or those of ``readable`` fields."""
    return {k: v for k, v in (answers or {}).items() if readable is None or k in readable}


# Where a case's audit records (their before and after) hold the one form: answers by
# field name, and lists of field names. Whoever writes form values into a case's record
# uses these keys; ``shown_change`` then keeps each reader to their part.
ANSWER_KEYS = ("form", "form_before", "form_after")
FIELD_NAME_KEYS = ("form_changed",)


def shown_change(data: Mapping[str, Any] | None,
                 readable: frozenset[str] | None) -> dict[str, Any] | None:
    """An audit record's before or after as a reader sees it: the answers of fields they
    may not read, and those fields' names, left out."""
    if data is None or readable is None:
        return dict(data) if data is not None else None
    shown = dict(data)
    for key in ANSWER_KEYS:
        if isinstance(shown.get(key), Mapping):
            shown[key] = shown_answers(shown[key], readable)
    for key in FIELD_NAME_KEYS:
        if isinstance(shown.get(key), list):
            shown[key] = [name for name in shown[key] if name in readable]
    return shown


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid resident ID number (GB 11643: 18 characters, a
    valid birth date and the check character), or None. Its digits are read as ASCII
    (``hub.text.ascii_digits``), as at every boundary."""
    value = text.ascii_digits(value).upper()
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


__all__ = ["ANSWER_KEYS", "FIELD_NAME_KEYS", "credit_code_check", "credit_code_problem",
           "department_fields", "form_errors", "id_number_problem", "normalise_answers",
           "parse_date", "shown_answers", "shown_change", "visible_form", "with_check_character",
           "with_credit_check"]
