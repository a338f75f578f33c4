"""The prometheus-client multiprocess directory, prepared before the library is imported.

prometheus-client decides at import time whether metrics go to per-process files
(``PROMETHEUS_MULTIPROC_DIR`` set) or stay in memory, so the servers that fork
(gunicorn, a prefork Celery worker) set the variable here, first thing, and empty the
directory once at start: files left by an earlier run would be added to this run's
counts. This module imports nothing from prometheus-client on purpose.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_environment(prefix: str = "hub-metrics-") -> str:
    """The multiprocess directory of this server: the one the environment names, else
    a new temporary one (set in the environment, so forked children inherit it)."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        path = tempfile.mkdtemp(prefix=prefix)
        os.environ[MULTIPROC_ENV] = path
    return path


def wipe(path: str) -> None:
    """Empty the directory (creating it if missing)."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
