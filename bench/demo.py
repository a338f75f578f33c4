"""Benchmark: how long ``hub demo`` takes to prepare, as a user meets it.

Runs ``hub demo --no-serve`` ``--runs`` times, each a fresh process on a fresh demo
folder (the wall time includes starting Python and importing everything), and reports
each run's wall time and the preparation time the demo prints itself, with their
medians and the machine's CPU count and load. Prints one JSON object and writes it to
``bench/results/demo.json``. Run: ``.venv/bin/python bench/demo.py --runs 5``.
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

ROOT = Path(__file__).resolve().parent.parent
HUB = str(Path(sys.executable).with_name("hub"))
PRINTED = re.compile(r"准备用时 ([0-9.]+) 秒")


def one_run(folder: Path, cases: int, seed: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    started = time.perf_counter()
    done = subprocess.run([HUB, "demo", "--no-serve", "--instance", str(folder),
                           "--cases", str(cases), "--seed", str(seed)],
                          env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"hub demo failed:\n{done.stdout}\n{done.stderr}")
    found = PRINTED.search(done.stdout)
    return {"wall_seconds": round(wall, 2),
            "printed_seconds": float(found.group(1)) if found else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    runs = []
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
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "demo.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
