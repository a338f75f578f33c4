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

from adapters.sample.data import SHANGHAI, application_records, staff_records
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
        center.put_many("staff", staff_records(entry["code"], 12))
        center.put_many("applications", application_records(entry["code"], args.applications))
        started.append(center.start())
        print(f"{entry['code']}: {center.url}", flush=True)
    print(f"READY {len(started)} sample centers", flush=True)
    threading.Event().wait()


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
    args = parser.parse_args(argv)
    {"fake": fake, "serve": serve}[args.command](args)


if __name__ == "__main__":
    sys.path.insert(0, str(Path.cwd()))
    main()
