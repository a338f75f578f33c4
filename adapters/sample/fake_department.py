"""A fake department business system, served for real on 127.0.0.1: it receives approval
tasks (``POST /tasks``), keeps each ``Idempotency-Key`` once, and can fail on demand."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeDepartment:
    def __init__(self, token: str = "department-token") -> None:
        self.token = token
        self.fail_times = 0  # the next N deliveries answer 503
        self.always_fail = False  # every delivery answers 503
        # While cleared, every delivery waits here before it is answered (a slow system);
        # ``arrived`` is set as one comes in.
        self.answer = threading.Event()
        self.answer.set()
        self.arrived = threading.Event()
        self.requests: list[tuple[str | None, dict[str, Any]]] = []  # (key, body), every try
        self.received: dict[str, dict[str, Any]] = {}  # what the system holds, once per key
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tasks"

    def __enter__(self) -> FakeDepartment:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                fake.arrived.set()
                fake.answer.wait(60)
                status = fake.receive(self.headers.get("Authorization"),
                                      self.headers.get("Idempotency-Key"), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.answer.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def receive(self, authorization: str | None, key: str | None, body: dict[str, Any]) -> int:
        with self._lock:
            self.requests.append((key, body))
            if authorization != f"Bearer {self.token}":
                return 401
            if self.always_fail or self.fail_times > 0:
                self.fail_times = max(0, self.fail_times - 1)
                return 503
            if key is None:
                return 400
            self.received.setdefault(key, body)  # a repeat of a key changes nothing
            return 202
