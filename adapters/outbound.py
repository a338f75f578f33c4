"""The HTTP sender of outbound delivery (``hub.delivery.port.Sender``): an approval task
POSTed to its department's own business system, as ``Department.endpoint`` describes it.

It makes one try and says how it went; what to do about it (retry later, give up,
record, audit) is the delivery domain's (``hub.delivery.services``).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
import requests
from marshmallow import validate

from hub.delivery.port import PermanentFailure, TransientFailure

RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


class EndpointSchema(ma.Schema):
    """A department's own system, in ``Department.endpoint``."""

    class Meta:
        unknown = ma.EXCLUDE

    url = ma.fields.Url(required=True, require_tld=False, schemes={"http", "https"})
    token_env = ma.fields.String(load_default=None, allow_none=True,
                                 validate=validate.Regexp(r"^[A-Z_][A-Z0-9_]*$"))
    timeout_seconds = ma.fields.Float(load_default=10.0, validate=validate.Range(min=0.1, max=120))


def send(endpoint: Mapping[str, Any], key: str, body: Mapping[str, Any]) -> int:
    """POST the task; the status code, or a failure saying whether to try again."""
    try:
        config = EndpointSchema().load(endpoint)
    except ma.ValidationError as exc:
        raise PermanentFailure(f"部门系统配置有误：{exc.messages}") from exc
    headers = {"Idempotency-Key": key, "User-Agent": "service-center-hub-outbound/1"}
    if config["token_env"]:
        token = os.environ.get(config["token_env"])
        if not token:
            raise PermanentFailure(f"访问令牌变量 {config['token_env']} 未设置")
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = requests.post(config["url"], json=body, headers=headers,
                                 timeout=config["timeout_seconds"])
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientFailure(type(exc).__name__) from exc
    status = response.status_code
    if status in RETRYABLE:
        raise TransientFailure(f"HTTP {status}", status)
    if status >= 400 and status != 409:  # 409: the system already holds this key
        raise PermanentFailure(f"HTTP {status}", status)
    return status
