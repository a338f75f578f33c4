"""``hub demo`` as a user runs it: a real subprocess on the embedded default (whatever
HUB_DATABASE_URL and HUB_BROKER_URL say), then its figures read back through the API of
the hub on the same database; served, over HTTP; stopped with SIGTERM.

The demo serves the sample center systems on the ports the centers file names
(127.0.0.1:9001-9009): each test holds a lock file while its demo runs, so that two
never overlap on this machine (other xdist workers, other test sessions)."""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from hub.clock import FrozenClock
from hub.demo.plan import CLOSED_AT, at_time
from hub.demo.prepare import MARKER, demo_app
from hub.directory.services import read_centers_file
from hub.seed import DEMO_PASSWORD
from tests.conftest import CENTERS_FILE
from tests.e2e.monitoring.exposition import samples
from tests.integration.monitoring.servers import free_port, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
HUB = str(Path(sys.executable).with_name("hub"))
CENTERS = read_centers_file(CENTERS_FILE)
SYNCING = {c["code"] for c in CENTERS if c.get("adapter")}
READY = "按 Ctrl+C 停止"
PORTS_LOCK = Path(tempfile.gettempdir()) / "hub-demo-sample-ports.lock"


@contextlib.contextmanager
def sample_ports() -> Iterator[None]:
    """The sample systems' fixed ports, for one demo at a time on this machine."""
    with PORTS_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def demo_env() -> dict[str, str]:
    """A user's shell: settings for another deployment must not matter to the demo."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/nothing",
               HUB_BROKER_URL="amqp://nobody:nothing@127.0.0.1:1//")
    return env


def run_demo(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    with sample_ports():
        return subprocess.run([HUB, "demo", "--no-serve", "--instance", str(folder), *args],
                              env=demo_env(), cwd=folder.parent, capture_output=True,
                              text=True, timeout=240)


class Api:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.headers: dict[str, dict[str, str]] = {}

    def sign_in(self, username: str) -> dict[str, str]:
        if username not in self.headers:
            answer = self.client.post("/api/v1/auth/token",
                                      json={"username": username, "password": DEMO_PASSWORD})
            assert answer.status_code == 200, answer.get_json()
            self.headers[username] = {"Authorization":
                                      f"Bearer {answer.get_json()['access_token']}"}
        return self.headers[username]

    def get(self, username: str, path: str, **params: Any) -> Any:
        answer = self.client.get(path, query_string=params, headers=self.sign_in(username))
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    def every(self, username: str, path: str, **params: Any) -> list[dict[str, Any]]:
        items, cursor = [], None
        while True:
            page = self.get(username, path, limit=500, **params,
                            **({"cursor": cursor} if cursor else {}))
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, str]]:
    """One default run of ``hub demo --no-serve`` and the API of the hub on its database."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    done = run_demo(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    app = demo_app(folder)
    # The clock the demo serves with: the simulated week (2026-11-30 to 12-04) has ended.
    app.extensions["hub.clock"] = FrozenClock(at_time(dt.date(2026, 12, 4), CLOSED_AT))
    with app.app_context():
        yield Api(app.test_client()), done.stdout


def test_sixteen_centers_each_with_cases_of_the_week(prepared):
    api, printed = prepared
    assert "演示已就绪" in printed
    centers = api.get("supervisor", "/api/v1/centers")["items"]
    assert len(centers) == 16
    assert sorted(c["level"] for c in centers).count("street") == 15
    figures = api.get("supervisor", "/api/v1/supervision/centers")["items"]
    assert {row["center"] for row in figures} == {c["code"] for c in centers}
    for center in centers:
        cases = api.every("supervisor", "/api/v1/applications", center=center["code"])
        week = [c for c in cases if c["source"] == "hub"]
        assert week, f"no case was submitted at {center['code']}'s windows"
        if center["code"] in SYNCING:
            assert any(c["source"] == "sync" for c in cases), center["code"]
    assert sum(r["received"] for r in figures) > 400  # the week's 400 and the synced ones


def test_the_week_has_every_outcome(prepared):
    api, _ = prepared
    for status in ("approved", "rejected", "withdrawn", "in_review", "supplement_requested"):
        cases = api.get("supervisor", "/api/v1/applications", status=status, limit=500)["items"]
        assert any(c["source"] == "hub" for c in cases), status
    approved = [c for c in api.every("supervisor", "/api/v1/applications", status="approved")
                if c["source"] == "hub"]
    assert all(c["result"] and c["result"]["number"] for c in approved)
    actions = {r["action"] for r in api.every("supervisor", "/api/v1/audit")}
    assert {"application.submitted", "task.approved", "task.rejected",
            "task.supplement_requested", "application.resubmitted", "application.withdrawn",
            "warning.yellow", "warning.red", "sync.run_succeeded"} <= actions


