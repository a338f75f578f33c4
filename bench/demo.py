"""Benchmark: how long ``hub demo`` takes to prepare, as a user meets it, and its memory.

Runs ``hub demo --no-serve`` ``--runs`` times, each a fresh process on a fresh demo
folder (the wall time includes starting Python and importing everything), and reports
each run's wall time and the preparation time the demo prints itself, with their
medians and the machine's CPU count and load. Memory: the resident memory of the demo's
whole process tree (the hub and the sample center systems it starts), sampled every
0.1 s, and the largest single process's peak (``ru_maxrss``); the baseline, in the same
run, is ``hub --help`` (Python and the hub's imports, nothing done). Prints one JSON
object and writes it to ``bench/results/demo.json``.
Run: ``.venv/bin/python bench/demo.py --runs 5``.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import descendants, rss_kib

ROOT = Path(__file__).resolve().parent.parent
HUB = str(Path(sys.executable).with_name("hub"))
PRINTED = re.compile(r"准备用时 ([0-9.]+) 秒")


def measured(argv: list[str]) -> tuple[subprocess.CompletedProcess[str], float, int, int]:
    """Run ``argv``; (the result, wall seconds, the peak resident memory of its whole
    process tree in KiB as sampled, the largest process's own peak in KiB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err, text=True)
        tree_peak = 0
        while True:
            finished, status, usage = os.wait4(process.pid, os.WNOHANG)
            if finished:
                process.returncode = os.waitstatus_to_exitcode(status)
                break
            total = 0
            for pid in descendants(process.pid):
                try:
                    total += rss_kib(pid)[0]
                except (FileNotFoundError, ProcessLookupError):
                    continue
            tree_peak = max(tree_peak, total)
            time.sleep(0.1)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(argv, process.returncode, out.read(), err.read())
    # ru_maxrss of the process and the descendants it waited for: the largest one's peak.
    return done, wall, tree_peak, usage.ru_maxrss


def one_run(folder: Path, cases: int, seed: int) -> dict[str, float]:
    done, wall, tree_peak, largest = measured(
        [HUB, "demo", "--no-serve", "--instance", str(folder), "--cases", str(cases),
         "--seed", str(seed)])
    if done.returncode != 0:
        raise SystemExit(f"hub demo failed:\n{done.stdout}\n{done.stderr}")
    found = PRINTED.search(done.stdout)
    return {"wall_seconds": round(wall, 2),
            "printed_seconds": float(found.group(1)) if found else float("nan"),
            "tree_peak_rss_mib": round(tree_peak / 1024, 1),
            "largest_process_peak_rss_mib": round(largest / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    runs = []
    bare, _, _, bare_peak = measured([HUB, "--help"])
    if bare.returncode != 0:
        raise SystemExit(f"hub --help failed: {bare.stderr}")
    with tempfile.TemporaryDirectory(prefix="hub-demo-bench-") as scratch:
        for n in range(args.runs):
            load = os.getloadavg()[0]
            result = one_run(Path(scratch) / f"run{n}", args.cases, args.seed)
            runs.append({**result, "load_1min_before": round(load, 2)})
            print(json.dumps(runs[-1]), file=sys.stderr)
    report = {
        "benchmark": "hub demo --no-serve", "cases": args.cases, "seed": args.seed,
        "cpus": os.cpu_count(), "runs": runs,
        "median_wall_seconds": round(statistics.median(r["wall_seconds"] for r in runs), 2),
        "median_printed_seconds": round(statistics.median(r["printed_seconds"]
                                                          for r in runs), 2),
        "max_wall_seconds": max(r["wall_seconds"] for r in runs),
        "baseline_hub_help_peak_rss_mib": round(bare_peak / 1024, 1),
        "median_tree_peak_rss_mib": round(statistics.median(r["tree_peak_rss_mib"]
                                                            for r in runs), 1),
        "median_largest_process_peak_rss_mib": round(statistics.median(
            r["largest_process_peak_rss_mib"] for r in runs), 1),
    }
    report["largest_process_peak_over_baseline"] = round(
        report["median_largest_process_peak_rss_mib"] / report["baseline_hub_help_peak_rss_mib"], 2)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "demo.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
