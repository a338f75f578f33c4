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
import io
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pypdf
import pytest
import requests
from flask.testing import FlaskClient

from hub.clock import FrozenClock
from hub.demo.plan import CLOSED_AT, at_time
from hub.demo.prepare import MARKER, demo_app
from hub.directory.services import read_centers_file
from hub.seed import DEMO_PASSWORD
from tests.conftest import CENTERS_FILE, IsolatedClient
from tests.e2e.monitoring.exposition import samples
from tests.e2e.web.pages import signed_in
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
    # Each request in its own context, as a server gives it (a session left open by one
    # would hold SQLite's write lock against the next).
    app.test_client_class = IsolatedClient
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


def test_the_call_center_week(prepared):
    """Hotline and web tickets across the centers, transfers, a reopened ticket, ratings
    with bad ones and their rectifications, an appeal decided and one pending: every
    call center page has data."""
    api, printed = prepared
    assert "呼叫中心：工单 120" in printed
    tickets = api.every("supervisor", "/api/v1/tickets")
    assert len(tickets) > 120  # the week's calls and the rectifications of bad ratings
    assert {"open", "assigned", "answered", "closed"} <= {t["status"] for t in tickets}
    assert {t["kind"] for t in tickets} == {"consultation", "complaint", "suggestion",
                                            "rectification"}
    assert {"hotline", "web", "rating", "minxin"} <= {t["channel"] for t in tickets}
    assert len({t["center"] for t in tickets}) >= 12
    assert all("*" in t["caller"]["phone"] for t in tickets)
    actions = {r["action"] for r in api.every("supervisor", "/api/v1/audit")}
    assert {"ticket.received", "ticket.transferred", "ticket.assigned", "ticket.replied",
            "ticket.closed", "ticket.reopened", "rating.received", "rating.appealed",
            "rating.appeal_excluded", "ticket.minxin_imported"} <= actions
    ratings = api.every("supervisor", "/api/v1/ratings")
    bad = [r for r in ratings if r["level"] <= 2]
    assert bad and all(r["rectification"] for r in bad)
    assert any(r["rectification"]["status"] == "closed" for r in bad)
    assert {r["appeal"]["status"] for r in ratings if r["appeal"]} == {"excluded", "pending"}
    rates = {r["center"]: r for r in api.get("supervisor", "/api/v1/supervision/tickets")["items"]}
    assert rates["district"]["received"] > 0 and rates["district"]["response_rate"] is not None
    assert any(r["rank"] for r in rates.values())
    satisfaction = api.get("supervisor", "/api/v1/supervision/ratings")["items"]
    assert any(r["satisfaction_rate"] is not None and r["rank"] for r in satisfaction)
    # The regular caller (README: type 13800138000 on the desk as operator-district).
    history = api.client.post("/api/v1/callers/history", json={"phone": "138 0013 8000"},
                              headers=api.sign_in("operator-district")).get_json()
    assert len([i for i in history["items"] if i["type"] == "ticket"]) >= 2


def test_a_finished_sync_run_per_center_and_stream(prepared):
    api, printed = prepared
    runs = api.every("admin", "/api/v1/sync/runs")
    assert {r["center"] for r in runs} == SYNCING and len(SYNCING) == 15
    for run in runs:
        assert run["finished_at"] and run["status"] in ("succeeded", "failed"), run
        assert run["fetched"] == run["inserted"] + run["updated"] + run["unchanged"] \
            + run["rejected"]
    assert {(r["center"], r["stream"]) for r in runs if r["status"] == "succeeded"} == {
        (c, s) for c in SYNCING for s in ("staff", "applications")}
    # Monday's first sync and four nights after it; maguanqiao's database was out of
    # reach for the last three nights (both streams).
    failed = [r for r in runs if r["status"] == "failed"]
    assert {r["center"] for r in failed} == {"maguanqiao"} and len(failed) == 6
    assert "failed 6 次，succeeded 144 次" in printed
    # daxi's system writes "" for its empty fields (its clerks' department, its open cases'
    # conclusion): every record is taken all the same.
    daxi = [r for r in runs if r["center"] == "daxi"]
    assert daxi and all(r["rejected"] == 0 for r in daxi), daxi
    assert sum(r["inserted"] for r in daxi) > 0, daxi


