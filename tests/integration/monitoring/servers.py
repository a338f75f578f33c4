"""Real servers for the monitoring tests: the hub on a 127.0.0.1 HTTP server thread, and
helpers to wait for subprocesses (Prometheus, gunicorn, a Celery worker)."""
from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import requests
from flask import Flask
from werkzeug.serving import make_server

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 60.0,
              process: subprocess.Popen[Any] | None = None) -> T:
    """Poll ``probe`` until it returns something truthy (a readiness wait, not a timing
    assertion: the deadline only turns a hang into a clear failure)."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process exited with {process.returncode}")
        try:
            result = probe()
            if result:
                return result
        except (requests.RequestException, OSError) as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last error: {last!r})")


@contextlib.contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The hub served by a real threaded HTTP server on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="hub-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def stop(process: subprocess.Popen[Any], timeout: float = 20.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
