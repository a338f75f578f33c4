"""The center export interface over HTTP (API.md, "Center export interface").

``GET {base_url}/export/{stream}?since={cursor}&limit={n}`` → ``{"records", "next"}``;
paged until a page comes back empty. ``requests`` URL-encodes the cursor, which may
hold ``+``, ``:`` and ``|``.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from adapters.base import AdapterError
from adapters.http import HTTPAdapter
from hub.sync.source import Page


class HttpJsonAdapter(HTTPAdapter):
    kind = "http_json"

    def read(self, stream: str, since: str | None) -> Iterator[Page]:
        self.check_stream(stream)
        cursor = since
        while True:
            params: dict[str, Any] = {"limit": self.batch_size}
            if cursor is not None:
                params["since"] = cursor
            body = self.get_json(f"/export/{stream}", params)
            records, next_cursor = self._page(body)
            if not records:
                return
            if not next_cursor:
                raise AdapterError(f"中心 {self.center} 的系统返回了记录却没有返回 next 游标")
            if not self.mapping.is_identity or self.config.get("values"):
                records = self.mapping.apply_all(stream, records)
            yield Page(records=records, cursor=next_cursor)
            cursor = next_cursor

    def _page(self, body: Any) -> tuple[list[dict[str, Any]], str | None]:
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise AdapterError(f"中心 {self.center} 的系统返回的页面缺少 records 列表")
        records = body["records"]
        if not all(isinstance(r, dict) for r in records):
            raise AdapterError(f"中心 {self.center} 的系统返回的记录不是 JSON 对象")
        cursor = body.get("next")
        return records, (str(cursor) if cursor is not None else None)
