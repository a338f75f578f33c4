"""Serve sample center systems on 127.0.0.1.

``python -m adapters.sample serve`` — every http_json center of the centers file, on its
port, with sample staff and cases (tokens from the variables the file names, or the
demo token ``sample-token``); ``python -m adapters.sample fake --applications N`` — one
fake center with N cases on a random port (the benchmark starts it in its own process);
prints ``READY <port>`` once it serves.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
from pathlib import Path

from adapters.sample.data import SHANGHAI, application_records, as_exported, staff_records
from adapters.sample.fake_center import FakeCenter

DEMO_TOKEN = "sample-token"


def fake(args: argparse.Namespace) -> None:
    center = FakeCenter(token=args.token, port=args.port, max_limit=10_000)
    # A street center takes about 180 cases a working day: 200,000 cases span three years.
    start = dt.datetime(2023, 12, 1, 8, 30, tzinfo=SHANGHAI)
    center.put_many("applications", application_records(
        args.center, args.applications, step_seconds=args.step_seconds, start=start))
    center.put_many("staff", staff_records(args.center, args.staff))
    center.start()
    print(f"READY {center.port}", flush=True)
    threading.Event().wait()


def serve(args: argparse.Namespace) -> None:
    from adapters.registry import centers_folder
    from hub.directory.services import read_centers_file

    path = args.centers or str(centers_folder("") / "centers.toml")
    started = []
    for entry in read_centers_file(path):
        stanza = entry.get("adapter") or {}
        if stanza.get("kind") != "http_json":
            continue
        port = int(stanza["base_url"].rsplit(":", 1)[1].split("/")[0])
        token = os.environ.get(stanza.get("token_env") or "", DEMO_TOKEN)
        center = FakeCenter(token=token, port=port)
        code = entry["code"]
        center.put_many("staff", as_exported(code, staff_records(code, 12)))
        center.put_many("applications",
                        as_exported(code, application_records(code, args.applications)))
        started.append(center.start())
        print(f"{entry['code']}: {center.url}", flush=True)
    print(f"READY {len(started)} sample centers", flush=True)
    threading.Event().wait()


CSV_HEADERS = {
    "staff": ("工号", "账号", "姓名", "部门", "角色", "状态", "更新时间"),
    "applications": ("业务编号", "事项编码", "申请人", "身份证号", "受理时间", "办理状态",
                     "办结时间", "更新时间"),
}
STATUS_LABELS = {"in_review": "在办", "approved": "办结", "rejected": "不予许可",
                 "withdrawn": "已撤回", "active": "在职", "left": "离职"}


def drops(args: argparse.Namespace) -> None:
    """Write the nightly drop files of the csv_files centers (GB18030, Chinese headers)."""
    import csv
    import io

    for code in args.centers:
        folder = Path(args.folder) / code
        folder.mkdir(parents=True, exist_ok=True)
        streams = {"staff": staff_records(code, 12),
                   "applications": list(application_records(code, args.applications))}
        for stream, records in streams.items():
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(CSV_HEADERS[stream])
            for r in records:
                values = [r[k] for k in r if k != "deleted"]
                writer.writerow([STATUS_LABELS.get(v, v) if isinstance(v, str) else (v or "")
                                 for v in values])
            (folder / f"{stream}-20261129.csv").write_bytes(text.getvalue().encode("gb18030"))
        print(f"{folder}: {', '.join(f'{k} {len(v)}' for k, v in streams.items())}")


def sql_sources(args: argparse.Namespace) -> None:
    """Write a SQLite database per sql center (pinyin tables, as a center's system has
    them) and print the variables that point the hub at them."""
    import sqlite3

    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    for code in args.centers:
        path = folder / f"{code}.sqlite3"
        path.unlink(missing_ok=True)
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE renyuan (gonghao TEXT PRIMARY KEY, zhanghao TEXT, "
                         "xingming TEXT, bumen TEXT, juese TEXT, zhuangtai TEXT, gengxin TEXT)")
            conn.execute("CREATE TABLE banjian (bianhao TEXT PRIMARY KEY, shixiang TEXT, "
                         "shenqingren TEXT, shenfenzheng TEXT, shouli TEXT, zhuangtai TEXT, "
                         "banjie TEXT, gengxin TEXT, shanchu INTEGER)")
            conn.executemany("INSERT INTO renyuan VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [tuple(r.values()) for r in staff_records(code, 12)])
            conn.executemany("INSERT INTO banjian VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             [tuple(r.values()) for r in application_records(code, args.applications)])
        print(f"export HUB_{code.upper()}_SOURCE_URL=sqlite:///{path.resolve()}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m adapters.sample")
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("fake", help="one fake center on a random port")
    one.add_argument("--center", default="binhe")
    one.add_argument("--applications", type=int, default=1000)
    one.add_argument("--staff", type=int, default=20)
    one.add_argument("--step-seconds", type=int, default=473,
                     help="mean seconds between two cases' changes")
    one.add_argument("--token", default=DEMO_TOKEN)
    one.add_argument("--port", type=int, default=0)
    every = commands.add_parser("serve", help="every http_json center of the centers file")
    every.add_argument("--centers", default=os.environ.get("HUB_CENTERS_CONFIG", ""))
    every.add_argument("--applications", type=int, default=300)
    here = Path(__file__).resolve().parent
    files = commands.add_parser("drops", help="write the csv_files centers' drop files")
    files.add_argument("--folder", default=str(here / "drop"))
    files.add_argument("--centers", nargs="+",
                       default=["binhe", "xinbeizhan", "beishichang", "quanyuan"])
    files.add_argument("--applications", type=int, default=120)
    databases = commands.add_parser("sql", help="write the sql centers' sample databases")
    databases.add_argument("folder")
    databases.add_argument("--centers", nargs="+", default=["nanta", "maguanqiao"])
    databases.add_argument("--applications", type=int, default=120)
    args = parser.parse_args(argv)
    {"fake": fake, "serve": serve, "drops": drops, "sql": sql_sources}[args.command](args)


if __name__ == "__main__":
    sys.path.insert(0, str(Path.cwd()))
    main()
