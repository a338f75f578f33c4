"""Run every benchmark of issue 9 in turn and print the table of figures, each with the
baseline measured in the same run and the ratio (``make bench``).

Each benchmark is its own process and writes its own ``bench/results/<name>.json``;
this script reads them back and writes ``bench/results/summary.json``. With the
defaults the whole run takes about ten minutes on the project's 2-core machine; it
stops with an error past ``--budget`` seconds (15 minutes).
Run: ``.venv/bin/python bench/run_all.py [--quick] [--only engine,http,...]``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from common import RESULTS, ROOT, machine

PYTHON = sys.executable

# name → (arguments, quick arguments)
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "engine": (["bench/engine_bench.py", "--instances", "2000"],
               ["bench/engine_bench.py", "--instances", "300"]),
    "http": (["bench/http_bench.py", "--concurrency", "2,4,8", "--seconds", "15", "--profile"],
             ["bench/http_bench.py", "--concurrency", "4", "--seconds", "5",
              "--spiff-instances", "300"]),
    "sync": (["bench/sync_bench.py", "--records", "200000", "--merge-sample", "3000"],
             ["bench/sync_bench.py", "--records", "20000", "--merge-sample", "1000"]),
    "supervision": (["bench/supervision_bench.py", "--sizes", "10000,100000,1000000",
                     "--runs", "30"],
                    ["bench/supervision_bench.py", "--sizes", "10000,100000", "--runs", "5"]),
    "demo": (["bench/demo.py", "--runs", "3"], ["bench/demo.py", "--runs", "1"]),
    "citizen": (["bench/citizen_bench.py", "--concurrency", "4", "--seconds", "10"],
                ["bench/citizen_bench.py", "--concurrency", "4", "--seconds", "3",
                 "--baseline-seconds", "1", "--warmup-seconds", "1", "--rating-pool", "300"]),
}


def _engine(r: dict[str, Any]) -> list[dict[str, Any]]:
    spiff = r["spiff"]["load_decide_save"]["median_ms_per_decision"] * 1000
    ours = r["ours"]["median_us_per_decision"]
    return [{"figure": "routing decision, our engine (µs, median)", "value": ours,
             "baseline": "SpiffWorkflow load-decide-save (µs)", "baseline_value": round(spiff, 1),
             "ratio": r["ratios"]["spiff_load_decide_save_over_our_decide"], "target": "≥ 50×",
             "met": r["targets_met"]["decide_at_least_50x_faster_than_spiff_load_decide_save"]}]


def _http(r: dict[str, Any]) -> list[dict[str, Any]]:
    best = r["best_within_p99_100ms"]
    spiff = r["spiff_in_memory"]["instances_per_second"]
    ceiling_cpu = r["stack_ceiling_healthz"]["cpu_ms_per_request"]["machine"]
    rows = [{"figure": f"complete applications/s over HTTP + PostgreSQL "
                       f"(concurrency {best['concurrency']}, p99 {best['p99_ms']} ms)",
             "value": best["applications_per_second"],
             "baseline": "SpiffWorkflow instances/s in memory", "baseline_value": spiff,
             "ratio": r["ratio_ours_over_spiff_in_memory"], "target": "≥ 1 at p99 < 100 ms",
             "met": r["targets_met"]["at_least_spiff_rate"]
             and r["targets_met"]["p99_under_100ms_at_that_rate"]},
            {"figure": "issue 23: the same, as a share of SpiffWorkflow's in-memory rate",
             "value": r["ratio_ours_over_spiff_in_memory"], "baseline": "-",
             "baseline_value": None, "ratio": None, "target": "≥ 0.12",
             "met": r["ratio_ours_over_spiff_in_memory"] >= 0.12
             and best["p99_ms"] < 100},
            {"figure": "issue 23: machine CPU per complete application (ms, all processes)",
             "value": best["cpu_ms_per_application"]["machine"],
             "baseline": "GET /healthz ×5, machine CPU (ms)",
             "baseline_value": round(5 * ceiling_cpu, 2),
             "ratio": round(best["cpu_ms_per_application"]["machine"] / (5 * ceiling_cpu), 1),
             "target": "≤ 25 ms", "met": best["cpu_ms_per_application"]["machine"] <= 25},
            {"figure": "the same stack's ceiling: GET /healthz as applications/s (÷5)",
             "value": r["stack_ceiling_healthz"]["as_applications_per_second"],
             "baseline": "SpiffWorkflow instances/s in memory", "baseline_value": spiff,
             "ratio": r["ratio_stack_ceiling_over_spiff_in_memory"], "target": "-",
             "met": None}]
    memory = r["memory"]
    rows.append({"figure": "web worker resident memory under load (MiB, peak)",
                 "value": memory["web_worker_peak_under_load_mib"],
                 "baseline": "the same worker idle after start (MiB)",
                 "baseline_value": memory["web_worker_idle_mib"],
                 "ratio": memory["peak_over_idle"], "target": "-", "met": None})
    return rows


def _sync(r: dict[str, Any]) -> list[dict[str, Any]]:
    first = r["first_load"]["records_per_second"]
    return [{"figure": f"sync first load, records/s ({r['records']:,} records)", "value": first,
             "baseline": "COPY + upsert ceiling, records/s",
             "baseline_value": r["ceiling_copy_staging_upsert"]["records_per_second"],
             "ratio": r["ratios"]["first_load_vs_ceiling"], "target": "≥ 0.5",
             "met": r["targets_met"]["first_load_at_least_half_the_ceiling"]},
            {"figure": "sync first load, records/s", "value": first,
             "baseline": "session.merge per row, records/s",
             "baseline_value": r["merge_baseline"]["records_per_second"],
             "ratio": r["ratios"]["first_load_vs_merge"], "target": "≥ 10×",
             "met": r["targets_met"]["first_load_at_least_10x_merge"]},
            {"figure": "sync full re-read, all unchanged, records/s",
             "value": r["full_reread_all_unchanged"]["records_per_second"],
             "baseline": "first load, records/s", "baseline_value": first,
             "ratio": r["ratios"]["full_reread_vs_first_load"], "target": "≥ 2×",
             "met": r["targets_met"]["reread_at_least_2x_first_load"]}]


def _supervision(r: dict[str, Any]) -> list[dict[str, Any]]:
    first, last = r["steps"][0], r["steps"][-1]
    rows = []
    for name, label, limit in (("metrics", "GET /metrics", 100),
                               ("centers_year", "the year's supervision/centers", 500)):
        rows.append({"figure": f"{label} at {last['applications']:,} applications (ms, median)",
                     "value": last["endpoints"][name]["median_ms"],
                     "baseline": f"the same at {first['applications']:,} (ms)",
                     "baseline_value": first["endpoints"][name]["median_ms"],
                     "ratio": r["growth_largest_over_smallest"][name],
                     "target": f"< {limit} ms, flat",
                     "met": last["endpoints"][name]["median_ms"] < limit})
    return rows


def _demo(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"figure": "hub demo --no-serve peak resident memory (MiB, largest process)",
             "value": r["median_largest_process_peak_rss_mib"],
             "baseline": "hub --help (MiB)", "baseline_value": r["baseline_hub_help_peak_rss_mib"],
             "ratio": r["largest_process_peak_over_baseline"], "target": "-", "met": None},
            {"figure": "hub demo --no-serve wall time (s, median)",
             "value": r["median_wall_seconds"], "baseline": "-", "baseline_value": None,
             "ratio": None, "target": "< 60 s", "met": r["median_wall_seconds"] < 60}]


def _citizen(r: dict[str, Any]) -> list[dict[str, Any]]:
    # value ÷ baseline = ratio, as in the other rows: requests/s against /healthz's.
    units = {"tickets": "complete tickets", "ratings": "ratings", "appointments": "appointments"}
    rows = []
    for name, path in r["paths"].items():
        rows.append({"figure": f"{name} req/s ({path['units_per_second']} {units[name]}/s, "
                               f"p99 {path['requests']['p99_ms']} ms)",
                     "value": path["requests_per_second"],
                     "baseline": "GET /healthz req/s, same stack, around it",
                     "baseline_value": path["baseline_healthz"]["requests_per_second"],
                     "ratio": path["ratio_requests_per_second_over_healthz"], "target": "-",
                     "met": None})
    return rows


ROWS: dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {
    "engine": _engine, "http": _http, "sync": _sync, "supervision": _supervision, "demo": _demo,
    "citizen": _citizen}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", default=",".join(BENCHMARKS))
    parser.add_argument("--budget", type=float, default=15 * 60)
    args = parser.parse_args()
    started = time.monotonic()
    summary: dict[str, Any] = {"machine": machine(), "benchmarks": {}, "table": []}
    for name in args.only.split(","):
        full, quick = BENCHMARKS[name]
        argv = [PYTHON, *(quick if args.quick else full)]
        print(f"== {name}: {' '.join(argv[1:])}  (load {os.getloadavg()[0]:.2f})",
              file=sys.stderr, flush=True)
        begun = time.monotonic()
        done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, text=True)
        took = round(time.monotonic() - begun, 1)
        if done.returncode != 0:
            raise SystemExit(f"benchmark {name} failed (exit {done.returncode})")
        result = json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))
        summary["benchmarks"][name] = {"seconds": took, "argv": argv[1:]}
        summary["table"] += [{"benchmark": name, **row} for row in ROWS[name](result)]
        if time.monotonic() - started > args.budget:
            raise SystemExit(f"over the budget of {args.budget:.0f} s after {name}")
    summary["total_seconds"] = round(time.monotonic() - started, 1)
    summary["load_average_after"] = machine()["load_average"]
    (RESULTS / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{'figure':<78} {'value':>10} {'baseline':>10} {'ratio':>8}  target   met")
    for row in summary["table"]:
        met = {True: "yes", False: "NO", None: ""}[row["met"]]
        ratio = "" if row["ratio"] is None else row["ratio"]
        base = "" if row["baseline_value"] is None else row["baseline_value"]
        print(f"{row['figure'][:78]:<78} {row['value']:>10} {base:>10} {ratio:>8}  "
              f"{row['target']:<8} {met}")
    print(f"total {summary['total_seconds']} s")


if __name__ == "__main__":
    main()
