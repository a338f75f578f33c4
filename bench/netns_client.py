"""The client of ``bench/netns_sim.py``: windows running complete applications (a clerk's
submission with an ``Idempotency-Key``, then the four approvals, as ``http_load`` does)
against several web ports, behaving as a real client does when a host's link is cut.

A request that gets no answer (refused, reset, closed mid-answer, timed out) or a 503 is
in doubt: it may or may not have committed. So a submission is sent again with the same
key and body (a replay answers the case it made); a decision is sent again only after
re-reading the case, continuing from its actual state (already approved: go on; still
pending: decide again with the version read). While a host is unreachable the window
uses the other one and tries its own again after ``PROBE_SECONDS``. Every attempt,
failure and retry is recorded in a ``Ledger``, which the simulation then checks against
the database. Anything else (a 500, a 4xx the flow cannot explain) is recorded and the
application abandoned: never papered over.
"""
from __future__ import annotations

import collections
import dataclasses
import http.client
import json
import threading
import time
import uuid
from typing import Any, NoReturn

from http_load import CENTERS, DEPARTMENTS, submission

PROBE_SECONDS = 1.0  # how long a host that failed is left alone before it is tried again
TIMEOUT = 10.0  # seconds without an answer: the request is in doubt
GIVE_UP_SECONDS = 90.0  # one request still unanswered after this: the application abandoned
# No answer: the connection refused, reset or closed mid-answer, a timeout, a cut reply.
NO_ANSWER = (OSError, http.client.HTTPException)


class Unanswered(Exception):
    """The request's outcome is unknown (no answer, or a 503)."""


class Abandon(Exception):
    """The application cannot go on: an answer the client cannot explain."""


@dataclasses.dataclass
class Ledger:
    """What the client did and was told, shared by every window of every phase."""

    # Idempotency-Key → {center, phase, application_id (None until answered), replayed}
    submitted: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # (phase, application id, end time, seconds from the first request to the last)
    completed: list[tuple[str, str, float, float]] = dataclasses.field(default_factory=list)
    # (phase, kind, port, sent at, seconds, HTTP status) of every answered request
    requests: list[tuple[str, str, int, float, float, int]] = dataclasses.field(
        default_factory=list)
    # {phase, kind, port, at, error, refused} of every request left without an answer
    failures: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # answers the flow cannot explain: {phase, kind, port, status, body}
    unexpected: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    abandoned: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    counts: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def count(self, what: str, phase: str) -> None:
        with self.lock:
            self.counts[f"{phase}.{what}"] += 1

    def phase_counts(self, phase: str) -> dict[str, int]:
        prefix = f"{phase}."
        return {k[len(prefix):]: v for k, v in sorted(self.counts.items())
                if k.startswith(prefix)}


