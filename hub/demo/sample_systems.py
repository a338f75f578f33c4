"""The street centers' own systems, for the demo: served or written on this machine as
the centers file describes them, so the nightly sync reads them for real.

- ``http_json`` centers: a sample system on the port of its ``base_url`` (127.0.0.1),
  with the sample staff and cases ``python -m adapters.sample serve`` gives it (daxi's
  writing ``""`` for empty fields), and the token of the variable the stanza names (set
  to the demo token when unset);
- ``sql`` centers: a SQLite database each, written into the demo's folder, and the
  variable the stanza names pointed at it;
- ``csv_files`` centers: their drop folders ship with the package; nothing to start.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import errno
import io
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from adapters.sample.__main__ import DEMO_TOKEN, sql_sources
from adapters.sample.data import application_records, as_exported, staff_records
from adapters.sample.fake_center import FakeCenter
from hub.demo.driver import DemoError

HTTP_CASES, SQL_CASES, STAFF = 300, 120, 12  # as `python -m adapters.sample serve|sql`
# The street whose own system had concluded every case it accepted before the week: the
# ranking then shows a street with nothing left open past its deadline above the others.
UP_TO_DATE = "dongling"


@dataclasses.dataclass
class SampleSystems:
    """What runs or was written: stop the servers with ``stop()``."""

    servers: dict[str, FakeCenter] = dataclasses.field(default_factory=dict)
    databases: dict[str, str] = dataclasses.field(default_factory=dict)  # center -> URL
    folders: list[str] = dataclasses.field(default_factory=list)  # csv_files centers

    def take_down(self, code: str, variable: str) -> None:
        """A ``sql`` center's database out of reach: the variable its stanza names points
        at a file in a folder that does not exist (a sync fails at once, as with a
        database host that is down) until ``bring_up``."""
        if code not in self.databases:
            raise DemoError(f"中心 {code} 不是 sql 示例系统，无法模拟其数据库不可用")
        os.environ[variable] = "sqlite:////nonexistent/hub-demo/unreachable.sqlite3"

    def bring_up(self, code: str, variable: str) -> None:
        os.environ[variable] = self.databases[code]

    def stop(self) -> None:
        # Together: each server takes up to half a second to notice its shutdown.
        stopping = [threading.Thread(target=server.stop) for server in self.servers.values()]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        self.servers.clear()


def _serve(code: str, stanza: Mapping[str, Any]) -> FakeCenter:
    address = urlsplit(stanza["base_url"])
    if address.hostname not in ("127.0.0.1", "localhost"):
        raise DemoError(f"中心 {code} 的系统地址 {stanza['base_url']} 不在本机，演示无法代为启动")
    token_env = stanza.get("token_env")
    token = os.environ.get(token_env, "") if token_env else ""
    if token_env and not token:
        os.environ[token_env] = token = DEMO_TOKEN  # the adapter reads the same variable
    center = FakeCenter(token=token or DEMO_TOKEN, port=address.port or 80)
    # daxi's system writes "" for its empty fields (adapters.sample.data.BLANK_WRITING_CENTERS):
    # its clerks have no department, its open cases no conclusion; the sync takes them all.
    center.put_many("staff", as_exported(code, staff_records(code, STAFF)))
    center.put_many("applications", as_exported(code, application_records(
        code, HTTP_CASES, all_concluded=code == UP_TO_DATE)))
    try:
        return center.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise DemoError(
                f"端口 {address.port} 已被占用：中心 {code} 的示例系统无法启动。"
                "请先停止占用它的程序（另一个 hub demo 或 python -m adapters.sample serve）"
            ) from exc
        raise


def _write_sql_sources(codes: Sequence[str], folder: Path) -> dict[str, str]:
    """The sample databases of ``adapters.sample sql``; returns {variable: URL}."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        sql_sources(argparse.Namespace(folder=str(folder), centers=list(codes),
                                       applications=SQL_CASES))
    variables = {}
    for line in printed.getvalue().splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            variables[name] = value
    return variables


def start(centers: Sequence[Mapping[str, Any]], folder: Path) -> SampleSystems:
    """Start or write every center's sample system (the centers file's entries)."""
    systems = SampleSystems()
    sql = [c for c in centers if (c.get("adapter") or {}).get("kind") == "sql"]
    try:
        for entry in centers:
            stanza = entry.get("adapter") or {}
            if stanza.get("kind") == "http_json":
                systems.servers[entry["code"]] = _serve(entry["code"], stanza)
            elif stanza.get("kind") == "csv_files":
                systems.folders.append(entry["code"])
        if sql:
            urls = _write_sql_sources([c["code"] for c in sql], folder)
            for entry in sql:
                name = entry["adapter"]["url_env"]
                expected = f"HUB_{entry['code'].upper()}_SOURCE_URL"
                # The sample writer names its variables after the center; the stanza
                # may name another one: point that one at the same database.
                os.environ[name] = systems.databases[entry["code"]] = urls[expected]
    except BaseException:
        systems.stop()
        raise
    return systems


__all__ = ["SampleSystems", "start"]
