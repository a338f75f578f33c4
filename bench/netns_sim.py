"""Simulation: two web hosts and two workers in network namespaces of this machine against
one PostgreSQL and one RabbitMQ; a host's link cut mid-load; nothing lost, exactly once.

Each host is a network namespace (``hubsim-a``, ``hubsim-b``) with only its loopback up.
Inside it run gunicorn (``hub/gunicorn_conf.py``, as ``bench/http_bench.py``'s ``Servers``
starts it) and one ``hub worker``; they reach PostgreSQL and RabbitMQ at 127.0.0.1:5432
and 127.0.0.1:5672 *inside the namespace*, where the host's link listens. The link is
socat pairs through unix sockets in a per-host folder (the filesystem crosses namespaces,
the network does not): namespace 127.0.0.1:5432 → ``db.sock`` → root 127.0.0.1:5432, the
same for the broker, and root 127.0.0.1:<port> → ``web.sock`` → the namespace's gunicorn.
Only 127.0.0.1 and unix sockets are used. Each channel of a link (DB, broker, web) is one
process group holding both its ends: cutting the link kills the groups (every connection
through it drops at once, DB, broker and HTTP; new ones are refused on both sides);
restoring it starts them again, the web channel last. ``--cut-channels db`` cuts only the
host's way to PostgreSQL (a partial partition, e.g. a database failover).

Phases: (1) host A alone, a closed loop of complete applications (``bench/netns_client``:
a submission with an ``Idempotency-Key``, then the four approvals); (2) both hosts, the
same windows spread over the two web ports; (3) both hosts, host A's link cut a third of
the way in for ``--cut-seconds``, then restored, the client retrying as a real client
does. Then the outbox is drained and the database is checked: every submission the client
was answered for exists exactly once, every application it completed is approved with its
four approvals, no key made two cases, every outbox row was delivered, one notification
per ``approvals.notify`` message, the audit chains verify.

Needs root (``ip netns``) and socat. Prints JSON, writes ``bench/results/netns.json``
(``netns_<channels>.json`` for a partial cut), the servers' logs beside it.
Run: ``.venv/bin/python bench/netns_sim.py [--seconds 15] [--windows 4] [--cut-seconds 5]
[--cut-channels db,broker,web]``
(wrapped in ``flock /tmp/bench.lock`` on a shared machine).
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from common import (
    RESULTS,
    ROOT,
    CpuAccount,
    descendants,
    drop_database,
    latency_ms,
    machine,
    pids_named,
    throwaway_database,
    write_result,
)
from http_bench import BIN, Servers, free_port, prepare, rabbit_vhost, server_env
from http_load import DEPARTMENTS
from netns_client import PROBE_SECONDS, Ledger, run_windows

NAME = "hub_bench_netns"
NAMESPACES = {"a": "hubsim-a", "b": "hubsim-b"}
INNER_WEB_PORT = 8000  # gunicorn's port inside each namespace (each has its own loopback)
RECONCILE_EVERY = 5.0  # seconds: the drain's stand-in for beat's once-a-minute reconcile


# -- Namespaces and links ---------------------------------------------------------------------


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def require_netns() -> None:
    """Exit with the reason when this machine does not let us make namespaces."""
    if os.geteuid() != 0:
        raise SystemExit("bench/netns_sim.py needs root: it creates network namespaces "
                         "(ip netns add). Run it as root.")
    for tool in ("ip", "socat"):
        if shutil.which(tool) is None:
            raise SystemExit(f"bench/netns_sim.py needs `{tool}` on the PATH")
    probe = "hubsim-probe"
    _ip("netns", "del", probe, check=False)
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        raise SystemExit(f"`ip netns` is not permitted here ({made.stderr.strip()}): "
                         "the simulation needs network namespaces")
    _ip("netns", "del", probe, check=False)


def remove_namespace(name: str) -> None:
    """Delete the namespace, first ending what still runs in it (only our own processes
    run in a ``hubsim-*`` namespace: a run of this script killed before its cleanup)."""
    if name not in _ip("netns", "list", check=False).stdout.split():
        return
    for pid in _ip("netns", "pids", name, check=False).stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    _ip("netns", "del", name, check=False)


def add_namespace(name: str) -> None:
    remove_namespace(name)
    _ip("netns", "add", name)
    _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")


def _loopback_target(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url.replace("postgresql+psycopg", "postgresql"))
    host = parts.hostname or ""
    if host != "127.0.0.1":
        raise SystemExit(f"the simulation forwards only to 127.0.0.1, not {host or 'a unix socket'}"
                         f" ({url.split('@')[-1]})")
    return host, parts.port or default_port


CHANNELS = ("db", "broker", "web")


class Link:
    """A host's network link: socat pairs through unix sockets in ``folder``. Each channel
    (database, broker, web) is one process group holding both its ends, so that killing
    the groups is a pulled cable; ``only`` cuts some channels (a partial partition)."""

    def __init__(self, namespace: str, folder: Path, web_port: int, database: tuple[str, int],
                 broker: tuple[str, int]) -> None:
        self.namespace, self.folder, self.web_port = namespace, folder, web_port
        self.database, self.broker = database, broker
        self.groups: dict[str, subprocess.Popen[bytes]] = {}

    def _script(self, channel: str) -> str:
        d = shlex.quote(str(self.folder))
        inside = f"ip netns exec {shlex.quote(self.namespace)} socat"
        # (root side, namespace side) of each channel
        ends = {
            "db": (f"socat UNIX-LISTEN:{d}/db.sock,fork,unlink-early "
                   f"TCP:{self.database[0]}:{self.database[1]},nodelay",
                   f"{inside} TCP-LISTEN:5432,bind=127.0.0.1,reuseaddr,fork,nodelay "
                   f"UNIX-CONNECT:{d}/db.sock"),
            "broker": (f"socat UNIX-LISTEN:{d}/amqp.sock,fork,unlink-early "
                       f"TCP:{self.broker[0]}:{self.broker[1]},nodelay",
                       f"{inside} TCP-LISTEN:5672,bind=127.0.0.1,reuseaddr,fork,nodelay "
                       f"UNIX-CONNECT:{d}/amqp.sock"),
            "web": (f"socat TCP-LISTEN:{self.web_port},bind=127.0.0.1,reuseaddr,fork,nodelay "
                    f"UNIX-CONNECT:{d}/web.sock",
                    f"{inside} UNIX-LISTEN:{d}/web.sock,fork,unlink-early "
                    f"TCP:127.0.0.1:{INNER_WEB_PORT},nodelay"),
        }[channel]
        return " & ".join(ends) + " & wait"

    def up(self, only: tuple[str, ...] = CHANNELS, timeout: float = 10) -> None:
        """Start the channels; the web one last, once the host can reach its services:
        a cable comes back whole, a request must not find the web up and the DB not yet."""
        for group in (("db", "broker"), ("web",)):
            for channel in (c for c in group if c in only):
                with (self.folder / "link.log").open("a") as log:
                    self.groups[channel] = subprocess.Popen(
                        ["sh", "-c", self._script(channel)], stdout=log,
                        stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + timeout
            while not all(self._listening(c) for c in group if c in only):
                if any(self.groups[c].poll() is not None for c in group if c in only) \
                        or time.monotonic() > deadline:
                    raise SystemExit(f"the link of {self.namespace} did not come up: "
                                     f"{(self.folder / 'link.log').read_text()[-2000:]}")
                time.sleep(0.02)

    def _listening(self, channel: str) -> bool:
        """Both ends of the channel listen (the socket file alone may be a killed run's)."""
        def listens(port: int, inside: bool) -> bool:
            command = ["ss", "-Hltn", f"sport = :{port}"]
            if inside:
                command = ["ip", "netns", "exec", self.namespace, *command]
            return f"127.0.0.1:{port} " in subprocess.run(command, capture_output=True,
                                                          text=True).stdout

        def unix(name: str, inside: bool) -> bool:
            command = ["ss", "-Hlx"]  # unix sockets are listed by the listener's namespace
            if inside:
                command = ["ip", "netns", "exec", self.namespace, *command]
            return f"{self.folder / name} " in subprocess.run(command, capture_output=True,
                                                             text=True).stdout

        if channel == "db":
            return unix("db.sock", False) and listens(5432, True)
        if channel == "broker":
            return unix("amqp.sock", False) and listens(5672, True)
        return unix("web.sock", True) and listens(self.web_port, False)

    def cut(self, only: tuple[str, ...] = CHANNELS) -> None:
        """Pull the cable (or some of its channels): every process of each at once."""
        for channel in only:
            process = self.groups.pop(channel, None)
            if process is not None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()

    def pids(self) -> list[int]:
        return [p for process in self.groups.values() for p in descendants(process.pid)]


class Host(Servers):
    """gunicorn (two workers) and one ``hub worker`` inside a namespace: the processes and
    environment of ``Servers``, started through ``ip netns exec``; ``port`` is the root
    side of the link, where ``wait_ready`` and the client find the host."""

    def __init__(self, namespace: str, url: str, broker: str, port: int, logs: Path,
                 workers: int) -> None:  # pylint: disable=super-init-not-called
        logs.mkdir(parents=True, exist_ok=True)
        env = server_env(url, broker, INNER_WEB_PORT, logs, workers)
        inside = ["ip", "netns", "exec", namespace]  # it execs: the pid is the server's own
        self.namespace, self.port, self.logs, self.env = namespace, port, logs, env
        self.web = subprocess.Popen(
            [*inside, str(BIN / "gunicorn"), "--config", "python:hub.gunicorn_conf",
             "hub.wsgi:app"],
            cwd=ROOT, env=env, stdout=(logs / "gunicorn.out").open("w"),
            stderr=subprocess.STDOUT, start_new_session=True)
        self.worker = subprocess.Popen(
            [*inside, str(BIN / "hub"), "worker", "--queues", "default", "--concurrency", "2",
             "--loglevel", "WARNING", "--hostname", f"default@{namespace}"],
            cwd=ROOT, env=env, stdout=(logs / "worker.out").open("w"), stderr=subprocess.STDOUT,
            start_new_session=True)


# -- Phases -----------------------------------------------------------------------------------


def cpu_account(hosts: dict[str, Host], links: dict[str, Link]) -> CpuAccount:
    """CPU per group: each host's web and worker, the links (the simulation's own cost),
    PostgreSQL, RabbitMQ, this client."""
    def tree(name: str, role: str) -> Callable[[], list[int]]:
        # A host started later joins its group then (the dict is read at each snapshot).
        return lambda: descendants(getattr(hosts[name], role).pid) if name in hosts else []

    groups: dict[str, Callable[[], list[int]]] = {}
    for name in NAMESPACES:
        groups[f"web_{name}"] = tree(name, "web")
        groups[f"worker_{name}"] = tree(name, "worker")
    groups["links"] = lambda: [p for link in links.values() for p in link.pids()]
    groups["postgresql"] = lambda: pids_named("postgres")
    groups["rabbitmq"] = lambda: pids_named("beam.smp")
    groups["client"] = lambda: [os.getpid()]
    return CpuAccount(groups)


def irq_seconds() -> float:
    """CPU seconds every core spent in hard and soft interrupts since boot."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = handle.readline().split()[1:]
    return (int(fields[5]) + int(fields[6])) / os.sysconf("SC_CLK_TCK")


def run_phase(phase: str, ports: dict[str, int], windows: int, seconds: float,
              cast: dict[str, Any], ledger: Ledger,
              accounting: Callable[[], CpuAccount] | None = None,
              during: Callable[[float], dict[str, Any]] | None = None) -> dict[str, Any]:
    """A closed loop of ``windows`` windows over ``ports`` (host → web port); its figures."""
    account = accounting() if accounting is not None else None  # one per loop: it keeps state
    irq_before = irq_seconds()
    if account is not None:
        account.start()
    team, started = run_windows(phase, list(ports.values()), windows, seconds, cast, ledger)
    extra = during(started) if during is not None else {}
    for window in team:
        window.join()
    elapsed = time.monotonic() - started
    cpu = account.stop() if account is not None else {}
    if cpu:
        # The kernel's interrupt work (loopback TCP is delivered in softirq, and the links
        # double the TCP hops) is machine time no process is charged for: shown apart.
        cpu["kernel_irq_softirq"] = irq_seconds() - irq_before
        cpu["other"] = max(0.0, cpu["other"] - cpu["kernel_irq_softirq"])
    requests = [r for r in ledger.requests if r[0] == phase]
    done = [c for c in ledger.completed if c[0] == phase]
    host_of = {port: host for host, port in ports.items()}
    return {
        "phase": phase, "hosts": sorted(ports), "windows": windows, "seconds": round(elapsed, 2),
        "started": started, "applications": len(done),
        "applications_per_second": round(len(done) / elapsed, 1),
        "requests_per_second": round(len(requests) / elapsed, 1),
        "requests": latency_ms([r[4] for r in requests]),
        "application_end_to_end": latency_ms([c[3] for c in done]),
        "answers_by_host": dict(collections.Counter(host_of[r[2]] for r in requests)),
        "statuses": dict(collections.Counter(r[5] for r in requests)),
        "unanswered_requests": sum(1 for f in ledger.failures if f["phase"] == phase),
        "unexpected_answers": [u for u in ledger.unexpected if u["phase"] == phase][:5],
        "abandoned_applications": sum(1 for a in ledger.abandoned if a["phase"] == phase),
        "client_retries": ledger.phase_counts(phase),
        "cpu_ms_per_application": {name: round(used / max(1, len(done)) * 1000, 1)
                                   for name, used in cpu.items()},
        "cpu_cores_busy": {name: round(used / elapsed, 2) for name, used in cpu.items()},
        **extra,
    }


def cut_figures(ledger: Ledger, phase: dict[str, Any], ports: dict[str, int],
                cut: dict[str, Any]) -> dict[str, Any]:
    """What the client saw around the cut: rates before, during and after, on each host;
    what it had to retry; when host A answered again."""
    name, started = phase["phase"], phase["started"]
    cut_at, restored_at = cut["cut_at"], cut["restored_at"]
    ended = started + phase["seconds"]
    requests = [r for r in ledger.requests if r[0] == name]
    failures = [f for f in ledger.failures if f["phase"] == name]
    done = [c for c in ledger.completed if c[0] == name]
    windows = {"before": (started, cut_at), "during": (cut_at, restored_at),
               "after": (restored_at, ended)}

    def rate(lo: float, hi: float, port: int | None = None) -> float:
        n = sum(1 for r in requests if lo <= r[3] + r[4] < hi and r[5] < 300
                and (port is None or r[2] == port))
        return round(n / max(1e-9, hi - lo), 1)

    by_window = {}
    for label, (lo, hi) in windows.items():
        by_window[label] = {
            "seconds": round(hi - lo, 2),
            "applications_per_second": round(sum(1 for c in done if lo <= c[2] < hi)
                                             / max(1e-9, hi - lo), 1),
            "answers_per_second": {"all": rate(lo, hi), "a": rate(lo, hi, ports["a"]),
                                   "b": rate(lo, hi, ports["b"])}}
    back = [r[3] + r[4] for r in requests if r[2] == ports["a"] and r[3] >= restored_at
            and r[5] < 300]
    timeline = []
    for second in range(int(phase["seconds"]) + 1):
        lo, hi = started + second, started + second + 1
        timeline.append({"t": second, "applications": sum(1 for c in done if lo <= c[2] < hi),
                         "answers_a": sum(1 for r in requests if lo <= r[3] < hi
                                          and r[2] == ports["a"]),
                         "answers_b": sum(1 for r in requests if lo <= r[3] < hi
                                          and r[2] == ports["b"]),
                         "unanswered": sum(1 for f in failures if lo <= f["at"] < hi)})
    return {
        "cut_after_seconds": round(cut_at - started, 2),
        "cut_for_seconds": round(restored_at - cut_at, 2),
        "link_restored_in_ms": round(cut["restore_took"] * 1000, 1),
        "rates": by_window,
        "host_a_answered_again_after_seconds": round(min(back) - restored_at, 2) if back
        else None,
        "unanswered_requests": {
            "total": len(failures),
            "dropped_mid_request": sum(1 for f in failures if not f["refused"]),
            "refused": sum(1 for f in failures if f["refused"]),
            "by_host": dict(collections.Counter("a" if f["port"] == ports["a"] else "b"
                                                for f in failures)),
            "by_request": dict(collections.Counter(f["kind"] for f in failures)),
            "by_error": dict(collections.Counter(f["error"] for f in failures))},
        "client_retries": ledger.phase_counts(name),
        "answered_503": [{"request": r[1], "host": "a" if r[2] == ports["a"] else "b",
                          "sent_seconds_after_cut": round(r[3] - cut_at, 3)}
                         for r in requests if r[5] == 503],
        "probe_interval_seconds": PROBE_SECONDS,
        "timeline_per_second": timeline,
    }


# -- Drain and checks -------------------------------------------------------------------------


def checker_app(url: str, broker: str, folder: Path) -> Any:
    """The hub in this process, on the root namespace's loopback: the database for the
    checks, the broker for the reconciler's kick and the queue depth."""
    from hub.app import create_app

    return create_app({"env": "test", "database_url": url, "broker_url": broker,
                       "instance_path": str(folder), "secret_key": "bench", "pii_key": "bench",
                       "audit_key": "bench", "log_level": "WARNING",
                       "centers_config": str(ROOT / "adapters" / "centers.toml")})


def queue_depth(app: Any, name: str) -> int:
    """Ready messages in a queue (a passive declare of the hub's quorum queue)."""
    from kombu import Connection

    from hub.celery import quorum_queue

    settings = app.config["HUB_SETTINGS"]
    with Connection(settings.broker_url) as connection:
        return quorum_queue(name, settings)(connection.default_channel).queue_declare(
            passive=True)[1]


def outbox_state(session: Any) -> dict[str, int]:
    from sqlalchemy import String, cast, func, select

    from hub.outbox.models import OutboxMessage, ProcessedMessage

    statuses = dict(session.execute(select(OutboxMessage.status, func.count())
                                    .group_by(OutboxMessage.status)).all())
    # Sent but not yet handled by its consumer (the relay's publish is not the effect).
    unhandled = session.scalar(
        select(func.count()).select_from(OutboxMessage)
        .outerjoin(ProcessedMessage, (ProcessedMessage.consumer == OutboxMessage.topic)
                   & (ProcessedMessage.message_id == cast(OutboxMessage.id, String)))
        .where(ProcessedMessage.id.is_(None)))
    return {"pending": statuses.get("pending", 0), "sent": statuses.get("sent", 0),
            "failed": statuses.get("failed", 0), "unhandled": unhandled}


def drain(app: Any, timeout: float) -> dict[str, Any]:
    """Wait until every outbox row is sent and handled and the queue is empty. Rows a
    cut relay had claimed stay leased (60 s, ``hub.outbox.services.LEASE``) until a relay
    runs after that: beat's ``outbox.reconcile`` every minute in production, sent here
    every ``RECONCILE_EVERY`` seconds so that the run stays short."""
    from hub import db

    celery_app = app.extensions["celery"]
    database = db.get_database(app)
    started = time.monotonic()
    with database.session_scope() as session:
        at_load_end = outbox_state(session)
    kicks, last_kick = 0, float("-inf")
    while True:
        with database.session_scope() as session:
            state = outbox_state(session)
        depth = queue_depth(app, "default")
        if state["pending"] == 0 and state["unhandled"] == state["failed"] and depth == 0:
            break
        if time.monotonic() - started > timeout:
            break
        if time.monotonic() - last_kick >= RECONCILE_EVERY:
            celery_app.send_task("outbox.reconcile")
            kicks, last_kick = kicks + 1, time.monotonic()
        time.sleep(0.5)
    return {"seconds": round(time.monotonic() - started, 1), "timed_out":
            time.monotonic() - started > timeout, "at_load_end": at_load_end,
            "after": {**state, "queue_default_ready": depth},
            "reconcile_kicks": kicks}


def check(ok: bool, **numbers: Any) -> dict[str, Any]:
    return {"ok": bool(ok), **numbers}


def exactly_once(app: Any, ledger: Ledger, hosts: dict[str, Host], vhost: str) -> dict[str, Any]:
    """Every claim of the client against the database, with its numbers."""
    from sqlalchemy import func, select

    from hub import db
    from hub.approvals.models import Application, ApprovalTask, IdempotencyRecord, Notification
    from hub.audit.models import AuditRecord
    from hub.outbox.models import OutboxMessage, ProcessedMessage

    results: dict[str, Any] = {}
    with db.get_database(app).session_scope() as s:
        records = collections.defaultdict(list)
        for center, key, app_id in s.execute(select(
                IdempotencyRecord.center_code, IdempotencyRecord.key,
                IdempotencyRecord.application_id).where(IdempotencyRecord.scope == "application")):
            records[(center, key)].append(str(app_id))
        answered = {k: v for k, v in ledger.submitted.items() if v["application_id"]}
        unanswered = {k: v for k, v in ledger.submitted.items() if not v["application_id"]}
        once = sum(1 for k, v in answered.items()
                   if records.get((v["center"], k)) == [v["application_id"]])
        retried = [k for k, v in answered.items() if v["attempts"] > 1]
        results["answered_submissions_exist_once"] = check(
            once == len(answered), keys_answered=len(answered),
            found_once_with_the_answered_case=once,
            missing_or_other_case=len(answered) - once,
            of_which_retried_with_the_same_key=len(retried),
            retried_found_once=sum(1 for k in retried if records.get(
                (answered[k]["center"], k)) == [answered[k]["application_id"]]),
            answered_as_replay=sum(1 for v in answered.values() if v["replayed"]))
        in_doubt = {k: len(records.get((v["center"], k), [])) for k, v in unanswered.items()}
        applications = s.scalar(select(func.count()).select_from(Application))
        results["no_case_nobody_was_told_about"] = check(
            applications == len(answered) + sum(in_doubt.values()),
            applications_in_database=applications, keys_answered=len(answered),
            keys_never_answered=len(unanswered),
            never_answered_but_stored=sum(in_doubt.values()))
        duplicate_keys = s.scalar(select(func.count()).select_from(
            select(IdempotencyRecord.center_code, IdempotencyRecord.key)
            .group_by(IdempotencyRecord.scope, IdempotencyRecord.center_code,
                      IdempotencyRecord.key).having(func.count() > 1).subquery()))
        keyless = s.scalar(select(func.count()).select_from(Application).where(
            Application.id.not_in(select(IdempotencyRecord.application_id).where(
                IdempotencyRecord.application_id.is_not(None)))))
        results["no_duplicate_application_per_key"] = check(
            duplicate_keys == 0 and keyless == 0, keys_with_two_or_more=duplicate_keys,
            applications_without_their_key=keyless,
            idempotency_records=sum(len(v) for v in records.values()))

        completed = {c[1] for c in ledger.completed}
        apps = {str(a.id): a for a in s.scalars(select(Application))}
        tasks = collections.defaultdict(list)
        for t in s.scalars(select(ApprovalTask)):
            tasks[str(t.application_id)].append(t)
        actions = collections.Counter(s.execute(
            select(AuditRecord.target_id, AuditRecord.action)).all())
        expected_actions = {"application.submitted": 1, "task.approved": 4,
                            "application.stage_opened": 1, "application.approved": 1}
        final = [a for a in completed if a in apps and apps[a].status == "approved"
                 and apps[a].result_number and apps[a].concluded_at is not None]
        four = [a for a in completed
                if sorted(t.department_code for t in tasks[a]) == sorted(DEPARTMENTS)
                and all(t.status == "approved" for t in tasks[a])]
        audited = [a for a in completed
                   if all(actions[(a, k)] == n for k, n in expected_actions.items())]
        not_completed = collections.Counter(a.status for i, a in apps.items()
                                            if i not in completed)
        results["completed_applications_final"] = check(
            len(final) == len(four) == len(audited) == len(completed),
            completed_by_client=len(completed), approved_with_result_number=len(final),
            with_exactly_four_approved_tasks=len(four),
            audited_once_each_step=len(audited),
            in_database_not_completed_by_client=dict(not_completed))

        statuses = dict(s.execute(select(OutboxMessage.status, func.count())
                                  .group_by(OutboxMessage.status)).all())
        redriven = s.scalar(select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.attempts > 1))
        topics = dict(s.execute(select(OutboxMessage.topic, func.count())
                                .group_by(OutboxMessage.topic)).all())
        # Delivered means handled: a row the relay marked sent whose message was then
        # dropped (no consumer claim) is lost all the same.
        unhandled = outbox_state(s)["unhandled"]
        results["every_outbox_row_delivered"] = check(
            set(statuses) <= {"sent"} and unhandled == 0, by_status=statuses, by_topic=topics,
            sent_but_never_handled=unhandled, claimed_by_a_relay_more_than_once=redriven)

        notify_ids = {str(i) for i in s.scalars(select(OutboxMessage.id).where(
            OutboxMessage.topic == "approvals.notify"))}
        notes = collections.Counter(s.scalars(select(Notification.message_id)))
        claims = collections.Counter(s.scalars(select(ProcessedMessage.message_id).where(
            ProcessedMessage.consumer == "approvals.notify")))
        per_app = collections.defaultdict(collections.Counter)
        for app_id, kind in s.execute(select(Notification.application_id, Notification.kind)):
            per_app[str(app_id)][kind] += 1
        right_kinds = sum(1 for a in completed
                          if per_app[a] == collections.Counter(task_opened=4, concluded=1))
        results["one_notification_per_message"] = check(
            set(notes) == notify_ids and set(notes.values()) <= {1}
            and set(claims) == notify_ids and set(claims.values()) <= {1}
            and right_kinds == len(completed),
            notify_messages=len(notify_ids), notifications=sum(notes.values()),
            messages_without_notification=len(notify_ids - set(notes)),
            notifications_without_message=len(set(notes) - notify_ids),
            doubled=sum(1 for n in notes.values() if n > 1), consumer_claims=sum(claims.values()),
            completed_with_4_opened_and_1_concluded=right_kinds)

    verify = subprocess.run([str(BIN / "hub"), "audit", "verify"], cwd=ROOT,
                            env=hosts["a"].env,  # the hosts' settings, from the root side
                            capture_output=True, text=True, timeout=300)
    figures = re.search(r"audit chains: (\d+), records: (\d+), problems: (\d+)", verify.stdout)
    results["audit_chain_verifies"] = check(
        verify.returncode == 0 and figures is not None, exit_status=verify.returncode,
        chains=int(figures[1]) if figures else None, records=int(figures[2]) if figures else None,
        problems=int(figures[3]) if figures else None, stderr=verify.stderr.strip()[-500:])

    consumers = subprocess.run(["rabbitmqctl", "list_consumers", "-p", vhost, "queue_name",
                                "--quiet", "--no-table-headers"],
                               capture_output=True, text=True).stdout.split()
    results["both_workers_consume_after_the_cut"] = check(
        consumers.count("default") == len(hosts),
        consumers_on_default_queue=consumers.count("default"), workers=len(hosts))
    return results


