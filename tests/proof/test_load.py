"""Load: the sixteen centers' clerks submitting and the departments' approvers deciding,
all at once, for a minute, against gunicorn (two workers, hub/gunicorn_conf.py) on
PostgreSQL with the outbox relayed to RabbitMQ and a real worker. Then a
reconciliation counts everything: every case a clerk was told about exists once, with
exactly the tasks its decisions opened, every decision an approver was told about is on
its task and in the audit log once, every outbox message handled once, every audit
chain valid (``hub audit verify``). The rate held and the latencies are recorded, not
asserted."""
from __future__ import annotations

import collections
import random
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.approvals.models import Application, ApprovalTask, Notification
from hub.audit.models import AuditRecord
from hub.directory.models import Center
from hub.outbox.models import OutboxMessage, ProcessedMessage
from tests.proof.loadclient import Recorder, Staff, submit_until_answered
from tests.proof.processes import BIN, gunicorn, hub_env, hub_worker, vhost, wait_for
from tests.proof.test_worker_sigkill import count, queue_depth

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.slow,
              pytest.mark.timeout(420)]

SECONDS = 62
DEPARTMENTS = ("market", "food", "fire", "environment")
APPROVERS_PER_DEPARTMENT = 2


@pytest.fixture
def broker() -> Iterator[str]:
    with vhost() as url:
        yield url


@pytest.fixture
def app_config(broker: str) -> dict[str, Any]:
    return {"broker_url": broker}


def clerk_work(center: str, created: dict[str, str]) -> Any:
    counter = iter(range(10**6))

    def work(staff: Staff) -> None:
        submit_until_answered(staff, center, next(counter), created)
        time.sleep(0.1)
    return work


def approver_work(decided: collections.Counter[str], lock: threading.Lock) -> Any:
    rng = random.Random()

    def work(staff: Staff) -> None:
        queue = staff.call("queue", "GET", "/api/v1/tasks?status=pending&limit=20")
        if queue is None or queue.status_code != 200 or not queue.json()["items"]:
            time.sleep(0.2)
            return
        task = rng.choice(queue.json()["items"])
        decision = "reject" if rng.random() < 0.1 else "approve"
        body = {"decision": decision, "version": task["version"]}
        if decision == "reject":
            body["comment"] = "材料不全，不予许可"
        answer = staff.call("decide", "POST", f"/api/v1/tasks/{task['id']}/decision", json=body)
        if answer is not None and answer.status_code == 200:
            with lock:
                decided[decision] += 1
        elif answer is not None and answer.status_code != 409:  # 409: a colleague was first
            raise AssertionError(f"decision answered {answer.status_code}: {answer.text[:300]}")
    return work


def test_sixteen_centers_for_a_minute_then_everything_reconciles(
        app, people, session, tmp_path, figures):
    people.service_item()
    centers = list(session.scalars(select(Center.code).order_by(Center.code)))
    assert len(centers) == 16
    recorder, stop = Recorder(), threading.Event()
    created: dict[str, str] = {}
    decided: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()
    worker = hub_worker(app, tmp_path / "worker.log")
    with gunicorn(app, tmp_path) as base:
        team = [Staff(base, people.clerk(center=c).token, recorder, stop,
                      clerk_work(c, created)) for c in centers]
        team += [Staff(base, people.approver(d).token, recorder, stop,
                       approver_work(decided, lock))
                 for d in DEPARTMENTS for _ in range(APPROVERS_PER_DEPARTMENT)]
        worker.start()
        began = time.monotonic()
        for staff in team:
            staff.start()
        time.sleep(SECONDS)
        stop.set()
        for staff in team:
            staff.join(120)
        elapsed = time.monotonic() - began
        assert [s.error for s in team] == [None] * len(team)
        try:
            wait_for(lambda: count(app, OutboxMessage, OutboxMessage.status != "sent") == 0
                     and count(app, ProcessedMessage) >= count(app, OutboxMessage), 180,
                     f"the outbox handled ({worker.tail()})")
            wait_for(lambda: queue_depth(app, "default") == 0, 60, "the queue drained")
        finally:
            worker.stop()
    statuses = recorder.statuses()
    assert set(statuses) <= {200, 201, 409}, statuses

    # Every case once, as its clerk was told.
    apps = list(session.scalars(select(Application)))
    assert len(apps) == len(created) == len(set(created.values()))
    assert {str(a.id) for a in apps} == set(created.values())
    # Every decision once, on its task and in the audit log.
    tasks = list(session.scalars(select(ApprovalTask)))
    by_status = collections.Counter(t.status for t in tasks)
    assert by_status["approved"] == decided["approve"]
    assert by_status["rejected"] == decided["reject"]
    audited = collections.Counter(session.scalars(select(AuditRecord.action)))
    assert audited["application.submitted"] == len(apps)
    assert audited["task.approved"] == decided["approve"]
    assert audited["task.rejected"] == decided["reject"]
    # Each case has exactly the tasks its decisions opened: market first; food, fire
    # and environment once market approved it.
    per_case = collections.defaultdict(list)
    for t in tasks:
        per_case[t.application_id].append(t)
    for a in apps:
        mine = per_case[a.id]
        stage1 = [t for t in mine if t.stage == 1]
        stage2 = [t for t in mine if t.stage == 2]
        assert [t.department_code for t in stage1] == ["market"]
        if stage1[0].status == "approved":
            assert sorted(t.department_code for t in stage2) == ["environment", "fire", "food"]
        else:
            assert stage2 == []
        if a.status == "approved":
            assert all(t.status == "approved" for t in mine)
    # Every outbox message handled once.
    messages = count(app, OutboxMessage)
    processed = count(app, ProcessedMessage)
    notifications = count(app, Notification)
    assert processed == messages
    assert notifications == count(app, OutboxMessage, OutboxMessage.topic == "approvals.notify")
    # Every audit chain valid.
    verified = subprocess.run([str(BIN / "hub"), "audit", "verify"], env=hub_env(app),
                              capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stderr
    chains = session.scalar(select(func.count(func.distinct(AuditRecord.chain))))

    answered = [a for a in recorder.answers if a.status]
    per_op = {what: {"requests": sum(1 for a in answered if a.what == what),
                     **_latency([a for a in answered if a.what == what])}
              for what in ("submit", "queue", "decide")}
    figures.write(
        "load", seconds=round(elapsed, 1), clerks=len(centers),
        approvers=len(DEPARTMENTS) * APPROVERS_PER_DEPARTMENT, gunicorn_workers=2,
        requests=len(answered), rate_per_second=round(len(answered) / elapsed, 1),
        submissions=len(apps), submissions_per_second=round(len(apps) / elapsed, 1),
        decisions=dict(decided), conflicts_409=statuses.get(409, 0), statuses=statuses,
        **recorder.latency(), per_operation=per_op, tasks=len(tasks),
        audit_records=sum(audited.values()), audit_chains=chains,
        audit_verify=verified.stdout.strip(), outbox_messages=messages,
        processed=processed, notifications=notifications, lost=0, doubled=0)


def _latency(answers: list[Any]) -> dict[str, float]:
    recorder = Recorder()
    recorder.answers = answers
    return recorder.latency()