def test_warnings_yellow_and_red(prepared):
    api, _ = prepared
    for level in ("yellow", "red"):
        cases = api.get("supervisor", "/api/v1/applications", warning=level, limit=500)["items"]
        assert cases and {c["warning"] for c in cases} == {level}, level
    figures = api.get("supervisor", "/api/v1/supervision/centers")["items"]
    assert sum(r["red"] for r in figures) > 0 and sum(r["yellow"] for r in figures) > 0
    # The week's own steps (synced cases have none): late and yellow ones among them.
    steps = api.get("supervisor", "/api/v1/supervision/departments")["items"]
    assert sum(r["yellow"] for r in steps) > 0, steps
    raised = [r for r in api.every("supervisor", "/api/v1/audit")
              if r["action"] == "warning.red" and (r.get("after") or {}).get("task_id")]
    assert raised, "no step of the week went red"


def test_a_finished_sync_run_per_center_and_stream(prepared):
    api, printed = prepared
    runs = api.every("admin", "/api/v1/sync/runs")
    assert {r["center"] for r in runs} == SYNCING and len(SYNCING) == 15
    for run in runs:
        assert run["status"] == "succeeded" and run["finished_at"], run
        assert run["fetched"] == run["inserted"] + run["updated"] + run["unchanged"] \
            + run["rejected"]
    assert {(r["center"], r["stream"]) for r in runs} == {
        (c, s) for c in SYNCING for s in ("staff", "applications")}
    assert "succeeded 30" in printed


def test_the_same_seed_gives_the_same_figures(tmp_path):
    first, second, other = (run_demo(tmp_path / name, "--cases", "32", "--seed", seed)
                            for name, seed in (("a", "5"), ("b", "5"), ("c", "6")))
    for done in (first, second, other):
        assert done.returncode == 0, done.stdout + done.stderr

    def figures(done: subprocess.CompletedProcess[str]) -> list[str]:
        return [line for line in done.stdout.splitlines()[1:] if "准备用时" not in line]

    assert figures(first) == figures(second)
    assert figures(first) != figures(other)


def test_a_folder_that_is_not_the_demos_is_refused_and_left_alone(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "hub.sqlite3").write_bytes(b"somebody's data")
    done = run_demo(folder)
    assert done.returncode != 0 and MARKER in done.stderr
    assert (folder / "hub.sqlite3").read_bytes() == b"somebody's data"
    assert not (folder / MARKER).exists()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_served_pages_api_and_metrics_then_sigterm_stops_everything(tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    with sample_ports(), log.open("w") as out:
        process = subprocess.Popen(
            [HUB, "demo", "--instance", str(tmp_path / "demo"), "--cases", "48", "--seed", "7",
             "--port", str(port)], env=demo_env(), cwd=tmp_path, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(lambda: READY in log.read_text(), "the demo to serve", timeout=240,
                     process=process)
            check_served(f"http://127.0.0.1:{port}", log.read_text())
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0, log.read_text()[-2000:]
            with pytest.raises(ProcessLookupError):
                os.killpg(process.pid, 0)  # nothing left behind
            assert not _listening(port) and not _listening(9001)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def check_served(base: str, printed: str) -> None:
    """The pages, the API and /metrics of the demo, over HTTP."""
    assert f"{base}/api/v1" in printed and f"{base}/metrics" in printed
    assert "supervisor" in printed and DEMO_PASSWORD in printed
    login = requests.get(f"{base}/login", timeout=10)
    assert login.status_code == 200 and "登录" in login.text
    assert requests.get(f"{base}/readyz", timeout=10).json()["checks"] == {
        "database": "ok", "broker": "in-process"}
    exposition = samples(requests.get(f"{base}/metrics", timeout=30).text)
    submitted = {dict(labels)["center"] for (name, labels) in exposition
                 if name == "hub_applications_submitted_total"}
    assert submitted == {c["code"] for c in CENTERS}
    token = requests.post(f"{base}/api/v1/auth/token", timeout=10,
                          json={"username": "supervisor", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    figures = requests.get(f"{base}/api/v1/supervision/centers", headers=headers,
                           timeout=30).json()["items"]
    assert len(figures) == 16 and all(r["received"] for r in figures)
    assert _listening(9001)  # a sample center system, still up for manual syncs
