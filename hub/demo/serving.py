"""Serve the prepared demo on 127.0.0.1 until Ctrl+C or SIGTERM, then stop the sample
systems and close the database: the pages, the API and ``/metrics`` of one process."""
from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from typing import Any, NoReturn

from werkzeug.serving import make_server

from hub.demo.driver import DemoError
from hub.clock import RunningClock
from hub.demo.prepare import Prepared

HOST = "127.0.0.1"  # demo accounts share one known password: never on another interface


def check_port(port: int) -> None:
    """Refuse early (before minutes of preparation) when the port is taken."""
    if port == 0:
        return
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise DemoError(f"端口 {port} 已被占用，请用 --port 换一个") from exc


def _stop(_signum: int, _frame: Any) -> NoReturn:
    raise SystemExit(0)  # unwinds serve_forever, so the finally below runs


def serve(prepared: Prepared, port: int, ready: Callable[[str], None]) -> None:
    """Serve until stopped; ``ready`` gets the base URL once the socket listens."""
    app = prepared.app
    app.extensions["hub.clock"] = RunningClock(prepared.plan.end)
    try:
        server = make_server(HOST, port, app, threaded=True)
    except OSError as exc:
        prepared.close()
        raise DemoError(f"无法在 {HOST}:{port} 上提供服务：{exc}") from exc
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        ready(f"http://{HOST}:{server.server_port}")
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        prepared.close()


__all__ = ["check_port", "serve"]
