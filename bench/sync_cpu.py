"""Where a sync first load's CPU goes: the hub process, PostgreSQL, the fake center.

Reads each process's CPU time from /proc around the ceiling and around a first load (the
same setup as ``sync_bench.py``) and prints µs per record of wall time and of each
process's CPU. Shows whether the hub's Python and PostgreSQL overlap or take turns.
Usage: ``python bench/sync_cpu.py [records]`` (default 100,000).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sync_bench as sb  # noqa: E402
from common import CpuAccount, pids_named  # noqa: E402


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    name = f"hub_bench_sync_cpu_{os.getpid()}"
    url = sb.throwaway_database(name)
    fake, fake_url = sb.start_fake(records)
    try:
        app = sb.build_app(url, HERE / "results" / "instance")
        sb.prepare(app, fake_url)
        rows = sb.prepared_rows(app, fake_url, "binhe")
        account = CpuAccount({"hub": lambda: [os.getpid()], "postgres": lambda: pids_named("postgres"),
                              "fake": lambda: [fake.pid]})
        per = 1e6 / records

        def report(label: str, rate: float, wall: float, used: dict[str, float]) -> None:
            print(f"{label:<11} {rate:8.0f}/s  wall {per * wall:6.1f} µs/record"
                  f"  hub {per * used['hub']:5.1f}  postgres {per * used['postgres']:5.1f}"
                  f"  fake {per * used['fake']:5.1f}  other {per * used['other']:5.1f}")

        account.start()
        wall = time.perf_counter()
        seconds = sb.ceiling(app, rows)
        report("ceiling", records / seconds, time.perf_counter() - wall, account.stop())
        sb.truncate(app)
        account.start()
        wall = time.perf_counter()
        first = sb.sync_once(app)
        report("first load", first["records_per_second"], time.perf_counter() - wall,
               account.stop())
        print(f"ratio to the ceiling {first['records_per_second'] / (records / seconds):.3f}")
    finally:
        fake.kill()
        sb.drop_database(name)


if __name__ == "__main__":
    main()
