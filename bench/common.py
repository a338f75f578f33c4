"""What the benchmarks share: throwaway PostgreSQL databases, the benchmark's own
virtualenv (SpiffWorkflow, py-spy), the machine's description, percentiles, and
writing ``bench/results/<name>.json``."""
from __future__ import annotations

import datetime as dt
import http.client
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PEERS_VENV = ROOT / "bench" / ".venv-spiff"
ADMIN_URL = os.environ.get("HUB_BENCH_ADMIN_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BROKER_URL = os.environ.get("HUB_BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def throwaway_database(name: str) -> str:
    """A new empty PostgreSQL database (dropped first if left over); its URL."""
    import sqlalchemy as sa

    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def peers_python() -> Path:
    """The benchmark virtualenv's interpreter (``make bench`` creates it)."""
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"{python} is missing: run `make bench` (it creates the benchmark's "
                         "own virtualenv with SpiffWorkflow 3.2 and py-spy)")
    return python


def spiff(*args: str) -> dict[str, Any]:
    """Run the SpiffWorkflow workload in its own virtualenv; its JSON."""
    done = subprocess.run([str(peers_python()), str(ROOT / "bench" / "peers" /
                                                    "spiff_workload.py"), *args],
                          capture_output=True, text=True, check=True, timeout=600)
    return json.loads(done.stdout)


def py_spy() -> Path | None:
    path = PEERS_VENV / "bin" / "py-spy"
    return path if path.exists() else None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_ms(values: Sequence[float]) -> dict[str, float]:
    """Median, 95th and 99th percentile and the maximum of durations in seconds, in ms."""
    return {"count": len(values),
            "p50_ms": round(percentile(values, 50) * 1000, 2),
            "p95_ms": round(percentile(values, 95) * 1000, 2),
            "p99_ms": round(percentile(values, 99) * 1000, 2),
            "max_ms": round(max(values) * 1000, 2) if values else float("nan")}


def machine(postgresql_url: str | None = None) -> dict[str, Any]:
    """What the figures were measured on, and how busy it was when they were."""
    info: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds"),
        "cpus": len(os.sched_getaffinity(0)),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if postgresql_url:
        import sqlalchemy as sa

        engine = sa.create_engine(postgresql_url)
        with engine.connect() as conn:
            info["postgresql"] = str(conn.execute(sa.text("SHOW server_version")).scalar())
        engine.dispose()
    return info


def write_result(name: str, result: dict[str, Any]) -> str:
    """Print the JSON and keep it in ``bench/results/<name>.json``."""
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    print(text)
    return text


def rss_kib(pid: int) -> tuple[int, int]:
    """(resident now, peak resident) of a process, in KiB, from /proc."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def children(pid: int) -> list[int]:
    """Direct children of a process (gunicorn's workers under its master)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            return [int(p) for p in handle.read().split()]
    except (FileNotFoundError, ProcessLookupError):  # it exited while we looked
        return []


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def pids_named(*names: str) -> list[int]:
    """Processes whose command name (``/proc/<pid>/comm``) is one of ``names``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm", encoding="utf-8") as handle:
                if handle.read().strip() in names:
                    found.append(int(entry))
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    """A process and everything it started, recursively."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children(current))
    return found


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine spent busy since boot (all processes)."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / _TICKS


class CpuAccount:
    """CPU seconds used by groups of processes between ``start`` and ``stop``; the
    groups are functions returning the pids at that moment (workers come and go)."""

    def __init__(self, groups: dict[str, Any]) -> None:
        self.groups = groups
        self._before: dict[str, dict[int, float]] = {}
        self._machine = 0.0
        self.used: dict[str, float] = {}

    def _snapshot(self) -> dict[str, dict[int, float]]:
        return {name: {pid: cpu_seconds(pid) for pid in find()}
                for name, find in self.groups.items()}

    def start(self) -> None:
        self._before = self._snapshot()
        self._machine = machine_busy_seconds()

    def stop(self) -> dict[str, float]:
        after = self._snapshot()
        for name, pids in after.items():
            before = self._before.get(name, {})
            # A process born during the window counts from zero.
            self.used[name] = sum(max(0.0, t - before.get(pid, 0.0)) for pid, t in pids.items())
        self.used["machine"] = machine_busy_seconds() - self._machine
        # Only this window's groups: a reused account still holds the last ``other``.
        self.used["other"] = max(0.0, self.used["machine"] - sum(
            self.used[name] for name in after))
        return self.used


def wait_for_gunicorn(web: subprocess.Popen[Any], port: int, log: Path,
                      booted: Callable[[], bool], timeout: float) -> None:
    """Until gunicorn on ``port`` answers ``GET /healthz`` and ``booted()`` (its workers
    are up); its log in the error if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise SystemExit(f"gunicorn exited: {log.read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200 and booted():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready")
