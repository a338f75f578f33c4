"""The ``hub`` command: a composition root that only translates to services."""
from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask

from hub import bootstrap, db
from hub import demo as demo_defaults
from hub.config import ConfigurationError
from hub.directory.models import ROLES
from hub.permissions import Principal

if TYPE_CHECKING:
    from celery import Celery


def make_app() -> Flask:
    from hub.app import create_app

    try:
        return create_app()
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


@contextlib.contextmanager
def app_session(app: Flask) -> Iterator:  # type: ignore[type-arg]
    with app.app_context(), db.get_database(app).session_scope() as session:
        yield session


def cli_actor(command: str) -> Principal:
    return Principal.system(f"cli:{command}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="service-center-hub")
def main() -> None:
    """沈河区政务服务中心 数据中心（hub）：统一数据库、统一用户、并联审批、电子监察。"""


@main.command()
def init() -> None:
    """Create or migrate the database and load the centers' configuration (safe to re-run)."""
    app = make_app()
    with app.app_context():
        try:
            counts = bootstrap.initialise(db.get_database(app),
                                          bootstrap.centers_file(app.config["HUB_SETTINGS"]),
                                          cli_actor("init"))
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"database ready: {_redact(app.config['HUB_SETTINGS'].database_url)}")
    click.echo("centers: {created} created, {updated} updated, {unchanged} unchanged".format(**counts))
    click.echo("working-day calendar: {calendar_years} official years added".format(**counts))


@main.command()
@click.option("--demo", is_flag=True, required=True, help="Load the demo departments, items and staff.")
def seed(demo: bool) -> None:
    """Load demo departments, service items and staff for the 16 centers."""
    from hub.seed import DEMO_PASSWORD, seed_demo

    app = make_app()
    with app_session(app) as session:
        counts = seed_demo(session, cli_actor("seed"))
    click.echo("seeded: {departments} departments, {service_items} service items, "
               "{users} staff accounts".format(**counts))
    click.echo(f"demo accounts (password {DEMO_PASSWORD}): admin, supervisor, clerk-<center>, "
               "<department>-approver1, <department>-chief")


@main.group()
def user() -> None:
    """Staff accounts in the one user directory."""


