"""Errors are exceptions, one type per failure, mapped to problem+json in one place."""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, g, json, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from hub import db, logs
from hub.domain_errors import DomainError, StateConflict

log = logging.getLogger("hub.errors")

PROBLEM_MIMETYPE = "application/problem+json"


class HubError(Exception):
    """Base of every error a client can cause or must be told about."""

    status = 400
    title = "请求无效"

    def __init__(self, detail: str, *, errors: Mapping[str, list[str]] | None = None,
                 headers: Mapping[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = dict(errors) if errors else None
        self.headers = dict(headers or {})
        self.extra = extra


class BadRequest(HubError):
    status, title = 400, "请求格式错误"


class Unauthenticated(HubError):
    status, title = 401, "未登录或凭证无效"

    def __init__(self, detail: str = "需要有效的访问令牌", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="hub"'})
        super().__init__(detail, **kwargs)


class PermissionDenied(HubError):
    status, title = 403, "无权执行此操作"


class PasswordChangeRequired(PermissionDenied):
    """Signed in with an initial or administrator-set password: change it first."""

    title = "须先修改密码"
    TYPE = "/problems/password-change-required"

    def __init__(self, detail: str = "首次登录或管理员重置密码后，须先修改密码"
                                     "（POST /api/v1/me/password）") -> None:
        super().__init__(detail, type=self.TYPE)


class NotFound(HubError):
    status, title = 404, "未找到"


class Conflict(HubError):
    status, title = 409, "状态冲突"


class ValidationFailed(HubError):
    status, title = 422, "数据校验未通过"

    def __init__(self, errors: Mapping[str, list[str] | str], detail: str | None = None) -> None:
        normalised = {k: ([v] if isinstance(v, str) else list(v)) for k, v in errors.items()}
        fields = "、".join(normalised)
        super().__init__(detail or f"以下字段有误：{fields}", errors=normalised)


class PayloadTooLarge(HubError):
    status, title = 413, "请求体过大"


class UnsupportedMediaType(HubError):
    status, title = 415, "不支持的内容类型"


class TooManyRequests(HubError):
    status, title = 429, "请求过于频繁"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, int(retry_after)))})


class ServiceUnavailable(HubError):
    status, title = 503, "服务暂不可用"

    def __init__(self, detail: str = "数据库或消息服务暂不可用，请稍后重试", retry_after: int = 5) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


def problem(status: int, title: str, detail: str, *, errors: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "status": status, "title": title,
                            "detail": detail}
    if errors:
        body["errors"] = errors
    request_id = g.get("request_id") if _in_request() else None
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _in_request() -> bool:
    from flask import has_request_context

    return has_request_context()


# marshmallow's own (English) messages, as the people in the hall read them: every 422 of
# the API and the pages goes through flatten_messages, so no field is refused in English.
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
    (re.compile(r"^Invalid input type\.$"), "格式不正确"),
    (re.compile(r"^Invalid value\.$"), "取值不正确"),
    (re.compile(r"^Not a valid (datetime|time)\.$"), "时间格式不正确"),
    (re.compile(r"^Not a valid UUID\.$"), "编号格式不正确"),
    (re.compile(r"^Not a valid (email address|URL)\.$"), "格式不正确"),
    (re.compile(r"^Length must be (\d+)\.$"), r"长度须为 \1 个字符"),
    (re.compile(r"^Must be equal to .*\.$"), "取值不正确"),
]


