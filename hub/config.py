"""Settings: read once from ``HUB_*`` environment variables, with typed coercion.

Nothing set means the embedded default: SQLite in the instance folder, Celery
in-process, development mode with a generated secret kept in the instance folder.
"""
from __future__ import annotations

import dataclasses
import os
import secrets
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "HUB_"


class ConfigurationError(RuntimeError):
    """The configuration cannot work; the message says which variable to set."""


@dataclasses.dataclass(frozen=True)
class Settings:
    env: str = "development"  # development | test | production
    database_url: str = ""  # empty: SQLite in the instance folder
    broker_url: str = ""  # empty: Celery runs tasks in-process
    secret_key: str = ""
    # Encrypts citizens' ID numbers and phones (hub.privacy); required outside development,
    # where a random one is kept in the instance folder.
    pii_key: str = ""
    centers_config: str = ""  # empty: the shipped adapters/centers.toml
    instance_path: str = ""
    token_ttl_seconds: int = 8 * 3600
    # Sign-in throttling (hub/directory/lockout.py). One account from one address: after
    # this many failures in a row each attempt waits, the delay doubling from
    # login_delay_seconds up to login_max_delay_seconds.
    login_max_failures: int = 5
    login_delay_seconds: int = 5
    login_max_delay_seconds: int = 15 * 60
    # One address, every account: this many failures within the window, then accounts
    # not signed in from there in the last login_known_days wait for the window.
    login_address_failures: int = 50
    login_window_seconds: int = 15 * 60
    login_known_days: int = 30
    # One account, every address: this many failures within the window lock it for
    # login_lock_seconds (or until an administrator lifts it), except from known addresses.
    login_account_failures: int = 20
    login_account_window_seconds: int = 3600
    login_lock_seconds: int = 3600
    password_min_length: int = 10
    max_content_length: int = 1024 * 1024
    # Online pre-review: files per pre-review and bytes per file; its endpoint alone takes
    # a body of up to upload_max_files × upload_max_file_bytes + max_content_length.
    upload_max_files: int = 10
    upload_max_file_bytes: int = 10 * 1024 * 1024
    db_pool_size: int = 5
    db_statement_timeout_ms: int = 30_000
    sqlite_busy_timeout_ms: int = 30_000
    log_level: str = "INFO"
    trust_proxy: bool = False
    # The public site's address as printed on documents (the receipt's QR code leads to
    # its progress lookup); empty: the address the clerk's request came to.
    public_url: str = ""
    # Rate limits of the views that declare one (hub.throttle.limit): on or off, and
    # "scope=limit/window_seconds" pairs that replace the rates written in the code.
    rate_limit_enabled: bool = True
    rate_limits: str = ""
    session_cookie_secure: bool = False
    metrics_cache_seconds: float = 5.0
    # Keys the audit chain's MACs (hub/audit/chain.py); not in the database. Earlier keys,
    # comma-separated, still verify the records they made.
    audit_key: str = ""
    audit_previous_keys: str = ""
    audit_anchor_dir: str = ""  # empty: <instance>/audit-anchors
    audit_anchor_minutes: int = 10
    outbox_relay_batch: int = 200
    # The embedded default: how often its off-request relay (deliveries to department
    # systems) looks for retries that fell due while nothing was committed.
    outbox_off_request_poll_seconds: float = 5.0
    # A task message is delivered at most this many + 1 times (quorum queue delivery
    # limit), then dead-lettered and its outbox row marked failed.
    task_delivery_limit: int = 5
    # A task that cannot reach the database is tried again after 2, 4, 8 … 60 s, this
    # many times (about 10 minutes), then dead-lettered like any failed task.
    task_unavailable_retries: int = 14
    deadline_recompute_batch: int = 200  # cases per transaction when a year is published
    sync_hour: int = 1
    sync_minute: int = 30
    sync_batch_size: int = 1000  # records per committed batch (and per page asked of a center)
    # A run starts a preparation process (a second core) once it has prepared this many
    # records itself, and hands it the source when it is up; 0: never. A run of fewer
    # records never pays the process's start.
    sync_prepare_after: int = 1000
    sync_stale_seconds: int = 15 * 60  # a running sync without a heartbeat this long has died
    sync_reconcile_minutes: int = 5
    outbound_max_retries: int = 8  # deliveries to department systems, then a visible failure
    outbound_backoff_seconds: float = 30.0  # first retry delay, doubled each time (capped at 1 h)
    warning_scan_minutes: int = 5
    worker_metrics_port: int = 0  # a Celery worker's /metrics port; 0: none
    worker_metrics_host: str = "127.0.0.1"  # 0.0.0.0 when Prometheus runs elsewhere
    # Tests and development only: the process's clock is the system's moved by this many
    # seconds, so a server or worker that a test starts reads the test's tokens and
    # deadlines on the test's clock. Refused in production.
    clock_offset_seconds: float = 0.0

    @property
    def is_development(self) -> bool:
        return self.env in ("development", "test")

    @property
    def eager_celery(self) -> bool:
        return not self.broker_url


