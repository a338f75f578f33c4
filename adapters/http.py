"""The HTTP base: one ``requests.Session`` per adapter, timeouts, retries with backoff
on timeouts, connections cut mid-answer, 5xx and 429 (``Retry-After`` honoured), and a
clear error on 401/403."""
from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import marshmallow as ma
import requests
import urllib3.exceptions
from marshmallow import validate

from adapters.base import (
    AdapterAuthError,
    AdapterConfigError,
    AdapterConfigSchema,
    AdapterError,
    AdapterUnavailable,
    BaseAdapter,
)

log = logging.getLogger("adapters.http")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# What a retry can fix on the way: no answer in time, no connection, or a connection cut
# part-way through the answer (urllib3's errors while the body is read).
TRANSIENT = (requests.Timeout, requests.ConnectionError, urllib3.exceptions.ProtocolError,
             urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.DecodeError)


class AnswerTooSlow(Exception):
    """The answer kept coming, but not within ``total_timeout_seconds``."""


class HTTPConfigSchema(AdapterConfigSchema):
    base_url = ma.fields.Url(required=True, require_tld=False, schemes={"http", "https"})
    # The name of the variable holding the bearer token (never the token itself).
    token_env = ma.fields.String(load_default=None, allow_none=True,
                                 validate=validate.Regexp(r"^[A-Z_][A-Z0-9_]*$"))
    connect_timeout_seconds = ma.fields.Float(load_default=5.0, validate=validate.Range(min=0.01))
    read_timeout_seconds = ma.fields.Float(load_default=60.0, validate=validate.Range(min=0.01))
    # A read timeout only bounds each silence: a network that drips a byte now and then
    # never falls silent that long, so the whole answer has a deadline of its own.
    total_timeout_seconds = ma.fields.Float(load_default=300.0, validate=validate.Range(min=0.01))
    retries = ma.fields.Integer(load_default=5, validate=validate.Range(min=0, max=20))
    backoff_seconds = ma.fields.Float(load_default=1.0, validate=validate.Range(min=0))
    max_backoff_seconds = ma.fields.Float(load_default=60.0, validate=validate.Range(min=0))


class HTTPAdapter(BaseAdapter):
    """Owns the HTTP session and the retry policy once for every HTTP kind."""

    config_schema: ClassVar[type[ma.Schema]] = HTTPConfigSchema
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, center: str, config: Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(center, config, **kwargs)
        self.base_url = self.config["base_url"].rstrip("/")
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = "service-center-hub-sync/1"
        token_env = self.config.get("token_env")
        if token_env:
            token = os.environ.get(token_env)
            if not token:
                raise AdapterConfigError(
                    f"中心 {center} 的访问令牌变量 {token_env} 未设置（适配器 {self.kind}）")
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def _delay(self, attempt: int, response: requests.Response | None) -> float:
        cap = self.config["max_backoff_seconds"]
        if response is not None and response.status_code == 429:
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.strip().isdigit():
                return min(float(retry_after), cap)
        base = self.config["backoff_seconds"] * (2 ** attempt)
        return min(cap, base * (0.5 + random.random() / 2))  # jitter: centers are many

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``base_url + path`` and decode its JSON, retrying what a retry can fix."""
        url = self.base_url + path
        timeout = (self.config["connect_timeout_seconds"], self.config["read_timeout_seconds"])
        attempts = self.config["retries"] + 1
        problem = ""
        for attempt in range(attempts):
            response = None
            try:
                response = self.session.get(url, params=params, timeout=timeout, stream=True)
                body = self._read(response)
            except (*TRANSIENT, AnswerTooSlow) as exc:
                problem = f"{type(exc).__name__}"
            else:
                status = response.status_code
                if status in (401, 403):
                    raise AdapterAuthError(
                        f"中心 {self.center} 的系统拒绝了访问令牌（HTTP {status}），请检查 "
                        f"{self.config.get('token_env') or '令牌配置'}")
                if status not in RETRY_STATUSES:
                    if status >= 400:
                        raise AdapterError(
                            f"中心 {self.center} 的系统返回错误（HTTP {status}），请联系该中心检查",
                            technical=body[:500].decode("utf-8", "replace"))
                    try:
                        return json.loads(body)
                    except ValueError as exc:
                        raise AdapterError(
                            f"中心 {self.center} 的系统返回的不是合法 JSON") from exc
                problem = f"HTTP {status}"
            if attempt + 1 < attempts:
                delay = self._delay(attempt, response)
                log.warning("source_retry center=%s url=%s problem=%r attempt=%d delay=%.2f",
                            self.center, path, problem, attempt + 1, delay)
                self.sleep(delay)
        why = (f"最后一次返回 {problem}" if problem.startswith("HTTP ")
               else "连接失败或超时")  # the exception's class name is for the logs
        raise AdapterUnavailable(
            f"中心 {self.center} 的系统在 {attempts} 次尝试后仍无法访问（{why}），请联系该中心检查",
            technical=f"{problem}: {path}")

    def _read(self, response: requests.Response) -> bytes:
        """The whole body, within ``total_timeout_seconds`` of the request; the
        connection is dropped when it takes longer (or breaks off)."""
        deadline = time.monotonic() + self.config["total_timeout_seconds"]
        chunks: list[bytes] = []
        try:
            while chunk := response.raw.read1(65536, decode_content=True):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise AnswerTooSlow(f"answer unfinished after "
                                        f"{self.config['total_timeout_seconds']} s")
        except BaseException:
            response.close()  # a broken or abandoned connection is not reused
            raise
        response.raw.release_conn()  # read to the end: back to the pool (keep-alive)
        return b"".join(chunks)


__all__ = ["HTTPAdapter", "HTTPConfigSchema", "AdapterError"]
