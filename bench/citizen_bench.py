"""Benchmark: the call center's and the public site's paths over HTTP on PostgreSQL (issue
23), each beside the same stack's ``GET /healthz`` measured just before and just after it,
and the complete application of ``http_bench.py`` in the same run to compare them with.

The topology of ``http_bench.py`` (its ``prepare``, ``Servers`` and RabbitMQ vhost, reused):
gunicorn with two gthread workers, PostgreSQL, RabbitMQ and one ``hub worker``, the client
on 127.0.0.1. Three paths, each a complete unit of work as ../shared/API.md defines it,
run in closed loops (``--concurrency`` windows back to back for ``--seconds``):

- **tickets** (call center): an operator records a hotline call (``POST /api/v1/tickets``
  with an ``Idempotency-Key``, consultations and complaints in turn), assigns it to a
  department, the department's approver replies, the operator calls back and closes it
  as satisfied: 4 requests.
- **ratings** (好差评): a citizen looks the ticket up by number and receipt code
  (``GET /api/v1/public/progress/{number}``, which says whether it can be rated) and rates
  it (``POST /api/v1/public/ratings``); one in ten is a bad rating that opens a
  rectification ticket: 2 requests. The tickets rated are answered ones made before the
  servers start and the ones the tickets loop closed; a loop that rates them all ends early
  and says so (``pool_spent``).
- **appointments** (public site): a citizen reads a day's slots, books a free one
  (``Idempotency-Key``) and cancels it with the receipt code: 3 requests. (Arrivals are the
  clerk's on the appointment's day, which a booking from now cannot reach.)

The public endpoints are rate-limited per client address, as in production; the limits
stay on (their counting is part of the path) and each window changes its loopback source
address (127.x.y.z, still to 127.0.0.1) every ``PER_ADDRESS`` units, staying under them.

Per path: units/s, requests/s, latency (all requests and per kind), CPU per unit and per
request by process, its own ``/healthz`` baseline at the same concurrency (the best of the
loops just before and just after it: see ``with_baseline``), and the ratios to that
baseline (requests/s; CPU per request). Prints JSON and writes ``bench/results/citizen.json``.
Run: ``.venv/bin/python bench/citizen_bench.py [--concurrency 4] [--seconds 10]``.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import itertools
import json
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common import CpuAccount, drop_database, latency_ms, machine, throwaway_database, write_result
from http_bench import Servers, free_port, prepare, rabbit_vhost
from http_load import (CENTERS, DEPARTMENTS, Client, by_request_kind, closed_loop, healthz_loop,
                       run_windows)

if TYPE_CHECKING:
    from flask import Flask

    from tests.factories import People

NAME = "hub_bench_citizen"
ITEM = "open-restaurant"
# Units a window runs from one source address: under every public limit it meets
# (ratings 20/h, appointments 30/h counting the booking and the cancellation, progress
# 60/10 min), so no request is refused and the limiter still counts each one.
PER_ADDRESS = 10
# Nine satisfied ratings in ten, one bad (level 2) that opens a rectification ticket.
LEVELS = (5, 5, 4, 5, 3, 5, 4, 5, 2, 5)
# The groups CPU per request is compared on: /healthz uses no database, worker or broker.
COMPARED = ("web", "client", "machine")

_addresses = itertools.count(1)
_citizens = itertools.count(1)


class PoolSpent(Exception):
    """Every ticket to rate was rated: the ratings loop's window stops."""


def next_address() -> str:
    """A fresh loopback source address (127.1.1.2, 127.1.1.3, …): a new client address
    for the per-address rate limits."""
    n = next(_addresses)
    return f"127.{1 + n // 64516 % 254}.{1 + n // 254 % 254}.{1 + n % 254}"


