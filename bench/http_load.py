"""The HTTP benchmark's client: windows on 127.0.0.1 running complete applications (a
submission and the four approvals of API.md's example item) back to back over keep-alive
connections, every request timed, and the same loop on ``GET /healthz`` for the stack's
own ceiling."""
from __future__ import annotations

import collections
import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from common import CpuAccount, latency_ms

CENTERS = ("binhe", "daxi", "wulihe", "nanta", "fengyutan", "danan", "huangcheng", "wanlian")
DEPARTMENTS = ("market", "food", "fire", "environment")


class Client:
    """One window's keep-alive connection; every request timed."""

    def __init__(self, port: int, record: list[tuple[str, float, float]]) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.record = record

    def post(self, kind: str, path: str, body: dict[str, Any], headers: dict[str, str],
             expect: int) -> dict[str, Any]:
        payload = json.dumps(body).encode()
        started = time.perf_counter()
        self.conn.request("POST", path, body=payload,
                          headers={**headers, "Content-Type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        if response.status != expect:
            raise RuntimeError(f"{kind}: {response.status} {data[:300]!r}")
        self.record.append((kind, started, elapsed))
        return json.loads(data)


def run_windows(window: Callable[[int], None], concurrency: int,
                account: CpuAccount | None) -> tuple[float, dict[str, float]]:
    """``window(n)`` in a thread per window, all started together: the seconds they took
    and, with ``account``, the CPU used meanwhile by its groups."""
    threads = [threading.Thread(target=window, args=(n,)) for n in range(concurrency)]
    if account is not None:
        account.start()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return elapsed, account.stop() if account is not None else {}


def by_request_kind(records: list[tuple[str, float, float]]) -> dict[str, list[float]]:
    """The recorded requests' durations by kind."""
    kinds: dict[str, list[float]] = collections.defaultdict(list)
    for kind, _, took in records:
        kinds[kind].append(took)
    return kinds


def submission(center: str) -> dict[str, Any]:
    from hub.approvals.forms import with_check_character

    return {"service_item": "open-restaurant", "center": center,
            "applicant": {"name": "张三丰", "id_number": with_check_character("21010219900101123"),
                          "phone": "13812345678"}, "form": {"shop_name": "老边饺子馆"}}


def complete_application(client: Client, cast: dict[str, Any], center: str) -> float:
    """A submission and its four approvals; seconds from the first request to the last."""
    started = time.perf_counter()
    app = client.post("submit", "/api/v1/applications", submission(center),
                      {**cast["clerks"][center], "Idempotency-Key": uuid.uuid4().hex}, 201)
    tasks = {t["department"]: t for t in app["tasks"]}
    for department in DEPARTMENTS:
        task = tasks[department]
        result = client.post("decide", f"/api/v1/tasks/{task['id']}/decision",
                             {"decision": "approve", "version": task["version"]},
                             cast["approvers"][department], 200)
        tasks = {t["department"]: t for t in result["application"]["tasks"]}
    if result["application"]["status"] != "approved":
        raise RuntimeError(f"the application ended {result['application']['status']}")
    return time.perf_counter() - started


def closed_loop(port: int, cast: dict[str, Any], concurrency: int, seconds: float,
                account: CpuAccount | None = None) -> dict[str, Any]:
    """``concurrency`` windows each running complete applications back to back."""
    records: list[tuple[str, float, float]] = []
    completed: list[tuple[float, float]] = []  # (end time, seconds)
    errors: list[str] = []
    stop_at = time.perf_counter() + seconds
    barrier = threading.Barrier(concurrency)

    def window(n: int) -> None:
        client = Client(port, records)
        center = CENTERS[n % len(CENTERS)]
        barrier.wait()
        while time.perf_counter() < stop_at:
            try:
                took = complete_application(client, cast, center)
            except Exception as exc:  # counted and reported, the loop goes on
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
                client = Client(port, records)
                continue
            completed.append((time.perf_counter(), took))

    elapsed, cpu = run_windows(window, concurrency, account)
    by_kind = by_request_kind(records)
    return {"concurrency": concurrency, "seconds": round(elapsed, 2),
            "applications": len(completed),
            "applications_per_second": round(len(completed) / elapsed, 1),
            "requests_per_second": round(len(records) / elapsed, 1),
            "requests": latency_ms([r[2] for r in records]),
            "submit": latency_ms(by_kind["submit"]), "decide": latency_ms(by_kind["decide"]),
            "application_end_to_end": latency_ms([c[1] for c in completed]),
            "cpu_ms_per_application": {
                name: round(used / max(1, len(completed)) * 1000, 1)
                for name, used in cpu.items()},
            "cpu_cores_busy": {name: round(used / elapsed, 2) for name, used in cpu.items()},
            "errors": len(errors), "first_errors": errors[:3]}


def healthz_loop(port: int, concurrency: int, seconds: float,
                 account: CpuAccount | None = None) -> dict[str, Any]:
    """The stack's own ceiling: ``GET /healthz`` (no database, no broker) through the same
    gunicorn, Flask, metrics middleware and client, back to back."""
    times: list[float] = []
    stop_at = time.perf_counter() + seconds

    def window() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            times.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"/healthz answered {response.status}")

    elapsed, cpu = run_windows(lambda _n: window(), concurrency, account)
    return {"concurrency": concurrency, "requests_per_second": round(len(times) / elapsed, 1),
            "as_applications_per_second": round(len(times) / elapsed / 5, 1),
            "requests": latency_ms(times),
            "cpu_ms_per_request": {name: round(used / max(1, len(times)) * 1000, 2)
                                   for name, used in cpu.items()}}
