"""The `hub` command as a user runs it: a real subprocess on each backend."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub import db as hub_db

HUB = str(Path(sys.executable).with_name("hub"))


@pytest.fixture
def run(database_url, tmp_path):
    env = {**os.environ, "HUB_DATABASE_URL": database_url, "HUB_INSTANCE_PATH": str(tmp_path / "inst"),
           "HUB_ENV": "development", "HUB_LOG_LEVEL": "WARNING"}
    env.pop("HUB_CENTERS_CONFIG", None)

    def hub(*args, stdin=None, check=True):
        result = subprocess.run([HUB, *args], input=stdin, env=env, capture_output=True, text=True,
                                timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"hub {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result
    hub.database_url = database_url
    return hub


def count(url, table, where="1=1"):
    engine = hub_db.make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one()
    engine.dispose()
    return value


def test_init_seed_user_add_and_audit_verify(run):
    first = run("init")
    assert "centers: 16 created" in first.stdout
    again = run("init")
    assert "0 created, 0 updated, 16 unchanged" in again.stdout
    seeded = run("seed", "--demo")
    assert "departments" in seeded.stdout
    users = count(run.database_url, "users")
    assert users > 16 * 2
    run("seed", "--demo")
    assert count(run.database_url, "users") == users  # a second seed adds nothing
    added = run("user", "add", "zhang.wei", "--center", "binhe", "--role", "clerk",
                "--display-name", "张伟", "--password-stdin", stdin="a long password\n")
    assert "zhang.wei added to binhe" in added.stdout
    assert count(run.database_url, "users", "username = 'zhang.wei' AND password_hash LIKE '$argon2id$%'") == 1
    verified = run("audit", "verify")
    assert "problems: 0" in verified.stdout


def test_user_add_refuses_bad_input_clearly(run):
    run("init")
    unknown = run("user", "add", "li", "--center", "nowhere", "--role", "clerk", check=False)
    assert unknown.returncode != 0 and "nowhere" in unknown.stderr
    approver = run("user", "add", "li", "--center", "binhe", "--role", "approver", check=False)
    assert approver.returncode != 0 and "department" in approver.stderr
    short = run("user", "add", "li", "--center", "binhe", "--role", "clerk", "--password-stdin",
                stdin="short\n", check=False)
    assert short.returncode != 0 and "password" in short.stderr
    assert count(run.database_url, "users") == 0


def test_audit_verify_exits_non_zero_on_tampering(run):
    run("init")
    engine = hub_db.make_engine(run.database_url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_records_no_update"))
        conn.execute(sa.text("UPDATE audit_records SET after = NULL WHERE seq = 1 AND chain = 'binhe'"))
    engine.dispose()
    result = run("audit", "verify", check=False)
    assert result.returncode == 1
    assert "TAMPERED chain=binhe seq=1" in result.stderr


def test_anchor_export_then_verify(run, tmp_path):
    run("init")
    anchored = run("audit", "anchor")
    assert "anchor written" in anchored.stdout
    assert list((tmp_path / "inst" / "audit-anchors").glob("audit-anchor-*.jsonl"))
    assert run("audit", "verify").returncode == 0


def test_production_without_secret_refuses_to_start(run, tmp_path):
    env = {**os.environ, "HUB_ENV": "production", "HUB_INSTANCE_PATH": str(tmp_path / "p")}
    env.pop("HUB_SECRET_KEY", None)
    result = subprocess.run([HUB, "init"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "HUB_SECRET_KEY is not set" in result.stderr
