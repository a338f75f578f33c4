"""A fault-injecting TCP proxy on 127.0.0.1, put between the hub and a center's system.

Each new connection gets a behaviour from ``plan(n)`` (n counts connections from 0):
``PASS`` forwards both ways; ``Delay(s)`` holds every chunk of the answer ``s`` seconds;
``Cut(after)`` forwards ``after`` bytes of the answer, then closes both sides (a reset
mid-response); ``Drip(interval)`` forwards the answer one byte at a time (a network that
stalls without ever going silent long enough for a read timeout); ``REFUSE`` closes at
once, before a byte.
"""
from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Callable
from typing import Any


@dataclasses.dataclass(frozen=True)
class Delay:
    seconds: float


@dataclasses.dataclass(frozen=True)
class Cut:
    after: int


@dataclasses.dataclass(frozen=True)
class Drip:
    interval: float


PASS = "pass"
REFUSE = "refuse"
Behaviour = Any
Plan = Callable[[int], Behaviour]


class FaultProxy:
    def __init__(self, upstream: tuple[str, int], plan: Plan = lambda n: PASS) -> None:
        if upstream[0] not in ("127.0.0.1", "localhost"):
            raise ValueError("the proxy only forwards to the loopback interface")
        self.upstream, self.plan = upstream, plan
        self.connections = 0
        self.applied: list[str] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        # close() alone leaves accept() blocked in its thread (Linux); shutting the
        # listening socket down wakes it, so the thread ends instead of being waited for.
        try:
            self._server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._server.close()
        self._thread.join(5)
        assert not self._thread.is_alive(), "the fault proxy's accept loop did not end"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                n = self.connections
                self.connections += 1
            behaviour = self.plan(n)
            self.applied.append(type(behaviour).__name__ if not isinstance(behaviour, str)
                                else behaviour)
            threading.Thread(target=self._serve, args=(client, behaviour), daemon=True).start()

    def _serve(self, client: socket.socket, behaviour: Behaviour) -> None:
        if behaviour == REFUSE:
            _close(client)
            return
        try:
            server = socket.create_connection(self.upstream, timeout=10)
        except OSError:
            _close(client)
            return
        up = threading.Thread(target=_pump, args=(client, server, PASS), daemon=True)
        up.start()
        _pump(server, client, behaviour)
        _close(client)
        _close(server)

    # -- helpers for tests ----------------------------------------------------------------


def _pump(source: socket.socket, sink: socket.socket, behaviour: Behaviour) -> None:
    sent = 0
    try:
        while True:
            chunk = source.recv(65536)
            if not chunk:
                break
            if isinstance(behaviour, Delay):
                time.sleep(behaviour.seconds)
            if isinstance(behaviour, Cut):
                room = behaviour.after - sent
                if room <= 0:
                    break
                chunk = chunk[:room]
            if isinstance(behaviour, Drip):
                for i in range(len(chunk)):
                    sink.sendall(chunk[i:i + 1])
                    time.sleep(behaviour.interval)
            else:
                sink.sendall(chunk)
            sent += len(chunk)
            if isinstance(behaviour, Cut) and sent >= behaviour.after:
                break
    except OSError:
        pass
    finally:
        # Half-close towards the sink so the other side sees the end (or the cut).
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _close(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
