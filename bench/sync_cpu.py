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

TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int | str) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def postgres_cpu() -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if "postgres" in (entry / "comm").read_text():
                    total += cpu_of(entry.name)
            except OSError:  # the process ended meanwhile
                pass
    return total


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    name = f"hub_bench_sync_cpu_{os.getpid()}"
    url = sb.throwaway_database(name)
    fake, fake_url = sb.start_fake(records)
    try:
        app = sb.build_app(url, HERE / "results" / "instance")
        sb.prepare(app, fake_url)
        rows = sb.prepared_rows(app, fake_url, "binhe")
        hub0, pg0, wall0 = own_cpu(), postgres_cpu(), time.perf_counter()
        seconds = sb.ceiling(app, rows)
        hub1, pg1, wall1 = own_cpu(), postgres_cpu(), time.perf_counter()
        per = 1e6 / records
        print(f"ceiling     {records / seconds:8.0f}/s  wall {per * (wall1 - wall0):6.1f} µs/record"
              f"  hub {per * (hub1 - hub0):5.1f}  postgres {per * (pg1 - pg0):5.1f}")
        sb.truncate(app)
        fake0, hub0, pg0, wall0 = cpu_of(fake.pid), own_cpu(), postgres_cpu(), time.perf_counter()
        first = sb.sync_once(app)
        fake1, hub1, pg1, wall1 = cpu_of(fake.pid), own_cpu(), postgres_cpu(), time.perf_counter()
        print(f"first load  {first['records_per_second']:8.0f}/s  wall {per * (wall1 - wall0):6.1f}"
              f" µs/record  hub {per * (hub1 - hub0):5.1f}  postgres {per * (pg1 - pg0):5.1f}"
              f"  fake {per * (fake1 - fake0):5.1f}")
        print(f"ratio to the ceiling {first['records_per_second'] / (records / seconds):.3f}")
    finally:
        fake.kill()
        sb.drop_database(name)


if __name__ == "__main__":
    main()
