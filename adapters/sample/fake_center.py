"""A fake center system serving the export interface for real, on 127.0.0.1.

Its dataset lives in memory and tests change it while it serves (``put``, ``delete``);
fault switches make it fail the way real systems do: a 500 after page N, a 401, a 429
with ``Retry-After``, slow answers. Records are served in change order
``(updated_at, external_id)`` and the ``next`` cursor is ``<updated_at>|<external_id>``
(it holds ``+``, ``:`` and ``|``, so a client that does not URL-encode it breaks).
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import json
import threading
import time
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
STREAMS = ("staff", "applications")


def parse_time(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


@dataclasses.dataclass
class Faults:
    """Switches a test flips while the fake serves."""

    fail_after_pages: int | None = None  # every page after the first N answers 500
    fail_times: int = 0  # the next N requests answer 500, then it recovers
    unauthorized: bool = False  # every request answers 401
    rate_limited: int = 0  # the next N requests answer 429 with Retry-After
    retry_after_seconds: int = 1
    delay_seconds: float = 0.0  # each answer waits this long first


@dataclasses.dataclass(frozen=True)
class Request:
    stream: str
    since: str | None
    limit: int
    status: int


class FakeCenter:
    """One center's system. ``with FakeCenter() as fake:`` serves it on a random port."""

    def __init__(self, token: str = "sample-token", *, host: str = "127.0.0.1",
                 port: int = 0, max_limit: int = 10_000) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the fake center serves on the loopback interface only")
        self.token = token
        self.host, self.port = host, port
        self.max_limit = max_limit
        self.faults = Faults()
        self.requests: list[Request] = []
        self.pages_served = 0
        self._records: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in STREAMS}
        self._encoded: dict[str, dict[str, str]] = {s: {} for s in STREAMS}
        self._order: dict[str, list[tuple[dt.datetime, str]] | None] = dict.fromkeys(STREAMS)
        self._lock = threading.RLock()
        self._clock = dt.datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- The dataset ----------------------------------------------------------------------

    def tick(self) -> str:
        """A new change time, one second after the latest one in the dataset."""
        with self._lock:
            self._clock += dt.timedelta(seconds=1)
            return self._clock.isoformat()

    def put(self, stream: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add or change a record; without ``updated_at`` it gets a new change time."""
        return self.put_many(stream, [record])[0]

    def put_many(self, stream: str, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        stored = []
        with self._lock:
            for record in records:
                item = dict(record)
                item.setdefault("updated_at", self.tick())
                # Changes made later must sort later than everything already served.
                self._clock = max(self._clock, parse_time(str(item["updated_at"])))
                key = str(item["external_id"])
                self._records[stream][key] = item
                self._encoded[stream][key] = json.dumps(item, ensure_ascii=False)
                stored.append(item)
            self._order[stream] = None
        return stored

    def change(self, stream: str, external_id: str, **values: Any) -> dict[str, Any]:
        """Change some fields of a record: it comes again later, with a newer updated_at."""
        with self._lock:
            record = {**self._records[stream][external_id], **values}
            if "updated_at" not in values:
                del record["updated_at"]
            return self.put(stream, record)

    def delete(self, stream: str, external_id: str) -> dict[str, Any]:
        """Delete upstream: the record comes again with ``deleted: true``."""
        return self.change(stream, external_id, deleted=True)

    def records(self, stream: str) -> list[dict[str, Any]]:
        with self._lock:
            return [self._records[stream][key] for _at, key in self._sorted(stream)]

    def _sorted(self, stream: str) -> list[tuple[dt.datetime, str]]:
        order = self._order[stream]
        if order is None:
            order = sorted((parse_time(str(r["updated_at"])), key)
                           for key, r in self._records[stream].items())
            self._order[stream] = order
        return order

    def page(self, stream: str, since: str | None, limit: int) -> str:
        """The JSON body of one page of the export interface."""
        with self._lock:
            order = self._sorted(stream)
            start = 0
            if since:
                at, _sep, key = since.rpartition("|")
                start = bisect.bisect_right(order, (parse_time(at), key))
            chosen = order[start:start + limit]
            body = ",".join(self._encoded[stream][key] for _at, key in chosen)
            if chosen:
                at, key = chosen[-1]
                cursor: str | None = f"{at.astimezone(SHANGHAI).isoformat()}|{key}"
            else:
                cursor = since
        return f'{{"records":[{body}],"next":{json.dumps(cursor, ensure_ascii=False)}}}'

    # -- Serving --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeCenter:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                status, body, headers = fake.answer(self.path, self.headers.get("Authorization"))
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name=f"fake-center-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeCenter:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    def answer(self, path: str, authorization: str | None) -> tuple[int, str, dict[str, str]]:
        """(status, body, headers) for one request: the faults first, then the page."""
        parts = urlsplit(path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        segments = parts.path.strip("/").split("/")
        stream = segments[1] if len(segments) == 2 and segments[0] == "export" else ""
        since = query.get("since")
        try:
            limit = max(1, min(int(query.get("limit", "100")), self.max_limit))
        except ValueError:
            limit = 0
        faults = self.faults
        if faults.delay_seconds:
            time.sleep(faults.delay_seconds)
        status, body, headers = self._decide(stream, since, limit, authorization)
        with self._lock:
            self.requests.append(Request(stream, since, limit, status))
        return status, body, headers

    def _decide(self, stream: str, since: str | None, limit: int,
                authorization: str | None) -> tuple[int, str, dict[str, str]]:
        faults = self.faults
        with self._lock:
            if faults.unauthorized or authorization != f"Bearer {self.token}":
                return 401, '{"error":"unauthorized"}', {"WWW-Authenticate": "Bearer"}
            if stream not in STREAMS or not limit:
                return 404, '{"error":"no such export"}', {}
            if faults.rate_limited > 0:
                faults.rate_limited -= 1
                return 429, '{"error":"slow down"}', {
                    "Retry-After": str(faults.retry_after_seconds)}
            if faults.fail_times > 0:
                faults.fail_times -= 1
                return 500, '{"error":"internal"}', {}
            if faults.fail_after_pages is not None and self.pages_served >= faults.fail_after_pages:
                return 500, '{"error":"internal"}', {}
            self.pages_served += 1
        return int(HTTPStatus.OK), self.page(stream, since, limit), {}

