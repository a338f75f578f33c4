"""Same-run A/B of the HTTP benchmark: the code at ``--base`` (a git revision) against
the working tree, run alternately (base, new, base, new …) so that both see the same
machine, each pair back to back. Prints JSON and writes ``bench/results/ab.json``.

The base runs from a throwaway git worktree (``/tmp/hub-ab-<rev>``) holding that
revision's ``hub`` with this tree's ``bench/`` scripts copied in, put first on
``PYTHONPATH`` (so gunicorn and ``hub worker`` import it, not the project's editable
install). Each run is ``bench/http_bench.py`` with the arguments given after ``--``.
Run: ``.venv/bin/python bench/ab.py --base 1b550b6 --pairs 2 -- --concurrency 2``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from common import RESULTS, ROOT, machine, write_result


def worktree(revision: str) -> Path:
    sha = subprocess.run(["git", "rev-parse", "--short", revision], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    tree = Path(f"/tmp/hub-ab-{sha}")
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), sha], cwd=ROOT,
                       check=True, capture_output=True)
    for script in (ROOT / "bench").glob("*.py"):
        shutil.copy(script, tree / "bench" / script.name)
    shutil.copytree(ROOT / "bench" / "peers", tree / "bench" / "peers", dirs_exist_ok=True)
    venv = tree / "bench" / ".venv-spiff"
    if not venv.exists():
        venv.symlink_to(ROOT / "bench" / ".venv-spiff")
    return tree


def run(tree: Path, extra: list[str]) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    subprocess.run([sys.executable, str(tree / "bench" / "http_bench.py"), *extra], cwd=tree,
                   env=env, check=True, stdout=subprocess.DEVNULL)
    result = json.loads((tree / "bench" / "results" / "http.json").read_text(encoding="utf-8"))
    loop = result["loops"][0]
    return {"applications_per_second": loop["applications_per_second"],
            "p99_ms": loop["requests"]["p99_ms"],
            "cpu_ms_per_application": loop["cpu_ms_per_application"],
            "spiff_in_memory_per_second": result["spiff_in_memory"]["instances_per_second"],
            "ratio_over_spiff": result["ratio_ours_over_spiff_in_memory"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("extra", nargs="*", help="arguments of http_bench.py (after --)")
    args = parser.parse_args()
    extra = args.extra or ["--concurrency", "2", "--seconds", "10", "--spiff-instances", "500"]
    base = worktree(args.base)
    runs: dict[str, list[dict[str, Any]]] = {"base": [], "new": []}
    for pair in range(args.pairs):
        for side, tree in (("base", base), ("new", ROOT)):
            print(f"pair {pair + 1}: {side} (load {os.getloadavg()[0]:.2f})", file=sys.stderr,
                  flush=True)
            runs[side].append(run(tree, extra))

    def median(side: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[side])

    def cpu(side: str, part: str) -> float:
        return statistics.median(r["cpu_ms_per_application"][part] for r in runs[side])

    parts = ("web", "celery_worker", "postgresql", "rabbitmq", "client", "machine")
    result = {
        "base": args.base, "arguments": extra, "machine": machine(), "runs": runs,
        "median": {side: {"applications_per_second": median(side, "applications_per_second"),
                          "p99_ms": median(side, "p99_ms"),
                          "ratio_over_spiff": median(side, "ratio_over_spiff"),
                          "cpu_ms_per_application": {p: cpu(side, p) for p in parts}}
                   for side in runs},
    }
    result["new_over_base"] = {
        "applications_per_second": round(median("new", "applications_per_second")
                                         / median("base", "applications_per_second"), 2),
        "machine_cpu_per_application": round(cpu("new", "machine") / cpu("base", "machine"), 2)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    write_result("ab", result)


if __name__ == "__main__":
    main()
