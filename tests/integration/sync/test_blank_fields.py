"""A center whose export writes ``""`` (or blanks) for an empty field, as CSV-born exports
always do: through every kind of adapter and in both streams, a blank optional field is
absent and every value is trimmed, so good records are never quarantined for it (a staff
export with ``"department": ""`` for its clerks once put all 250 staff in quarantine)."""
from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from adapters.sample.data import DEPARTMENTS, application_records, staff_records
from hub.approvals.models import Application
from hub.directory.models import User
from tests.integration.sync.conftest import TOKEN_ENV, counts, http_stanza, point, sync

STAFF = 250
CASES = 60
BLANKS = ("", " ", "\t", "  \u3000 ")  # the last: a full-width space, as Chinese input leaves


def blank_export(stream: str) -> list[dict[str, Any]]:
    """The stream as such a center exports it: every empty field a blank string, and
    some values padded with spaces."""
    if stream == "staff":
        records = staff_records("binhe", STAFF)
    else:
        records = list(application_records("binhe", CASES, items=("open-restaurant",)))
    exported = []
    for n, record in enumerate(records):
        row = {key: (BLANKS[n % len(BLANKS)] if value is None else value)
               for key, value in record.items()}
        if stream == "applications":
            row["deleted"] = BLANKS[(n + 1) % len(BLANKS)]
        if n % 5 == 0:
            row["display_name" if stream == "staff" else "applicant_name"] = \
                f"  {row['display_name' if stream == 'staff' else 'applicant_name']} "
        exported.append({k: (str(v) if not isinstance(v, str) else v) for k, v in row.items()})
    return exported


def expected(stream: str) -> dict[str, Any]:
    """external_id -> the value the hub should hold of the field that was blank."""
    if stream == "staff":
        return {r["external_id"]: (r["department"], r["display_name"])
                for r in staff_records("binhe", STAFF)}
    return {r["external_id"]: (r["concluded_at"], r["applicant_name"])
            for r in application_records("binhe", CASES, items=("open-restaurant",))}


def by_http(app: Any, tmp_path: Path, stream: str, rows: list[dict[str, Any]],
            request: pytest.FixtureRequest) -> None:
    fake = request.getfixturevalue("fake_center")
    request.getfixturevalue("monkeypatch").setenv(TOKEN_ENV, fake.token)
    fake.put_many(stream, rows)
    point(app, "binhe", http_stanza(fake))  # no mapping: the records reach the schema as sent


def by_csv(app: Any, tmp_path: Path, stream: str, rows: list[dict[str, Any]],
           request: pytest.FixtureRequest) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    (folder / f"{stream}-20261129.csv").write_bytes(text.getvalue().encode("gb18030"))
    point(app, "binhe", {"kind": "csv_files", "path": str(folder), "encoding": "gb18030",
                         "batch_size": 50})


def by_sql(app: Any, tmp_path: Path, stream: str, rows: list[dict[str, Any]],
           request: pytest.FixtureRequest) -> None:
    path = tmp_path / "center.sqlite3"
    columns = list(rows[0])
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE export ({', '.join(c + ' TEXT' for c in columns)})")
        conn.executemany(f"INSERT INTO export VALUES ({', '.join('?' for _ in columns)})",
                         [tuple(r[c] for c in columns) for r in rows])
    request.getfixturevalue("monkeypatch").setenv("HUB_TEST_BLANK_SQL", f"sqlite:///{path}")
    point(app, "binhe", {"kind": "sql", "url_env": "HUB_TEST_BLANK_SQL", "batch_size": 50,
                         "queries": {stream: "SELECT * FROM export"}})


KINDS: dict[str, Callable[..., None]] = {"http_json": by_http, "csv_files": by_csv, "sql": by_sql}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_blank_staff_fields_are_absent_through_every_adapter(app, people, session, tmp_path,
                                                              request, kind):
    people.departments(*DEPARTMENTS)
    KINDS[kind](app, tmp_path, "staff", blank_export("staff"), request)
    [run] = sync(app, stream="staff")
    assert run.status == "succeeded", run.error
    assert counts(run) == (STAFF, STAFF, 0, 0, 0)
    want = expected("staff")
    users = {u.external_id: u for u in session.scalars(
        select(User).where(User.source == "binhe"))}
    assert {key: (u.department_code, u.display_name) for key, u in users.items()} == want
    assert sum(1 for department, _ in want.values() if department is None) > 150  # the clerks


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_blank_case_fields_are_absent_through_every_adapter(app, people, session, tmp_path,
                                                             request, kind):
    people.service_item()
    KINDS[kind](app, tmp_path, "applications", blank_export("applications"), request)
    [run] = sync(app, stream="applications")
    assert run.status == "succeeded", run.error
    assert counts(run) == (CASES, CASES, 0, 0, 0)
    cases = {a.external_id: a for a in session.scalars(
        select(Application).where(Application.center_code == "binhe"))}
    want = expected("applications")
    assert {k: (a.concluded_at is None, a.applicant_name, a.deleted_at) for k, a in cases.items()} \
        == {k: (concluded is None, name, None) for k, (concluded, name) in want.items()}
    assert sum(1 for concluded, _ in want.values() if concluded is None) > 5  # in review
