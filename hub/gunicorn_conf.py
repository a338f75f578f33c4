"""gunicorn settings for the hub: ``gunicorn --config python:hub.gunicorn_conf hub.wsgi:app``.

Workers from the CPUs; graceful timeouts; prometheus-client in multiprocess mode: the
directory is set before any worker imports the library, emptied when the server
starts, and a worker's live gauges are dropped when it exits. Every value can be
overridden with gunicorn's own ``GUNICORN_CMD_ARGS`` or the variables below.
"""
from __future__ import annotations

import os

from monitoring.multiproc import prepare_environment, wipe


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this container may use, not the host's
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


bind = os.environ.get("HUB_BIND", "0.0.0.0:8000")
# I/O-bound (database) requests: a few processes, each with threads.
workers = int(os.environ.get("HUB_WEB_WORKERS", 2 * _cpus() + 1))
worker_class = "gthread"
threads = int(os.environ.get("HUB_WEB_THREADS", 4))
timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 30  # on reload or stop: let requests in flight finish
keepalive = 5
# Workers' heartbeat files in memory: on a container's overlay /tmp a slow disk write can
# make the master think a worker hung and kill it.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Recycle workers now and then (slow leaks), staggered by the jitter. Not too often: a new
# worker imports the whole hub, which costs more CPU than the little memory a worker gains
# over its life is worth (docs/BENCHMARKS.md, "Memory").
max_requests = 20000
max_requests_jitter = 2000
# No access log of gunicorn's: its line carries the request line as sent, query string
# included (a citizen's name, once). The app writes one line per request by route template
# (hub/logs.py) to the same standard error.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Set now, in the master, before the workers import prometheus-client.
metrics_dir = prepare_environment()


def on_starting(server) -> None:  # type: ignore[no-untyped-def]
    # Files of an earlier run would be added to this run's counters.
    wipe(metrics_dir)


def child_exit(server, worker) -> None:  # type: ignore[no-untyped-def]
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