def test_the_closing_time_guesser_left_a_lock_and_sign_in_records(prepared):
    api, printed = prepared
    locks = api.get("admin", "/api/v1/sign-in/locks")["items"]
    assert [lock["username"] for lock in locks] == ["environment-approver2"]
    assert "临时锁定的账号：environment-approver2" in printed
    trail = api.every("supervisor", "/api/v1/audit")
    actions = {r["action"] for r in trail}
    assert {"signin.failed", "signin.throttled", "signin.locked"} <= actions
    # The demo's visitors sign in from 127.0.0.1 as ever (the accounts of the README).
    api.sign_in("clerk-daxi")


def test_the_workbench_has_something_to_show(prepared):
    """The issue's demo: a street with overdue open cases ranked below one without, an
    item routed to nobody, a 督办 notice answered (and one waiting), a missed night."""
    api, printed = prepared
    ranking = api.get("supervisor", "/api/v1/supervision/ranking")["items"]
    clean = [r for r in ranking if r["overdue"] == 0 and r["rank"] is not None]
    late = [r for r in ranking if r["overdue"] > 0]
    assert clean and late
    assert max(r["rank"] for r in clean) < min(r["rank"] for r in late)
    assert all(r["on_time_rate"] >= 0.99 for r in late[:3])  # on time, yet ranked lower
    assert clean[0]["composite_score"] > late[0]["composite_score"]

    unattended = api.every("supervisor", "/api/v1/supervision/unattended")
    assert unattended and {t["department"] for t in unattended} == {"civil-defence"}
    assert {t["reason"] for t in unattended} == {"no_active_approver"}
    item = api.client.put(
        "/api/v1/service-items/civil-defence-works",
        json={k: v for k, v in api.get("admin", "/api/v1/service-items/civil-defence-works")
              .items() if k not in ("code", "version")},
        headers=api.sign_in("admin"))
    assert item.status_code == 200 and item.get_json()["warnings"][0]["department"] == \
        "civil-defence"

    answered = api.get("supervisor", "/api/v1/supervision/notices", status="answered")["items"]
    waiting = api.get("supervisor", "/api/v1/supervision/notices", status="open")["items"]
    assert len(answered) == 1 and answered[0]["answer"] and answered[0]["answered_on_time"]
    assert len(waiting) == 1
    assert f"{answered[0]['number']} 已答复" in printed

    fresh = {(r["center"], r["stream"]): r["nights_missed"]
             for r in api.get("admin", "/api/v1/sync/freshness")["items"]}
    assert fresh[("maguanqiao", "applications")] == 3
    assert {n for (c, _), n in fresh.items() if c != "maguanqiao"} == {0}


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
    check_public_home(base)
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


def check_public_home(base: str) -> None:
    """``/`` is the public site's home page with the demo's data in it (its centers, the
    items with guides), and staff sign in from a link on it."""
    home = requests.get(f"{base}/", timeout=10, allow_redirects=False)
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    heading = re.search(r"<h1[^>]*>([^<]*)</h1>", home.text)
    assert heading and re.search(r"[\u4e00-\u9fff]", heading.group(1)), home.text[:2000]
    assert heading.group(1).strip() == "沈河区网上政务服务"
    assert f"政务服务中心（{len(CENTERS)} 个）" in home.text
    cards = re.findall(r'<li class="center-card">\s*<h3>([^<]+)</h3>', home.text)
    assert sorted(cards) == sorted(c["name"] for c in CENTERS)
    staff = re.findall(r'<a href="([^"]+)">工作人员登录</a>', home.text)
    assert staff == ["/login"], staff
    assert "登录" in requests.get(f"{base}{staff[0]}", timeout=10).text
    # The guides the demo wrote: items with a guide, taking bookings online.
    guides = requests.get(f"{base}/guide", timeout=10)
    items = re.findall(r'<li class="item-card">\s*<h2><a href="/guide/[^"]+">([^<]+)</a>',
                       guides.text)
    assert guides.status_code == 200 and items and "可网上预约" in guides.text, guides.text[:2000]
    assert any(re.search(r"[\u4e00-\u9fff]", name) for name in items)