class Window(Client):
    """One window's keep-alive connection from a source address of its own; ``get``
    beside ``Client.post``, timed the same way."""

    def __init__(self, port: int, record: list[tuple[str, float, float]]) -> None:
        super().__init__(port, record)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                               source_address=(next_address(), 0))

    def get(self, kind: str, path: str, headers: dict[str, str], expect: int) -> Any:
        started = time.perf_counter()
        self.conn.request("GET", path, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        if response.status != expect:
            raise RuntimeError(f"{kind}: {response.status} {data[:300]!r}")
        self.record.append((kind, started, elapsed))
        return json.loads(data)


# -- What prepare adds to http_bench's cast -----------------------------------------------------


def cast_extension(pool_size: int) -> Callable[[Flask, People], dict[str, Any]]:
    """An operator per center, windows taking appointments at each center, the working
    days a citizen can book, and ``pool_size`` answered tickets to rate with their
    receipt codes (made through the services: the servers are not up yet)."""

    def extend(app: Flask, people: People) -> dict[str, Any]:
        from hub import clock, db
        from hub.appointments.slots import bookable_days
        from hub.approvals.calendar import local_date
        from hub.approvals.calendar_services import load_calendar
        from hub.directory.auth import principal_for
        from hub.tickets import services
        from tests.factories import window_definition

        operators = {c: people.make("operator", center=c) for c in CENTERS}
        for center in CENTERS:
            # Places enough that the windows' bookings, each cancelled, never fill a slot.
            people.windows(center, window_definition("A01", capacity_per_slot=50))
        database = db.get_database(app)
        pool = []
        with database.session_scope() as session:
            today = local_date(clock.now())
            # From tomorrow: a slot of today may begin while the benchmark runs.
            days = [d.isoformat() for d in bookable_days(load_calendar(session), clock.now())
                    if d > today][:5]
        for n in range(pool_size):
            center = CENTERS[n % len(CENTERS)]
            actor = principal_for(operators[center].user)
            with database.session_scope() as session:
                # A consultation the operator answers on the spot: answered, so rateable.
                received = services.receive_ticket(session, actor, {
                    "kind": "consultation", "channel": "hotline", "center": center,
                    "subject": "办理时间", "content": "开办餐饮店周六能办理吗",
                    "caller": {"name": "赵六", "phone": phone(n)}})
                services.reply_ticket(session, actor, received.ticket.id,
                                      "周六上午可在本中心一楼办理", received.ticket.version)
                pool.append((received.ticket.number, received.receipt_code))
        return {"operators": {c: p.headers for c, p in operators.items()}, "days": days,
                "rating_pool": pool}

    return extend


def phone(n: int) -> str:
    return f"139{n % 10**8:08d}"


def id_number(n: int) -> str:
    """A valid ID number of its own for the ``n``-th citizen (birth date and sequence)."""
    from hub.approvals.forms import with_check_character

    born = dt.date(1960, 1, 1) + dt.timedelta(days=n // 1000)
    return with_check_character(f"210102{born:%Y%m%d}{n % 1000:03d}")


# -- The three paths ----------------------------------------------------------------------------


class Paths:
    """The units of work; ``n`` is the window, ``i`` the unit's index in that window."""

    def __init__(self, cast: dict[str, Any]) -> None:
        self.cast = cast
        # Tickets to rate, (number, receipt code); the tickets loop adds the ones it closes.
        self.to_rate: collections.deque[tuple[str, str]] = collections.deque(cast["rating_pool"])

    def ticket(self, w: Window, n: int, i: int) -> None:
        """Receive, assign, reply, close: a hotline ticket's complete life."""
        center = CENTERS[n % len(CENTERS)]
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        operator = self.cast["operators"][center]
        ticket = w.post("receive", "/api/v1/tickets", {
            "kind": ("consultation", "complaint")[i % 2], "channel": "hotline",
            "center": center, "subject": "占道经营", "content": "小区门口早市占道经营，影响通行",
            "caller": {"name": "赵六", "phone": phone(n * 100_000 + i)}},
            {**operator, "Idempotency-Key": uuid.uuid4().hex}, 201)
        code, path = ticket["receipt_code"], f"/api/v1/tickets/{ticket['id']}"
        ticket = w.post("assign", f"{path}/assign",
                        {"department": department, "version": ticket["version"]}, operator, 200)
        ticket = w.post("reply", f"{path}/reply",
                        {"content": "已责成属地市场监管所处理", "version": ticket["version"]},
                        self.cast["approvers"][department], 200)
        ticket = w.post("close", f"{path}/close", {"outcome": "satisfied", "note": "回访满意",
                                                  "version": ticket["version"]}, operator, 200)
        if ticket["status"] != "closed":
            raise RuntimeError(f"the ticket ended {ticket['status']}")
        self.to_rate.append((ticket["number"], code))

    def rating(self, w: Window, n: int, i: int) -> None:
        """Look the ticket up by number and code, then rate it."""
        try:
            number, code = self.to_rate.popleft()
        except IndexError:
            raise PoolSpent from None
        shown = w.get("progress", f"/api/v1/public/progress/{number}?code={code}", {}, 200)
        if not shown.get("rateable"):
            raise RuntimeError(f"{number} is not rateable: {shown}")
        level = LEVELS[i % len(LEVELS)]
        body: dict[str, Any] = {"number": number, "code": code, "level": level}
        if level < 3:
            body["comment"] = "答复没有解决问题"
        w.post("rate", "/api/v1/public/ratings", body, {}, 201)

    def appointment(self, w: Window, n: int, i: int) -> None:
        """Read a day's slots, book a free one, cancel it."""
        center = CENTERS[n % len(CENTERS)]
        days = self.cast["days"]
        day = days[(n + i) % len(days)]
        slots = w.get("slots", f"/api/v1/public/appointments/slots?center={center}"
                               f"&service_item={ITEM}&date={day}", {}, 200)
        free = [s["slot"] for s in slots if s["free"] > 0]
        if not free:
            raise RuntimeError(f"no free place at {center} on {day}: {slots}")
        citizen = next(_citizens)
        booked = w.post("book", "/api/v1/public/appointments", {
            "center": center, "service_item": ITEM, "date": day, "slot": free[i % len(free)],
            "applicant": {"name": "王小明", "id_number": id_number(citizen),
                          "phone": phone(citizen)}},
            {"Idempotency-Key": uuid.uuid4().hex}, 201)
        w.post("cancel", f"/api/v1/public/appointments/{booked['number']}/cancel",
               {"code": booked["code"]}, {}, 200)


Unit = Callable[[Window, int, int], None]


def unit_loop(port: int, unit: Unit, requests_per_unit: int, concurrency: int, seconds: float,
              account: CpuAccount | None = None) -> dict[str, Any]:
    """``concurrency`` windows each running ``unit`` back to back for ``seconds`` (or until
    it raises ``PoolSpent``); throughput, latency and CPU per unit and per request."""
    records: list[tuple[str, float, float]] = []
    completed: list[float] = []
    errors: list[str] = []
    spent = threading.Event()
    stop_at = time.perf_counter() + seconds
    barrier = threading.Barrier(concurrency)

    def window(n: int) -> None:
        client = Window(port, records)
        barrier.wait()
        for i in itertools.count():
            if time.perf_counter() >= stop_at:
                break
            if i and i % PER_ADDRESS == 0:
                client.conn.close()
                client = Window(port, records)
            started = time.perf_counter()
            try:
                unit(client, n, i)
            except PoolSpent:
                spent.set()
                break
            except Exception as exc:  # counted and reported, the loop goes on
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
                client.conn.close()
                client = Window(port, records)
                continue
            completed.append(time.perf_counter() - started)

    elapsed, cpu = run_windows(window, concurrency, account)
    by_kind = by_request_kind(records)
    units, requests = len(completed), len(records)
    return {"concurrency": concurrency, "seconds": round(elapsed, 2), "units": units,
            "requests_per_unit": requests_per_unit,
            "units_per_second": round(units / elapsed, 1),
            "requests_per_second": round(requests / elapsed, 1),
            "requests": latency_ms([r[2] for r in records]),
            "by_request": {kind: latency_ms(times) for kind, times in by_kind.items()},
            "unit_end_to_end": latency_ms(completed),
            "cpu_ms_per_unit": {name: round(used / max(1, units) * 1000, 2)
                                for name, used in cpu.items()},
            "cpu_ms_per_request": {name: round(used / max(1, requests) * 1000, 3)
                                   for name, used in cpu.items()},
            "pool_spent": spent.is_set(), "errors": len(errors), "first_errors": errors[:3]}


def applications(port: int, cast: dict[str, Any], concurrency: int, seconds: float,
                 account: CpuAccount) -> dict[str, Any]:
    """http_bench's complete application (a submission and four decisions), its figures
    in the shape of ``unit_loop``'s."""
    loop = closed_loop(port, cast, concurrency, seconds, account)
    units, requests = loop["applications"], loop["requests"]["count"]
    return {"concurrency": concurrency, "seconds": loop["seconds"], "units": units,
            "requests_per_unit": 5, "units_per_second": loop["applications_per_second"],
            "requests_per_second": loop["requests_per_second"], "requests": loop["requests"],
            "by_request": {"submit": loop["submit"], "decide": loop["decide"]},
            "unit_end_to_end": loop["application_end_to_end"],
            "cpu_ms_per_unit": loop["cpu_ms_per_application"],
            # From the rounded per-application figures: good to 0.1 ms ÷ 5.
            "cpu_ms_per_request": {name: round(ms * units / max(1, requests), 3)
                                   for name, ms in loop["cpu_ms_per_application"].items()},
            "pool_spent": False, "errors": loop["errors"], "first_errors": loop["first_errors"]}


def watched(servers: Servers, loop: Callable[[CpuAccount], dict[str, Any]]) -> dict[str, Any]:
    """``loop`` with the number of web workers gunicorn replaced during it
    (``max_requests``): a new worker's start-up counts as the loop's CPU, an old one's last
    CPU as ``other``, so a loop with a replacement is one to read with care."""
    workers = set(servers.web_workers())
    result = loop(servers.account())
    result["web_workers_replaced"] = len(workers - set(servers.web_workers()))
    return result


def with_baseline(result: dict[str, Any], before: list[dict[str, Any]],
                  after: list[dict[str, Any]]) -> dict[str, Any]:
    """A path's figures with its own baseline and its ratios to it. The baseline is the
    best of the ``/healthz`` loops just before and just after the path: each keep-alive
    connection stays with the gunicorn worker that accepted it, so a loop whose four
    connections fell three to one worker (or four) is held to about one core and does
    half the requests, with the machine half idle; the stack's ceiling is the best split.
    Every loop's figures are kept (``loops``)."""
    loops = [*before, *after]
    best = max(loops, key=lambda b: b["requests_per_second"])
    healthz_rps, cpu = best["requests_per_second"], best["cpu_ms_per_request"]
    kept = ("requests_per_second", "requests", "cpu_ms_per_request", "web_workers_replaced")
    result["baseline_healthz"] = {
        "concurrency": best["concurrency"], "requests_per_second": healthz_rps,
        "as_units_per_second": round(healthz_rps / result["requests_per_unit"], 1),
        "requests": best["requests"], "cpu_ms_per_request": cpu,
        "web_workers_replaced": sum(b["web_workers_replaced"] for b in loops),
        "loops": {"before": [{k: b[k] for k in kept} for b in before],
                  "after": [{k: b[k] for k in kept} for b in after]}}
    result["ratio_requests_per_second_over_healthz"] = round(
        result["requests_per_second"] / healthz_rps, 4)
    result["ratio_cpu_per_request_over_healthz"] = {
        name: round(result["cpu_ms_per_request"][name] / cpu[name], 1)
        for name in COMPARED if cpu.get(name)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--baseline-seconds", type=float, default=1.5,
                        help="each /healthz loop: two before the first path, two after each")
    parser.add_argument("--warmup-seconds", type=float, default=2)
    parser.add_argument("--rating-pool", type=int, default=1000,
                        help="answered tickets made before the servers start, to rate")
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args()
    begun = time.monotonic()
    url = throwaway_database(NAME)
    vhost, broker = rabbit_vhost()
    servers = None
    try:
        with tempfile.TemporaryDirectory(prefix="hub-citizen-bench-") as scratch:
            folder = Path(scratch)
            made = time.monotonic()
            cast = prepare(url, folder / "prepare", cast_extension(args.rating_pool))
            prepared_seconds = round(time.monotonic() - made, 1)
            info = machine(url)
            port = free_port()
            servers = Servers(url, broker, port, folder, args.web_workers)
            servers.wait_ready()
            time.sleep(1)  # both workers booted
            paths = Paths(cast)
            units: dict[str, tuple[Unit, int]] = {
                "tickets": (paths.ticket, 4), "ratings": (paths.rating, 2),
                "appointments": (paths.appointment, 3)}
            # Warm-up, unmeasured: connections, caches, every view's first call.
            closed_loop(port, cast, 2, args.warmup_seconds)
            for unit, size in units.values():
                unit_loop(port, unit, size, 2, args.warmup_seconds)
            concurrency, seconds = args.concurrency, args.seconds
            loops: dict[str, Callable[[CpuAccount], dict[str, Any]]] = {
                "complete_application": lambda account: applications(
                    port, cast, concurrency, seconds, account)}
            # Tickets before ratings: the tickets it closes are rated next.
            for name, (unit, size) in units.items():
                loops[name] = lambda account, unit=unit, size=size: unit_loop(
                    port, unit, size, concurrency, seconds, account)

            def healthz(account: CpuAccount) -> dict[str, Any]:
                return healthz_loop(port, concurrency, args.baseline_seconds, account)

            # /healthz between every two paths, so that each has loops just before and just
            # after it: two short ones each time (new connections, a new split over the
            # workers), few enough requests that gunicorn's max_requests (20,000 a worker)
            # is seldom reached while measuring (web_workers_replaced says so).
            def boundary() -> list[dict[str, Any]]:
                return [watched(servers, healthz) for _ in range(2)]

            measured: dict[str, dict[str, Any]] = {}
            before = boundary()
            for name, loop in loops.items():
                result = watched(servers, loop)
                after = boundary()
                measured[name] = with_baseline(result, before, after)
                before = after
            compared = measured.pop("complete_application")
            per_request = compared["cpu_ms_per_request"]["machine"]
            for result in measured.values():
                result["ratio_cpu_per_request_over_complete_application"] = round(
                    result["cpu_ms_per_request"]["machine"] / per_request, 2)
            result = {
                "benchmark": "the call center's and the public site's paths over HTTP on "
                             "PostgreSQL, each beside GET /healthz on the same stack",
                "machine": info, "load_average_after": machine()["load_average"],
                "topology": {"web_workers": args.web_workers, "threads_per_worker": 4,
                             "celery_worker_processes": 2, "broker": "RabbitMQ (own vhost)"},
                "concurrency": concurrency, "seconds": seconds,
                "baseline_seconds": args.baseline_seconds, "per_address": PER_ADDRESS,
                "rating_pool_prepared": len(cast["rating_pool"]),
                "prepare_seconds": prepared_seconds,
                "paths": measured, "complete_application": compared,
                "table": [row(name, r) for name, r in
                          [*measured.items(), ("complete_application", compared)]],
            }
            servers.stop()
            servers = None
            result["total_seconds"] = round(time.monotonic() - begun, 1)
            write_result("citizen", result)
    finally:
        if servers is not None:
            servers.stop()
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True)
        drop_database(NAME)


def row(name: str, r: dict[str, Any]) -> dict[str, Any]:
    """One line of the summary: the figures docs/BENCHMARKS.md quotes."""
    base = r["baseline_healthz"]
    return {"path": name, "units_per_second": r["units_per_second"],
            "requests_per_second": r["requests_per_second"],
            "p50_ms": r["requests"]["p50_ms"], "p99_ms": r["requests"]["p99_ms"],
            "cpu_ms_per_unit": r["cpu_ms_per_unit"],
            "cpu_ms_per_request": r["cpu_ms_per_request"],
            "healthz_requests_per_second": base["requests_per_second"],
            # In the path's loop or in one of its /healthz loops.
            "web_workers_replaced": r["web_workers_replaced"] + base["web_workers_replaced"],
            "healthz_cpu_ms_per_request": base["cpu_ms_per_request"],
            "ratio_requests_per_second_over_healthz": r["ratio_requests_per_second_over_healthz"],
            "ratio_cpu_per_request_over_healthz": r["ratio_cpu_per_request_over_healthz"],
            "errors": r["errors"]}


if __name__ == "__main__":
    main()
