"""The shipped centers file: all fifteen street centers sync, from the sample sources the
demo uses (drop folders in GB18030, SQLite databases, the HTTP fake on each port)."""
from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import func, select

from adapters.registry import build_adapter, centers_folder
from adapters.sample.fake_center import FakeCenter
from hub import db as hub_db
from hub.approvals.models import Application
from hub.directory.models import User
from hub.directory.services import read_centers_file
from hub.permissions import Principal
from hub.seed import seed_demo
from hub.sync.runner import sync_center
from tests.conftest import CENTERS_FILE, ROOT

CENTERS = read_centers_file(CENTERS_FILE)


def test_every_street_center_has_an_adapter_of_a_registered_kind(monkeypatch):
    streets = [c for c in CENTERS if c["level"] == "street"]
    assert len(streets) == 15 and all(c["adapter"] for c in streets)
    assert {c["adapter"]["kind"] for c in streets} == {"http_json", "csv_files", "sql"}
    for center in streets:
        for name in ("token_env", "url_env"):
            if name in center["adapter"]:
                monkeypatch.setenv(center["adapter"][name], "sqlite://")
        adapter = build_adapter(center["code"], center["adapter"],
                                base_dir=centers_folder(str(CENTERS_FILE)))
        assert set(adapter.streams) == {"staff", "applications"}
        adapter.close()


@pytest.fixture
def demo(app):
    with hub_db.get_database(app).session_scope() as session:
        seed_demo(session, Principal.system("test"))
    return hub_db.get_database(app)


def synced(session, center):
    cases = session.scalar(select(func.count()).select_from(Application)
                           .where(Application.center_code == center))
    staff = session.scalar(select(func.count()).select_from(User).where(User.source == center))
    return cases, staff


def test_the_sample_drop_folders_sync(app, demo, session):
    runs = sync_center(demo, "binhe", trigger="cli", requested_by="test")
    assert [(r.stream, r.status, r.rejected) for r in runs] == [
        ("staff", "succeeded", 0), ("applications", "succeeded", 0)], [r.error for r in runs]
    assert synced(session, "binhe") == (120, 12)
    names = session.scalars(select(User.display_name).where(User.source == "binhe")).all()
    assert all(len(n) >= 2 for n in names)


def test_the_sample_sql_sources_sync(app, demo, session, tmp_path, monkeypatch):
    done = subprocess.run([sys.executable, "-m", "adapters.sample", "sql", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    for line in done.stdout.split("\n"):
        if line.startswith("export "):
            name, value = line.removeprefix("export ").split("=", 1)
            monkeypatch.setenv(name, value)
    runs = sync_center(demo, "nanta", trigger="cli", requested_by="test")
    assert all(r.status == "succeeded" and r.rejected == 0 for r in runs), [r.error for r in runs]
    assert synced(session, "nanta") == (120, 12)


def test_an_http_sample_center_syncs(app, demo, session, monkeypatch):
    stanza = next(c["adapter"] for c in CENTERS if c["code"] == "daxi")
    from adapters.sample.data import application_records, staff_records

    with FakeCenter(token="sample-token") as fake:
        fake.put_many("staff", staff_records("daxi", 5))
        fake.put_many("applications", application_records("daxi", 40))
        monkeypatch.setenv(stanza["token_env"], "sample-token")
        from tests.integration.sync.conftest import point

        point(app, "daxi", {**stanza, "base_url": fake.url})
        runs = sync_center(demo, "daxi", trigger="cli", requested_by="test")
    assert all(r.status == "succeeded" for r in runs), [r.error for r in runs]
    assert synced(session, "daxi") == (40, 5)
