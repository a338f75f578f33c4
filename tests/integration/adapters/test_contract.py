"""One contract, run against every kind of adapter: pages in change order, each with the
cursor just past it; reading from any cursor gives exactly the rest; records sharing a
timestamp are never skipped; a record added later comes after the last cursor alone."""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.base import AdapterError, BaseAdapter
from adapters.registry import build_adapter, kinds
from adapters.sample.data import staff_records
from adapters.sample.fake_center import FakeCenter
from hub.sync.schemas import StaffRecordSchema

Maker = Callable[[list[dict[str, Any]]], BaseAdapter]


def dataset(n: int = 23) -> list[dict[str, Any]]:
    records = staff_records("binhe", n)
    for record in records[5:17]:  # twelve records share one timestamp across pages
        record["updated_at"] = "2026-11-10T09:00:00+08:00"
    return sorted(records, key=lambda r: (dt.datetime.fromisoformat(r["updated_at"]),
                                          r["external_id"]))


@pytest.fixture(params=sorted(["http_json", "csv_files", "sql"]))
def make(request: pytest.FixtureRequest, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Maker]:
    kind = request.param
    fakes: list[FakeCenter] = []

    def http(records: list[dict[str, Any]]) -> BaseAdapter:
        fake = FakeCenter(token="contract").start()
        fakes.append(fake)
        fake.put_many("staff", records)
        monkeypatch.setenv("CONTRACT_TOKEN", "contract")
        return build_adapter("binhe", {"kind": "http_json", "base_url": fake.url,
                                       "token_env": "CONTRACT_TOKEN", "batch_size": 5})

    def csv_files(records: list[dict[str, Any]]) -> BaseAdapter:
        folder = tmp_path / "drop"
        folder.mkdir(exist_ok=True)
        # two nightly files: the older one first
        for name, part in (("staff-20261109.csv", records[:9]), ("staff-20261110.csv", records[9:])):
            if not part:
                continue
            lines = [",".join(part[0])] + [",".join(str(v or "") for v in r.values()) for r in part]
            (folder / name).write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
        return build_adapter("binhe", {"kind": "csv_files", "path": "drop",
                                       "encoding": "gb18030", "batch_size": 5}, base_dir=tmp_path)

    def sql(records: list[dict[str, Any]]) -> BaseAdapter:
        path = tmp_path / "center.sqlite3"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS renyuan (gonghao TEXT, zhanghao TEXT, "
                         "xingming TEXT, bumen TEXT, juese TEXT, zhuangtai TEXT, gengxin TEXT)")
            conn.executemany("INSERT INTO renyuan VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [tuple(r.values()) for r in records])
        monkeypatch.setenv("CONTRACT_SQL_URL", f"sqlite:///{path}")
        query = ("SELECT gonghao AS external_id, zhanghao AS username, xingming AS display_name, "
                 "bumen AS department, juese AS roles, zhuangtai AS status, "
                 "gengxin AS updated_at FROM renyuan")
        return build_adapter("binhe", {"kind": "sql", "url_env": "CONTRACT_SQL_URL",
                                       "queries": {"staff": query}, "batch_size": 5})

    yield {"http_json": http, "csv_files": csv_files, "sql": sql}[kind]
    for fake in fakes:
        fake.stop()


def read_all(adapter: BaseAdapter, since: str | None = None) -> list[tuple[list[str], str]]:
    return [([r["external_id"] for r in page.records], page.cursor)
            for page in adapter.read("staff", since)]


def test_every_kind_is_registered_through_entry_points():
    assert {"http_json", "csv_files", "sql"} <= set(kinds())


def test_pages_in_change_order_with_nothing_skipped(make):
    records = dataset()
    adapter = make(records)
    pages = read_all(adapter)
    assert [key for keys, _ in pages for key in keys] == [r["external_id"] for r in records]
    assert all(len(keys) <= 5 for keys, _ in pages) and len(pages) >= 5
    assert all(cursor for _, cursor in pages)


def test_from_any_cursor_exactly_the_rest(make):
    records = dataset()
    adapter = make(records)
    pages = read_all(adapter)
    seen: list[str] = []
    for keys, cursor in pages:
        seen += keys
        rest = [k for ks, _ in read_all(adapter, cursor) for k in ks]
        assert seen + rest == [r["external_id"] for r in records]
    assert read_all(adapter, pages[-1][1]) == []  # nothing new: nothing read


def test_records_come_mapped_and_intact(make):
    records = dataset(6)
    adapter = make(records)
    got = [r for page in adapter.read("staff", None) for r in page.records]
    assert [r["display_name"] for r in got] == [r["display_name"] for r in records]
    assert all(r["roles"] in ("clerk", "approver") for r in got)
    # A CSV cell cannot tell "no department" from "": the canonical schema reads both as
    # absent, for every kind alike.
    canonical = [StaffRecordSchema().load(r) for r in got]
    assert [r["department"] for r in canonical] == [r["department"] for r in records]


def test_an_unknown_stream_is_a_clear_error(make):
    adapter = make(dataset(3))
    with pytest.raises(AdapterError):
        list(adapter.read("invoices", None))
