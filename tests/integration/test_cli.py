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
    # Whoever ran the command chose it: zhang.wei changes it at the first sign-in; the demo's
    # accounts need not.
    assert count(run.database_url, "users", "username = 'zhang.wei' AND must_change_password") == 1
    assert count(run.database_url, "users", "must_change_password") == 1
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
    common = run("user", "add", "li", "--center", "binhe", "--role", "clerk", "--password-stdin",
                 stdin="password2026!\n", check=False)
    assert common.returncode != 0 and "常见密码" in common.stderr
    assert count(run.database_url, "users") == 0


def test_audit_verify_exits_non_zero_on_tampering(run):
    run("init")
    owner_sql(run.database_url,
              "UPDATE audit_records SET after = NULL WHERE seq = 1 AND chain = 'binhe'")
    result = run("audit", "verify", check=False)
    assert result.returncode == 1
    assert "TAMPERED chain=binhe seq=1" in result.stderr


def test_anchor_export_then_verify(run, tmp_path):
    run("init")
    anchored = run("audit", "anchor")
    assert "anchor written" in anchored.stdout
    assert list((tmp_path / "inst" / "audit-anchors").glob("audit-anchor-*.jsonl"))
    assert run("audit", "verify").returncode == 0


def owner_sql(url, *statements):
    """Statements as the database's owner runs them, past the append-only triggers."""
    engine = hub_db.make_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_records_no_update"))
            conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_records_no_delete"))
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


@pytest.mark.parametrize("attack, expected", [
    # The tail cut off and the head moved back onto what is left: only the anchor knows.
    ("truncate", "an exported anchor is no longer on the chain"),
    # A record changed and every MAC after it recomputed with the best guess of the key.
    ("rehash", "record was altered"),
    # A record added at the end, hashed as records were before the chain was keyed.
    ("append", "record has no key"),
])
def test_audit_verify_finds_the_database_owner_s_tampering(run, attack, expected):
    from hub.audit.chain import AuditKey, keyed_hash, legacy_hash
    from hub.audit.models import AuditRecord
    from hub.audit.services import _hashed_fields

    run("init")
    run("seed", "--demo")  # departments and items: records on the hub's own chain
    assert "anchor written" in run("audit", "anchor").stdout
    engine = hub_db.make_engine(run.database_url)
    with sa.orm.Session(engine) as s:
        rows = s.scalars(sa.select(AuditRecord).where(AuditRecord.chain == "hub")
                         .order_by(AuditRecord.seq)).all()
        s.expunge_all()
    engine.dispose()
    if attack == "truncate":
        kept = rows[-2]
        owner_sql(run.database_url, f"DELETE FROM audit_records WHERE chain = 'hub' AND seq > {kept.seq}",
                  f"UPDATE audit_chain_heads SET seq = {kept.seq}, hash = '{kept.hash}' WHERE chain = 'hub'")
    elif attack == "rehash":
        prev, statements, guess = rows[-3].hash, [], AuditKey.derive("a guessed key")
        for rec in rows[-2:]:
            fields = {**_hashed_fields(rec), "actor": "someone-else"}
            new = keyed_hash(guess, prev, fields)
            statements.append(f"UPDATE audit_records SET actor = 'someone-else', prev_hash = '{prev}', "
                              f"hash = '{new}' WHERE id = {rec.id}")
            prev = new
        owner_sql(run.database_url, *statements,
                  f"UPDATE audit_chain_heads SET hash = '{prev}' WHERE chain = 'hub'")
    else:
        last = rows[-1]
        forged = AuditRecord(chain="hub", seq=last.seq + 1, at=last.at, actor="admin",
                             action="department.created", target_type="department",
                             target_id="forged", center=None, before=None, after=None,
                             request_id=None)
        new = legacy_hash(last.hash, _hashed_fields(forged))
        owner_sql(run.database_url,
                  "INSERT INTO audit_records (chain, seq, at, actor, action, target_type, "
                  "target_id, prev_hash, hash) SELECT chain, seq + 1, at, 'admin', "
                  f"'department.created', 'department', 'forged', '{last.hash}', '{new}' "
                  f"FROM audit_records WHERE id = {last.id}",
                  f"UPDATE audit_chain_heads SET seq = {last.seq + 1}, hash = '{new}' WHERE chain = 'hub'")
    result = run("audit", "verify", check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "TAMPERED chain=hub" in result.stderr and expected in result.stderr, result.stderr


def test_production_without_secret_refuses_to_start(run, tmp_path):
    env = {**os.environ, "HUB_ENV": "production", "HUB_INSTANCE_PATH": str(tmp_path / "p")}
    env.pop("HUB_SECRET_KEY", None)
    result = subprocess.run([HUB, "init"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "HUB_SECRET_KEY is not set" in result.stderr