def server_logs(hosts: dict[str, Host], name: str) -> dict[str, Any]:
    """What the servers logged as unexpected: a 500 (``unhandled_error``), tracebacks; the
    logs themselves are kept in ``bench/results/<name>_logs/``."""
    kept = RESULTS / f"{name}_logs"
    kept.mkdir(parents=True, exist_ok=True)
    found = {}
    for name, host in hosts.items():
        web = (host.logs / "gunicorn.out").read_text(errors="replace")
        worker = (host.logs / "worker.out").read_text(errors="replace")
        (kept / f"{name}_gunicorn.log").write_text(web, encoding="utf-8")
        (kept / f"{name}_worker.log").write_text(worker, encoding="utf-8")
        found[name] = {
            "web_unhandled_errors_500": web.count("unhandled_error"),
            "web_database_unavailable_503": web.count("database_unavailable"),
            "web_tracebacks": web.count("Traceback"),
            "worker_tracebacks": worker.count("Traceback"),
            "worker_errors": len(re.findall(r"\bERROR\b", worker)),
            "worker_first_error": next((line for line in worker.splitlines()
                                        if " ERROR" in line or "Error:" in line), None)}
    return found


# -- The run ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase")
    parser.add_argument("--windows", type=int, default=4, help="client windows, all phases")
    parser.add_argument("--cut-seconds", type=float, default=5)
    parser.add_argument("--cut-channels", default=",".join(CHANNELS),
                        help="which of host A's channels the cut takes (default: all, a "
                             "pulled cable; e.g. db: a partition from PostgreSQL alone)")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--drain-timeout", type=float, default=120)
    args = parser.parse_args()
    channels = tuple(c for c in CHANNELS if c in args.cut_channels.split(","))
    if not channels:
        parser.error(f"--cut-channels: some of {','.join(CHANNELS)}")
    require_netns()
    # Ctrl-C raises KeyboardInterrupt; a SIGTERM is made to unwind through the same finally.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    url = throwaway_database(NAME)
    vhost, broker = rabbit_vhost()
    scratch = Path(tempfile.mkdtemp(prefix="hub-netns-"))
    hosts: dict[str, Host] = {}
    links: dict[str, Link] = {}
    started_at = time.monotonic()
    try:
        # Inside a namespace the services are on 127.0.0.1 (the link), never the unix
        # socket PostgreSQL would otherwise be reached by.
        database = _loopback_target(url, 5432)
        amqp = _loopback_target(broker, 5672)
        cast = prepare(url, scratch / "prepare")
        info = machine(url)
        checker = checker_app(url, broker, scratch / "checker")
        ledger = Ledger()
        ports = {name: free_port() for name in NAMESPACES}

        def start_host(name: str) -> None:
            folder = scratch / name
            folder.mkdir()
            add_namespace(NAMESPACES[name])
            links[name] = Link(NAMESPACES[name], folder, ports[name], database, amqp)
            links[name].up()
            hosts[name] = Host(NAMESPACES[name], url, broker, ports[name], folder,
                               args.web_workers)
            hosts[name].wait_ready()

        def account() -> CpuAccount:
            return cpu_account(hosts, links)

        start_host("a")
        time.sleep(1)  # both web workers booted
        run_phase("warmup_a", {"a": ports["a"]}, 2, 3, cast, ledger)
        one = run_phase("one_host", {"a": ports["a"]}, args.windows, args.seconds, cast,
                        ledger, account)
        start_host("b")
        time.sleep(1)
        run_phase("warmup_ab", ports, 2, 3, cast, ledger)
        two = run_phase("two_hosts", ports, args.windows, args.seconds, cast, ledger, account)

        def cut_a(phase_started: float) -> dict[str, Any]:
            time.sleep(max(0.0, phase_started + args.seconds / 3 - time.monotonic()))
            cut_at = time.monotonic()
            links["a"].cut(channels)
            time.sleep(args.cut_seconds)
            restoring = time.monotonic()
            links["a"].up(channels)
            restored_at = time.monotonic()
            return {"cut": {"cut_at": cut_at, "restored_at": restored_at,
                            "restore_took": restored_at - restoring}}

        three = run_phase("cut", ports, args.windows, args.seconds, cast, ledger, account,
                          during=cut_a)
        cut = cut_figures(ledger, three, ports, three.pop("cut"))
        drained = drain(checker, args.drain_timeout)
        checks = exactly_once(checker, ledger, hosts, vhost)
        # A partial cut is another experiment: its own files, the pulled cable's kept.
        name = "netns" if channels == CHANNELS else f"netns_{'_'.join(channels)}"
        logs = server_logs(hosts, name)
        for phase in (one, two, three):
            phase.pop("started")
        ratio = round(two["applications_per_second"] / one["applications_per_second"], 2)
        result = {
            "benchmark": "two web hosts and two workers in network namespaces, one "
                         "PostgreSQL and one RabbitMQ; host A's link cut mid-load",
            "machine": info, "load_average_after": machine()["load_average"],
            "topology": {
                "hosts": {n: {"namespace": ns, "web_port_root_side": ports[n],
                              "gunicorn_workers": args.web_workers, "threads_per_worker": 4,
                              "celery_worker_processes": 2} for n, ns in NAMESPACES.items()},
                "link": "socat pairs via unix sockets: namespace 127.0.0.1:5432/5672 -> "
                        "root 127.0.0.1:5432/5672; root 127.0.0.1:<port> -> namespace "
                        f"127.0.0.1:{INNER_WEB_PORT}; a cut kills each channel's process "
                        "group (both ends)",
                "broker": "RabbitMQ (own vhost)", "windows": args.windows,
                "cut_channels": list(channels)},
            "one_host": one, "two_hosts": two,
            "ratio_two_hosts_over_one": ratio,
            "ratio_note": f"{info['cpus']} cores shared by both hosts, PostgreSQL, RabbitMQ, "
                          "the links and the client: the machine, not a host, is the "
                          "bottleneck, so a second host cannot add throughput here",
            "cut_phase": three, "cut": cut, "drain": drained, "checks": checks,
            "all_checks_ok": all(c["ok"] for c in checks.values()),
            "client_unexpected_answers": ledger.unexpected[:10],
            "client_abandoned": ledger.abandoned[:10],
            "server_logs": logs,
            "wall_seconds": round(time.monotonic() - started_at, 1),
        }
        write_result(name, result)
    finally:
        for host in hosts.values():
            host.stop()
        for link in links.values():
            link.cut()
        for namespace in NAMESPACES.values():
            remove_namespace(namespace)
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True)
        drop_database(NAME)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # the finally above has cleaned up
        sys.exit("interrupted: namespaces, links, servers, vhost and database removed")