def chinese(message: str) -> str:
    for pattern, replacement in _CHINESE:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"form.shop_name": ["..."]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = str(key)
            if name == "_schema":
                name = ""
            path = f"{prefix}.{name}" if prefix and name else (prefix or name or "_schema")
            for sub_key, sub_value in flatten_messages(value, path).items():
                flat.setdefault(sub_key, []).extend(sub_value)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = [chinese(m) for m in messages]
    elif isinstance(messages, list):
        for index, item in enumerate(messages):
            flat.update(flatten_messages(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_schema"] = [chinese(str(messages))]
    return flat


# The locations webargs reports (json, query, ...) are not part of a field's name.
_LOCATIONS = {"json", "query", "querystring", "form", "headers", "view_args", "path", "files"}


_TITLES = {
    400: "请求格式错误", 401: "未登录或凭证无效", 403: "无权执行此操作", 404: "未找到",
    405: "不支持该请求方法", 409: "状态冲突", 413: "请求体过大", 415: "不支持的内容类型",
    422: "数据校验未通过", 429: "请求过于频繁",
}
_DETAILS = {404: "请求的资源不存在", 405: "该地址不支持此请求方法"}


def http_exception_problem(error: HTTPException) -> Response:
    """werkzeug and flask-smorest aborts as problem+json."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, Mapping) else None
    errors = None
    if messages:
        merged: dict[str, list[str]] = {}
        for location, content in messages.items():
            inner = content if location in _LOCATIONS else {location: content}
            for key, value in flatten_messages(inner).items():
                merged.setdefault(key, []).extend(value)
        errors = merged
    title = _TITLES.get(status, error.name)
    if status == 400 and errors and any("Invalid JSON" in m for v in errors.values() for m in v):
        detail = "请求体不是合法的 JSON"
    elif status in (400, 422) and errors:
        detail = f"{title}：" + "、".join(errors)
    elif status == 413:
        # The request's own limit: an upload endpoint raises it for itself.
        limit = (request.max_content_length or 0) // 1024
        detail = f"请求体超过上限（{limit} KiB）"
    else:
        detail = _DETAILS.get(status) or error.description or error.name
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    if status >= 500:
        log.error("http_error status=%s route=%s", status, logs.route())
    return problem(status, title, detail, errors=errors, headers=headers)


def hub_error_problem(error: HubError) -> Response:
    return problem(error.status, error.title, error.detail, errors=error.errors,
                   headers=error.headers, **error.extra)


# The one table from the domain's exceptions to the API's: the most specific kind wins.
DOMAIN_ERRORS: dict[type[DomainError], type[HubError]] = {
    StateConflict: Conflict,
    DomainError: BadRequest,
}


def from_domain(error: DomainError) -> HubError:
    """The API error a domain exception is answered with."""
    kind = next(DOMAIN_ERRORS[k] for k in type(error).__mro__ if k in DOMAIN_ERRORS)
    return kind(error.detail)


def domain_error_problem(error: DomainError) -> Response:
    return hub_error_problem(from_domain(error))


def _database_unavailable(error: Exception) -> Response:
    log.warning("database_unavailable error=%s", type(error).__name__)
    return hub_error_problem(ServiceUnavailable())


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return http_exception_problem(error)
    if db.unavailable(error):
        return _database_unavailable(error)
    if isinstance(error, DataError):
        # Input the database cannot hold (a NUL character, a number out of range) that
        # got past the schemas: the client's to correct; the transaction rolled back.
        # The database's message may quote the value (a name, say): its class and code only.
        log.warning("data_refused route=%s error=%s sqlstate=%s", logs.route(),
                    type(error.orig).__name__, getattr(error.orig, "sqlstate", None) or "-")
        return problem(400, _TITLES[400], "请求中含有无法保存的内容（如空字符或超出范围的数值）")
    if isinstance(error, RecursionError) and request.is_json:
        # The JSON decoder gives up on deep nesting with RecursionError, not ValueError.
        return problem(400, _TITLES[400], "请求体不是合法的 JSON（嵌套过深）")
    log.exception("unhandled_error route=%s request_id=%s", logs.route(), g.get("request_id"))
    return problem(500, "服务器内部错误", "服务器处理请求时出错，已记录，请联系管理员")


def init_app(app: Flask) -> None:
    app.register_error_handler(HubError, hub_error_problem)
    app.register_error_handler(DomainError, domain_error_problem)
    app.register_error_handler(HTTPException, http_exception_problem)
    app.register_error_handler(Exception, _unexpected)