def test_a_finished_year_of_disclosure_requests_and_its_report(prepared):
    api, printed = prepared
    report = api.get("supervisor", "/api/v1/disclosure/report/2025")
    requests_ = report["requests"]
    assert report["open"] is False and requests_["check"]["ok"]
    assert requests_["carried_in"] >= 1 and requests_["carried_out"] >= 1
    assert requests_["extended"] == 1 and requests_["supplemented"] == 2
    assert requests_["received"]["total"] >= 29 and requests_["late"] == 0
    assert report["proactive"]["kept"] is True
    following = api.get("supervisor", "/api/v1/disclosure/report/2026")
    assert following["open"] is True
    assert {r["key"]: r["values"] for r in following["requests"]["table"]["rows"]}[
        "carried_in"] == {r["key"]: r["values"] for r in requests_["table"]["rows"]}["carried_out"]
    answered = api.every("admin", "/api/v1/disclosure/requests", status="answered")
    across = [r for r in answered if "2025-09-24" <= r["received_on"] <= "2025-09-30"
              and r["answered_on"] > "2025-10-08"]
    assert len(across) >= 3, "no request across National Day"
    # The week has run: the desk shows a request past its limit, one due, one waiting.
    desk = api.every("admin", "/api/v1/disclosure/requests")
    assert {"red", "yellow"} <= {r["warning"] for r in desk}
    assert api.every("admin", "/api/v1/disclosure/requests", status="supplement_requested")
    assert "2016年度（种子文件）" in printed and "勾稽关系" in printed


def test_the_public_site_has_its_week(prepared):
    api, printed = prepared
    assert "公众服务：" in printed
    coverage = api.get("supervisor", "/api/v1/supervision/guides")
    # Seven items offered (the editor's unpublished draft is not one of them); the one
    # routed to a department nobody approves for has no window in any hall yet either.
    assert coverage["items"] == 7
    assert coverage["complete_guides"] == coverage["booking_online"] == 6
    figures = {r["center"]: r for r in api.get("supervisor",
                                               "/api/v1/supervision/appointments")["items"]}
    district = figures["district"]
    assert district["arrived"] > 0 and district["no_show"] > 0 and district["cancelled"] > 0
    assert district["upcoming"] > 0  # booked for the week after
    statuses = {p["status"] for p in api.every("clerk-district", "/api/v1/prereviews")}
    assert {"submitted", "passed", "returned", "accepted"} <= statuses
    waiting = api.get("clerk-district", "/api/v1/prereviews", warning="red")["items"]
    assert waiting, "a pre-review left past its working day shows red"
    accepted = next(p for p in api.every("clerk-district", "/api/v1/prereviews")
                    if p["status"] == "accepted")
    case = api.get("clerk-district", f"/api/v1/applications/{accepted['application_id']}")
    assert case["materials"] and case["form"]
    windows = api.client.get("/api/v1/public/centers/district/windows").get_json()
    assert {w["floor"] for w in windows} == {1, 2, 3}


def test_the_hall_has_its_week(prepared):
    """Issue 21's hall: claimable pool tasks and "my tasks", a supplement inbox with items,
    an item's next version as a draft and an item not yet published, the documents."""
    api, printed = prepared
    assert "大厅：审批人员已领取" in printed
    assert api.get("market-approver1", "/api/v1/tasks", assignee="me")["items"]
    assert api.get("market-approver1", "/api/v1/tasks", assignee="none")["items"]
    waiting = api.every("supervisor", "/api/v1/applications", status="supplement_requested")
    assert waiting and all(c["source"] == "hub" for c in waiting)
    draft = api.get("admin", "/api/v1/service-items/open-restaurant/draft")
    assert draft["problems"] == {} and "fire_exits" in {f["name"] for f in draft["draft"]["form"]}
    cafe = api.get("admin", "/api/v1/service-items/open-cafe/draft")
    assert cafe["published_at"] is None and cafe["has_draft"] and cafe["published"] is None
    refused = api.client.post("/api/v1/applications", headers=api.sign_in("clerk-district"),
                              json={"service_item": "open-cafe", "center": "district",
                                    "applicant": {"name": "王小明",
                                                  "id_number": "210102199001011237",
                                                  "phone": "13812345678"}, "form": {}})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"service_item": ["该事项尚未发布，暂不受理"]}
    approved = next(c for c in api.every("clerk-district", "/api/v1/applications",
                                         status="approved") if c["source"] == "hub")
    signed_in(api.client, SimpleNamespace(username="clerk-district"), DEMO_PASSWORD)
    decision = api.client.get(f"/cases/{approved['id']}/decision.pdf")
    assert decision.status_code == 200 and decision.mimetype == "application/pdf"
    assert approved["result"]["number"] in "".join(
        "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(decision.data)).pages)
        .split())
