"""A Celery worker's own metrics port: task runs and durations, served from the worker's
main process.

With the prefork pool, tasks run in child processes: their counts reach the main
process only through prometheus-client's multiprocess files, so
``PROMETHEUS_MULTIPROC_DIR`` must be set before the worker starts (call
``monitoring.multiproc.prepare_environment`` first thing in the command that starts
it, or set it in the service's environment; give each server its own directory).
The directory is wiped when the worker starts and a child's live gauges are dropped
when it exits. Without the variable (solo or threads pool, the embedded default) the
main process's own registry is served.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from celery import Celery, bootsteps, signals
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.exposition import ThreadingWSGIServer

from hub.config import Settings
from monitoring.metrics import (
    WORKER_TASK_DURATION,
    WORKER_TASKS,
    multiprocess_mode,
    scrape_registry,
)
from monitoring.multiproc import MULTIPROC_ENV, wipe

log = logging.getLogger("monitoring.worker")

_started: dict[str, float] = {}  # task id → when it started, in this process


def _scrape_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    if environ.get("PATH_INFO", "/") not in ("/", "/metrics"):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]
    body = generate_latest(scrape_registry())  # a fresh registry for every scrape
    start_response("200 OK", [("Content-Type", CONTENT_TYPE_PLAIN_0_0_4)])
    return [body]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        return


def serve(host: str, port: int) -> Any:
    """Serve ``/metrics`` on ``host:port`` from a daemon thread; returns the server (its
    ``server_address`` is the bound one)."""
    server = make_server(host, port, _scrape_app, ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True)
    thread.start()
    return server


def metrics_port(host: str, port: int) -> type[bootsteps.StartStopStep]:
    """A worker bootstep serving the metrics on ``host:port`` while the worker runs."""

    class MetricsPort(bootsteps.StartStopStep):
        server: Any = None

        def start(self, parent: Any) -> None:
            if not multiprocess_mode():
                log.warning("worker_metrics_single_process: %s is not set; tasks run by a "
                            "prefork pool's children will not be counted", MULTIPROC_ENV)
            self.server = serve(host, port)
            log.info("worker_metrics_listening address=%s:%s", *self.server.server_address)

        def stop(self, parent: Any) -> None:
            if self.server is not None:
                self.server.shutdown()
                self.server.server_close()
                self.server = None

    return MetricsPort


# -- Celery signal handlers -----------------------------------------------------------------


def _on_celeryd_init(**_kwargs: Any) -> None:
    # The worker's main process, before the pool forks: start from an empty directory.
    if multiprocess_mode():
        wipe(os.environ[MULTIPROC_ENV])


def _on_process_shutdown(pid: int | None = None, **_kwargs: Any) -> None:
    if multiprocess_mode():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


def _on_prerun(task_id: str | None = None, **_kwargs: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


def _on_postrun(task_id: str | None = None, task: Any = None, state: str | None = None,
                **_kwargs: Any) -> None:
    name = getattr(task, "name", None) or "unknown"
    started = _started.pop(task_id, None) if task_id else None
    WORKER_TASKS.labels(name, (state or "unknown").lower()).inc()
    if started is not None:
        WORKER_TASK_DURATION.labels(name).observe(time.perf_counter() - started)


def init_celery(celery_app: Celery, settings: Settings) -> None:
    """The metrics of ``celery_app``'s workers: the port its settings name, served by its
    own workers (a bootstep of this app); and the process's task counters (which also
    count eager runs) and multiprocess files, connected once per process."""
    if settings.worker_metrics_port:
        celery_app.steps["worker"].add(
            metrics_port(settings.worker_metrics_host, settings.worker_metrics_port))
    signals.celeryd_init.connect(_on_celeryd_init, weak=False, dispatch_uid="hub-metrics-init")
    signals.worker_process_shutdown.connect(_on_process_shutdown, weak=False,
                                            dispatch_uid="hub-metrics-child-exit")
    signals.task_prerun.connect(_on_prerun, weak=False, dispatch_uid="hub-metrics-prerun")
    signals.task_postrun.connect(_on_postrun, weak=False, dispatch_uid="hub-metrics-postrun")