class Window(threading.Thread):
    """One clerk's window: complete applications back to back until ``stop_at``, on its
    home port while that answers, else on another."""

    def __init__(self, n: int, ports: list[int], home: int, cast: dict[str, Any],
                 ledger: Ledger, phase: str, stop_at: float, barrier: threading.Barrier
                 ) -> None:
        super().__init__(name=f"window-{phase}-{n}", daemon=True)
        self.center = CENTERS[n % len(CENTERS)]
        self.clerk = cast["clerks"][self.center]
        self.approvers = cast["approvers"]
        self.ports, self.home = ports, home
        self.ledger, self.phase = ledger, phase
        self.stop_at, self.barrier = stop_at, barrier
        self.conns: dict[int, http.client.HTTPConnection] = {}
        self.down_until = {port: 0.0 for port in ports}
        self.last_port = home  # the port that gave the last answer

    def run(self) -> None:
        self.barrier.wait()
        while time.monotonic() < self.stop_at:
            try:
                self.complete_application()
            except Abandon as exc:
                self.ledger.abandoned.append({"phase": self.phase, "reason": str(exc)[:300]})
            except Exception as exc:  # a client bug must show, not stop the other windows
                self.ledger.abandoned.append({"phase": self.phase,
                                              "reason": f"{type(exc).__name__}: {exc}"[:300]})
        for conn in self.conns.values():
            conn.close()

    # -- One request ---------------------------------------------------------------------

    def _port(self) -> int:
        """The home port unless it failed lately; else one that did not; else wait."""
        now = time.monotonic()
        if now >= self.down_until[self.home]:
            return self.home
        up = [p for p in self.ports if now >= self.down_until[p]]
        if up:
            return up[0]
        soonest = min(self.ports, key=lambda p: self.down_until[p])
        time.sleep(max(0.0, self.down_until[soonest] - now))
        return soonest

    def send(self, kind: str, method: str, path: str, body: dict[str, Any] | None,
             headers: dict[str, str]) -> tuple[int, Any, http.client.HTTPResponse]:
        """One attempt; raises ``Unanswered`` when its outcome is unknown."""
        port = self._port()
        conn = self.conns.get(port) or http.client.HTTPConnection("127.0.0.1", port,
                                                                  timeout=TIMEOUT)
        payload = json.dumps(body).encode() if body is not None else None
        sent = time.monotonic()
        try:
            conn.request(method, path, body=payload,
                         headers={**headers, "Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
        except NO_ANSWER as exc:
            conn.close()
            self.conns.pop(port, None)
            self.down_until[port] = time.monotonic() + PROBE_SECONDS
            self.ledger.failures.append({
                "phase": self.phase, "kind": kind, "port": port, "at": sent,
                "error": type(exc).__name__, "refused": isinstance(exc, ConnectionRefusedError)})
            raise Unanswered(f"{kind} on {port}: {type(exc).__name__}") from exc
        self.conns[port] = conn
        self.last_port = port
        self.ledger.requests.append((self.phase, kind, port, sent, time.monotonic() - sent,
                                     response.status))
        if response.status == 503:
            # The database was unavailable to that host: rolled back, or unknown if it
            # failed at commit. In doubt, as with no answer; that host rests a while.
            retry_after = float(response.getheader("Retry-After") or PROBE_SECONDS)
            self.down_until[port] = time.monotonic() + min(retry_after, PROBE_SECONDS)
            self.ledger.count(f"{kind}_answered_503", self.phase)
            raise Unanswered(f"{kind} on {port}: 503")
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data[:300].decode(errors="replace")
        if response.status >= 500:
            self.unexplained(kind, response.status, parsed)
        return response.status, parsed, response

    def unexplained(self, kind: str, status: int, body: Any) -> NoReturn:
        self.ledger.unexpected.append({"phase": self.phase, "kind": kind,
                                       "port": self.last_port,
                                       "status": status, "body": str(body)[:500],
                                       "at": time.monotonic()})
        raise Abandon(f"{kind} answered {status}: {str(body)[:200]}")

    # -- The flow ------------------------------------------------------------------------

    def complete_application(self) -> None:
        started = time.monotonic()
        app = self.submit()
        for department in DEPARTMENTS:
            app = self.decide(app, department)
        if app["status"] != "approved":
            raise Abandon(f"application {app['id']} ended {app['status']}")
        self.ledger.completed.append((self.phase, app["id"], time.monotonic(),
                                      time.monotonic() - started))

    def submit(self) -> dict[str, Any]:
        """The submission, sent again with the same key and body until answered."""
        key = uuid.uuid4().hex
        body = submission(self.center)
        headers = {**self.clerk, "Idempotency-Key": key}
        entry: dict[str, Any] = {"center": self.center, "phase": self.phase,
                                 "application_id": None, "replayed": False, "attempts": 0}
        self.ledger.submitted[key] = entry
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while True:
            entry["attempts"] += 1
            try:
                status, data, response = self.send("submit", "POST", "/api/v1/applications",
                                                   body, headers)
            except Unanswered:
                if time.monotonic() > deadline:
                    raise Abandon(f"submission {key} unanswered for {GIVE_UP_SECONDS} s")
                self.ledger.count("submission_resent_same_key", self.phase)
                continue
            if status != 201:
                self.unexplained("submit", status, data)
            entry["application_id"] = data["id"]
            entry["replayed"] = response.getheader("Idempotent-Replayed") == "true"
            if entry["attempts"] > 1:
                # Replayed: the lost attempt had committed. Not: it had not, this one did.
                self.ledger.count("submission_retry_replayed" if entry["replayed"]
                                  else "submission_retry_created", self.phase)
            return data

    def decide(self, app: dict[str, Any], department: str) -> dict[str, Any]:
        """The department's approval; after no answer or a 409, from the case re-read."""
        task = next(t for t in app["tasks"] if t["department"] == department)
        version = task["version"]
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while True:
            try:
                status, data, _ = self.send(
                    "decide", "POST", f"/api/v1/tasks/{task['id']}/decision",
                    {"decision": "approve", "version": version}, self.approvers[department])
            except Unanswered:
                if time.monotonic() > deadline:
                    raise Abandon(f"decision on {task['id']} unanswered for "
                                  f"{GIVE_UP_SECONDS} s")
                self.ledger.count("decision_unanswered", self.phase)
                status, data = 0, None
            if status == 200:
                return data["application"]
            if status not in (0, 409):
                self.unexplained("decide", status, data)
            if status == 409:
                self.ledger.count("decision_409", self.phase)
            current = self.reread(app["id"])
            now = next(t for t in current["tasks"] if t["id"] == task["id"])
            if now["status"] == "approved":
                self.ledger.count("decision_found_applied", self.phase)
                return current
            if now["status"] != "pending":
                raise Abandon(f"task {task['id']} is {now['status']} after a lost decision")
            self.ledger.count("decision_resent", self.phase)
            version = now["version"]

    def reread(self, application_id: str) -> dict[str, Any]:
        """The case as it stands (the clerk of its center reads it), from any host."""
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while True:
            try:
                status, data, _ = self.send("reread", "GET",
                                            f"/api/v1/applications/{application_id}", None,
                                            self.clerk)
            except Unanswered:
                if time.monotonic() > deadline:
                    raise Abandon(f"application {application_id} unreadable for "
                                  f"{GIVE_UP_SECONDS} s")
                continue
            if status != 200:
                self.unexplained("reread", status, data)
            return data


def run_windows(phase: str, ports: list[int], windows: int, seconds: float,
                cast: dict[str, Any], ledger: Ledger) -> tuple[list[Window], float]:
    """Start ``windows`` windows, spread over ``ports`` (window n's home is port n mod
    len(ports)); they stop starting applications after ``seconds``. Returns the threads
    (not joined) and the start time."""
    barrier = threading.Barrier(windows + 1)
    started = time.monotonic()
    team = [Window(n, ports, ports[n % len(ports)], cast, ledger, phase, started + seconds,
                   barrier) for n in range(windows)]
    for window in team:
        window.start()
    barrier.wait()
    return team, started