def _coerce(name: str, raw: Any, annotation: Any) -> Any:
    target = annotation
    if isinstance(annotation, str):
        target = {"str": str, "int": int, "bool": bool, "float": float}[annotation]
    if isinstance(raw, target) and not (target is int and isinstance(raw, bool)):
        return raw
    text = str(raw).strip()
    try:
        if target is bool:
            lowered = text.lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(text)
        return target(text)
    except ValueError:
        raise ConfigurationError(
            f"{ENV_PREFIX}{name.upper()}={text!r} is not a valid {target.__name__}"
        ) from None


def load_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    instance_path: str | os.PathLike[str] | None = None,
) -> Settings:
    """Build the settings from ``HUB_*`` variables, then ``overrides`` (tests pass a mapping).

    Override keys may be given as field names (``database_url``) or as variable
    names (``HUB_DATABASE_URL``).
    """
    environ = os.environ if environ is None else environ
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}
    for name in fields:
        key = ENV_PREFIX + name.upper()
        if key in environ:
            values[name] = environ[key]
    for key, value in (overrides or {}).items():
        name = key[len(ENV_PREFIX):].lower() if key.startswith(ENV_PREFIX) else key.lower()
        if name not in fields:
            raise ConfigurationError(f"unknown setting {key!r}")
        values[name] = value
    hints = typing.get_type_hints(Settings)
    coerced = {name: _coerce(name, raw, hints[name]) for name, raw in values.items()}
    settings = Settings(**coerced)
    if instance_path and not settings.instance_path:
        settings = dataclasses.replace(settings, instance_path=str(instance_path))
    return _complete(settings)


def _complete(settings: Settings) -> Settings:
    if settings.env not in ("development", "test", "production"):
        raise ConfigurationError(
            f"HUB_ENV={settings.env!r}: use development, test or production"
        )
    if settings.clock_offset_seconds and not settings.is_development:
        raise ConfigurationError(
            "HUB_CLOCK_OFFSET_SECONDS moves the hub's clock; it is for tests and development "
            "and is refused in production: unset it.")
    changes: dict[str, Any] = {}
    instance = Path(settings.instance_path or "instance")
    if not settings.secret_key:
        if not settings.is_development:
            raise ConfigurationError(
                "HUB_SECRET_KEY is not set. Outside development the hub refuses to start "
                "without it: set HUB_SECRET_KEY to a long random string "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
            )
        changes["secret_key"] = _instance_secret(instance, "secret_key")
    if not settings.pii_key:
        if not settings.is_development:
            raise ConfigurationError(
                "HUB_PII_KEY is not set. It encrypts citizens' ID numbers and phone numbers "
                "at rest; set it to a long random string and keep it with your backups."
            )
        changes["pii_key"] = _instance_secret(instance, "pii_key")
    if not settings.audit_key:
        if not settings.is_development:
            raise ConfigurationError(
                "HUB_AUDIT_KEY is not set. It keys the audit chain, so that whoever can write "
                "the database cannot rewrite the audit trail unseen; set it to a long random "
                "string, keep it away from the database and its backups, and never change it "
                "without moving the old one to HUB_AUDIT_PREVIOUS_KEYS.")
        changes["audit_key"] = _instance_secret(instance, "audit_key")
    if not settings.database_url:
        changes["database_url"] = f"sqlite:///{(instance / 'hub.sqlite3').resolve()}"
    if not settings.audit_anchor_dir:
        changes["audit_anchor_dir"] = str((instance / "audit-anchors").resolve())
    return dataclasses.replace(settings, **changes) if changes else settings


def _instance_secret(instance: Path, name: str) -> str:
    """A development secret generated once and kept in the instance folder, so that
    tokens and encrypted fields survive a restart of the embedded default."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / f".{name}"
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


__all__ = ["ConfigurationError", "Settings", "load_settings"]
