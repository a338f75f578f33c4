"""A small load client on 127.0.0.1: staff as threads, each with its own keep-alive HTTP
session, recording every answer (what, status, latency, the headers that matter).

Threads rather than asyncio: the requests library is what the tests use everywhere,
the hub's answers take milliseconds of database work, and 30-odd threads keep two
gunicorn workers saturated on this 2-core machine without a client of their own
competing for the cores much.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

from hub.approvals.forms import with_check_character


@dataclasses.dataclass(frozen=True)
class Answer:
    what: str
    status: int  # 0: no answer (connection refused or cut)
    seconds: float
    at: float  # monotonic time the request was sent
    retry_after: str | None = None
    content_type: str | None = None


class Recorder:
    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self._lock = threading.Lock()

    def add(self, answer: Answer) -> None:
        with self._lock:
            self.answers.append(answer)

    def statuses(self, what: str | None = None) -> dict[int, int]:
        counts: dict[int, int] = {}
        for a in self.answers:
            if what is None or a.what == what:
                counts[a.status] = counts.get(a.status, 0) + 1
        return counts

    def latency(self) -> dict[str, float]:
        """p50 and p99 in milliseconds over the answered requests."""
        times = sorted(a.seconds for a in self.answers if a.status)
        if not times:
            return {"p50_ms": 0.0, "p99_ms": 0.0}
        q = statistics.quantiles(times, n=100, method="inclusive")
        return {"p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1)}


class Staff(threading.Thread):
    """One member of staff working until ``stop`` is set."""

    def __init__(self, base: str, token: str, recorder: Recorder, stop: threading.Event,
                 work: Callable[[Staff], None]) -> None:
        super().__init__(daemon=True)
        self.base, self.recorder, self.stop, self.work = base, recorder, stop, work
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.work(self)
        except BaseException as exc:  # reported by the test
            self.error = exc

    def call(self, what: str, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        sent = time.monotonic()
        try:
            response = self.http.request(method, self.base + path, timeout=60, **kwargs)
        except requests.RequestException:
            self.recorder.add(Answer(what, 0, time.monotonic() - sent, sent))
            self.http.close()
            time.sleep(0.2)
            return None
        self.recorder.add(Answer(what, response.status_code, time.monotonic() - sent, sent,
                                 response.headers.get("Retry-After"),
                                 response.headers.get("Content-Type")))
        return response


def id_number(n: int) -> str:
    """The n-th of many valid ID numbers (birth date and sequence vary)."""
    born = dt.date(1960, 1, 1) + dt.timedelta(days=n % 18_000)
    return with_check_character(f"210102{born:%Y%m%d}{n // 18_000 % 1000:03d}")


def application_body(center: str, n: int) -> dict[str, Any]:
    return {"service_item": "open-restaurant", "center": center,
            "applicant": {"name": "王小明", "id_number": id_number(n),
                          "phone": "13812345678"},
            "form": {"shop_name": f"老边饺子馆{n}"}}


def submit_until_answered(staff: Staff, center: str, n: int,
                          created: dict[str, str]) -> None:
    """Submit one case; after no answer or a 503, the same Idempotency-Key again (what
    a window's client does), so a retried submission is never a second case."""
    key = f"proof-{uuid.uuid4().hex}"
    body = application_body(center, n)
    # Until answered, even past the end of the run: no submission is left in doubt.
    for _ in range(600):
        response = staff.call("submit", "POST", "/api/v1/applications", json=body,
                              headers={"Idempotency-Key": key})
        if response is not None and response.status_code == 201:
            created[key] = response.json()["id"]
            return
        if response is not None and response.status_code not in (503,):
            raise AssertionError(f"submission answered {response.status_code}: "
                                 f"{response.text[:300]}")
        time.sleep(0.2)
    raise AssertionError(f"submission {key} never answered")