@user.command("add")
@click.argument("username")
@click.option("--center", required=True, help="Center code, e.g. district or binhe.")
@click.option("--department", default=None, help="Department code (approvers and chiefs).")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(ROLES))
@click.option("--display-name", default=None, help="Name shown in pages (defaults to USERNAME).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_add(username: str, center: str, department: str | None, roles: tuple[str, ...],
             display_name: str | None, password_stdin: bool) -> None:
    """Add a staff account."""
    import marshmallow as ma

    from hub.directory.schemas import UserSchema
    from hub.directory.services import create_user
    from hub.errors import HubError

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    raw = {"username": username, "display_name": display_name or username, "center": center,
           "department": department, "roles": list(roles)}
    if password is not None:
        raw["password"] = password
    try:
        values = UserSchema().load(raw)
    except ma.ValidationError as exc:
        raise click.ClickException(f"invalid account: {exc.messages}") from exc
    app = make_app()
    with app_session(app) as session:
        try:
            created = create_user(session, cli_actor("user-add"), values)
        except HubError as exc:
            raise click.ClickException(f"{exc.detail} {exc.errors or ''}".strip()) from exc
    click.echo(f"user {created.username} added to {created.center_code} "
               f"as {', '.join(created.roles)}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web application (threaded; for production use gunicorn, see README)."""
    from werkzeug.serving import run_simple

    app = make_app()
    click.echo(f"serving on http://{host}:{port}/  (API /api/v1, OpenAPI /openapi.json)")
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@main.command()
@click.option("--instance", "folder", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="The demo's own folder, rebuilt on every run "
              "[default: $HUB_INSTANCE_PATH/demo, else instance/demo].")
@click.option("--seed", default=demo_defaults.DEFAULT_SEED, show_default=True,
              help="Same seed, same week.")
@click.option("--cases", default=demo_defaults.DEFAULT_CASES, show_default=True,
              type=click.IntRange(16, 20_000),
              help="Cases submitted at the 16 centers' windows during the week.")
@click.option("--tickets", default=demo_defaults.DEFAULT_TICKETS, show_default=True,
              type=click.IntRange(0, 20_000),
              help="Calls, web messages and visits taken by the call center during the week "
              "(0: no call center week, no ratings).")
@click.option("--week", type=click.DateTime(["%Y-%m-%d"]),
              default=demo_defaults.DEFAULT_WEEK.isoformat(), show_default=True,
              help="A day of the week to simulate.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Where to serve, on 127.0.0.1 (0: any free port).")
@click.option("--no-serve", is_flag=True, help="Prepare, print the figures and exit.")
def demo(folder: Path | None, seed: int, cases: int, tickets: int, week: Any, port: int,
         no_serve: bool) -> None:
    """The whole platform on the embedded default: a fresh database, the 16 centers, a
    nightly sync from the sample center systems, a simulated working week, then the
    pages, the API and /metrics on 127.0.0.1 (nothing to install but Python)."""
    from hub.demo import prepare as demo_prepare
    from hub.demo import report, serving
    from hub.demo.driver import DemoError
    from hub.demo.story import UNREACHABLE
    from hub.seed import DEMO_PASSWORD

    options = demo_prepare.Options(instance=folder or demo_prepare.default_instance(),
                                   seed=seed, cases=cases, tickets=tickets, week=week.date())
    click.echo(f"hub demo：演示目录 {options.instance.resolve()}（每次运行都会重建其中的数据库）")
    progress = _BarProgress()
    try:
        if not no_serve:
            serving.check_port(port)
        prepared = demo_prepare.prepare(options, progress)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.close()
    for line in report.summary_lines(
            seconds=prepared.seconds, seed=seed, start=prepared.plan.start,
            end=prepared.plan.end, done=prepared.replay.done, cards=prepared.replay.cards,
            runs=prepared.runs, figures=prepared.figures,
            incident=dataclasses.asdict(prepared.incident),
            story=report.story_lines(
                nights=prepared.told.nights, failed_runs=prepared.told.failed_runs,
                unreachable=UNREACHABLE, notices=prepared.told.notices,
                answered=prepared.told.answered, left=prepared.told.left)):
        click.echo(line)
    for line in report.disclosure_lines(prepared.disclosure):
        click.echo(line)
    for line in report.public_lines(prepared.public.windows, prepared.public.appointments,
                                    prepared.public.prereviews):
        click.echo(line)
    for line in report.hall_lines(claimed=prepared.hall.claimed, pool=prepared.hall.pool,
                                  awaiting_supplement=prepared.hall.awaiting_supplement,
                                  drafts=prepared.hall.drafts):
        click.echo(line)
    if no_serve:
        prepared.close()
        return
    systems = {code: fake.url for code, fake in prepared.systems.servers.items()}

    def ready(base_url: str) -> None:
        for line in report.address_lines(base_url, systems, DEMO_PASSWORD, prepared.plan.end):
            click.echo(line)

    try:
        serving.serve(prepared, port, ready)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc


class _BarProgress:
    """The demo's steps as tqdm progress bars on standard error."""

    def __init__(self) -> None:
        self.bar: Any = None

    def stage(self, label: str, total: int) -> None:
        from tqdm import tqdm

        self.close()
        self.bar = tqdm(total=total, desc=label, file=sys.stderr, dynamic_ncols=True,
                        bar_format="{desc}  {percentage:3.0f}%|{bar:24}| {n_fmt}/{total_fmt} "
                                   "[{elapsed}]")

    def advance(self, units: int = 1) -> None:
        self.bar.update(units)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


_CELERY_PASSTHROUGH = {"ignore_unknown_options": True, "allow_extra_args": True,
                       "help_option_names": ["-h", "--help"]}


def _celery_app(*, need_broker: bool = True):  # type: ignore[no-untyped-def]
    """The Flask app and its Celery app (a worker needs a broker)."""
    app = make_app()
    if need_broker and app.config["HUB_SETTINGS"].eager_celery:
        raise click.ClickException(
            "HUB_BROKER_URL is not set: without a broker the hub runs its tasks in-process "
            "and needs no worker. Set HUB_BROKER_URL (e.g. amqp://user:pass@host:5672//).")
    return app, app.extensions["celery"]


@main.command(context_settings=_CELERY_PASSTHROUGH)
@click.option("--queues", "-Q", default="default", show_default=True,
              help="Comma-separated queues to consume (e.g. default, or sync.binhe); "
                   "sync.* stands for the sync queue of every center with an adapter.")
@click.option("--concurrency", "-c", default=None, type=int, help="Worker processes.")
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.pass_context
def worker(ctx: click.Context, queues: str, concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker with the hub's settings (further options go to Celery)."""
    from monitoring.multiproc import prepare_environment

    # Before prometheus-client is imported: a prefork pool's children then report their
    # task metrics through files the worker's metrics port adds up (HUB_WORKER_METRICS_PORT).
    prepare_environment("hub-worker-metrics-")
    app, celery_app = _celery_app()
    argv = ["worker", "--queues", _expand_queues(queues, app), "--loglevel", loglevel, *ctx.args]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    ctx.exit(_run_celery(celery_app, argv))


def _expand_queues(spec: str, app: Flask) -> str:
    """``sync.*`` → ``sync.<center>`` for every center the centers file gives an adapter
    (the queues the nightly fan-out and ``POST /api/v1/sync/{center}/runs`` use)."""
    from hub.directory.services import read_centers_file
    from hub.sync.tasks import queue_name

    names: list[str] = []
    for name in (q.strip() for q in spec.split(",") if q.strip()):
        if name != "sync.*":
            names.append(name)
            continue
        path = bootstrap.centers_file(app.config["HUB_SETTINGS"])
        try:
            names += [queue_name(c["code"]) for c in read_centers_file(path) if c.get("adapter")]
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    return ",".join(dict.fromkeys(names))


@main.command(context_settings=_CELERY_PASSTHROUGH)
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.option("--schedule-file", default=None,
              help="Where beat keeps its last run times (default: the instance folder).")
@click.pass_context
def beat(ctx: click.Context, loglevel: str, schedule_file: str | None) -> None:
    """Run Celery beat: the schedule of hub/schedule.py, Asia/Shanghai times. Without a
    broker (the embedded default) it runs the scheduled tasks itself, in-process."""
    app, celery_app = _celery_app(need_broker=False)
    settings = app.config["HUB_SETTINGS"]
    path = schedule_file or str(Path(settings.instance_path or "instance") / "celerybeat-schedule")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ctx.exit(_run_celery(celery_app, ["beat", "--loglevel", loglevel, "--schedule", path, *ctx.args]))


def _run_celery(celery_app: Celery, argv: list[str]) -> int:
    """Run a ``celery`` sub-command on this app and return its exit status.

    ``Celery.start``/``worker_main`` drop it (click, not in standalone mode, returns the
    status instead of raising), so a worker that stopped on an unrecoverable error exited 0:
    reported as a clean stop, and never restarted by a supervisor that restarts on failure
    (systemd's ``Restart=on-failure``). The app is handed over as ``Celery.start`` does it.
    """
    from celery.bin.celery import celery as celery_command
    from click.exceptions import Exit

    celery_command.params[0].default = celery_app
    try:
        status = celery_command.main(args=argv, standalone_mode=False)
    except Exit as exc:
        status = exc.exit_code
    finally:
        celery_command.params[0].default = None
    return status if isinstance(status, int) else 0


@main.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@click.option("--anchors", type=click.Path(file_okay=False), default=None,
              help="Folder of exported chain heads (default: the configured anchor folder).")
def audit_verify(anchors: str | None) -> None:
    """Check every audit chain against its keys and the signed anchors; exit status 1
    when a record was changed, removed, reordered, added or cut off."""
    from hub.audit.anchors import read_anchors
    from hub.audit.services import keys, verify

    app = make_app()
    folder = anchors or app.config["HUB_SETTINGS"].audit_anchor_dir
    with app_session(app) as session:
        report = verify(session, read_anchors(folder, keys()))
    for item in report.problems:
        click.echo(f"TAMPERED chain={item.chain} seq={item.seq}: {item.problem}", err=True)
    click.echo(f"audit chains: {report.chains}, records: {report.records}, "
               f"problems: {len(report.problems)}")
    if not report.ok:
        sys.exit(1)


@audit.command("anchor")
def audit_anchor() -> None:
    """Append the signed chain heads to the anchor folder now (beat does it every few
    minutes; keep copies of the folder elsewhere)."""
    from hub import clock
    from hub.audit.anchors import write_anchor
    from hub.audit.services import keys

    app = make_app()
    with app_session(app) as session:
        path = write_anchor(session, app.config["HUB_SETTINGS"].audit_anchor_dir, keys(),
                            clock.now(), force=True)
    click.echo(f"anchor written: {path}")


@main.command("sync")
@click.argument("center")
@click.option("--stream", type=click.Choice(["staff", "applications"]), default=None,
              help="Only this stream (default: every stream the center's adapter offers).")
@click.option("--full", is_flag=True,
              help="Read from the beginning instead of the committed cursor (nothing is "
                   "written twice: unchanged records are counted, not rewritten).")
def sync_command(center: str, stream: str | None, full: bool) -> None:
    """Sync a center now, with a progress bar, and print its report; exit status 1 when
    a run failed."""
    from tqdm import tqdm

    from hub.errors import HubError
    from hub.sync.runner import sync_center

    app = make_app()
    bars: dict[int, tqdm] = {}  # type: ignore[type-arg]

    def progress(run) -> None:  # type: ignore[no-untyped-def]
        bar = bars.get(run.id)
        if bar is None:
            bar = bars[run.id] = tqdm(desc=f"{center}/{run.stream}", unit=" 条",
                                      file=sys.stderr, leave=False)
        bar.update(run.fetched - bar.n)
        bar.set_postfix(new=run.inserted, upd=run.updated, same=run.unchanged,
                        bad=run.rejected, refresh=False)

    with app.app_context():
        try:
            runs = sync_center(db.get_database(app), center, stream=stream, trigger="cli",
                               requested_by="cli:sync", full=full, progress=progress)
        except HubError as exc:
            raise click.ClickException(exc.detail) from exc
        finally:
            for bar in bars.values():
                bar.close()
    for run in runs:
        click.echo(
            f"{run.center_code}/{run.stream}: {run.status}  fetched={run.fetched} "
            f"inserted={run.inserted} updated={run.updated} unchanged={run.unchanged} "
            f"rejected={run.rejected} duration={run.duration_seconds or 0:.2f}s run={run.id}")
        if run.error:
            click.echo(f"  error: {run.error}", err=True)
        if run.rejected:
            click.echo(f"  {run.rejected} record(s) quarantined: "
                       f"GET /api/v1/sync/quarantine?center={run.center_code}", err=True)
    if any(run.status != "succeeded" for run in runs):
        sys.exit(1)


@main.group()
def tickets() -> None:
    """The call center's tickets (工单)."""


@tickets.command("import-minxin")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--operator", required=True, metavar="USERNAME",
              help="The operator (话务员) who receives the cases and owns them (首问负责).")
def tickets_import_minxin(file: Path, operator: str) -> None:
    """Receive a 民心网 export (CSV in UTF-8 or GB18030, or XLSX) as tickets: one per case
    number, however often the file is imported. Exit status 1 when the file or any row
    was refused."""
    from sqlalchemy import select
    from tqdm import tqdm

    from hub.directory.auth import principal_for
    from hub.directory.models import User
    from hub.domain_errors import DomainError
    from hub.errors import HubError
    from hub.tickets import minxin
    from hub.tickets.imports import import_minxin

    if file.stat().st_size > minxin.MAX_BYTES:
        raise click.ClickException(f"{file.name}：文件过大（超过 {minxin.MAX_BYTES // 2**20} MiB）")
    data = file.read_bytes()
    app = make_app()
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=f"民心网 {file.name}", unit=" 件", file=sys.stderr,
                       leave=False)
        bar.update(done - bar.n)

    with app_session(app) as session:
        user = session.scalars(select(User).where(User.username == operator)).one_or_none()
        if user is None or user.status != "active":
            raise click.ClickException(f"没有在岗的账号 {operator}")
        try:
            report = import_minxin(session, principal_for(user), data, filename=file.name,
                                   progress=progress)
        except HubError as exc:
            raise click.ClickException(exc.detail) from exc
        except DomainError as exc:
            raise click.ClickException(f"{file.name}：{exc.detail}") from exc
        finally:
            if bar is not None:
                bar.close()
    click.echo("民心网导入 {name}：共 {rows} 行，新受理 {received} 件，已导入过 {already_imported} 件，"
               "未导入 {refused} 行".format(name=file.name, **report.counts()))
    for item in report.received:
        click.echo(f"  受理  第 {item.row} 行 {item.number} → {item.ticket}")
    for item in report.already:
        click.echo(f"  已有  第 {item.row} 行 {item.number} → {item.ticket or '（其他中心的工单）'}")
    for refusal in report.refused:
        click.echo(f"  未导入 第 {refusal.row} 行 {refusal.number or ''}：{'；'.join(refusal.lines())}",
                   err=True)
    if report.refused:
        sys.exit(1)


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":  # pragma: no cover
    main()
