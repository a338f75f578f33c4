"""The figures of the proof: each scenario records what it injected and what it counted
in ``test-output/proof/<scenario>.json``; docs/RELIABILITY.md quotes them."""
from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path
from typing import Any


class Figures:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def write(self, scenario: str, **figures: Any) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{scenario}.json"
        body = {"scenario": scenario, "at": dt.datetime.now(dt.timezone.utc).isoformat(),
                "machine": {"cpus": _cpus(), "python": platform.python_version()}, **figures}
        path.write_text(json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n",
                        encoding="utf-8")
        return path


def _cpus() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
