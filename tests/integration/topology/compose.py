"""Reading the deployment files as Docker would: docker-compose.yml (PyYAML resolves its
anchors and merge keys), .env.example, the Dockerfile, and the HUB_* variables the code
reads (the settings' fields, direct environment reads, the centers file's variables)."""
from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from hub.config import ENV_PREFIX, Settings
from hub.directory.services import read_centers_file

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
CENTERS = ROOT / "adapters" / "centers.toml"
CODE = ("hub", "adapters", "monitoring")  # what the image ships
HUB_SERVICES = ("migrate", "web", "worker", "worker-sync", "beat")
_ASSIGNMENT = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")
_INTERPOLATION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(:?[?-][^}]*)?\}")


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def interpolated(value: str) -> set[str]:
    """The variables a compose value takes from `.env` (``${NAME:?message}``)."""
    return {m.group(1) for m in _INTERPOLATION.finditer(value)}


@dataclasses.dataclass(frozen=True)
class EnvExample:
    values: dict[str, str]  # uncommented lines: the file `.env` starts from
    documented: set[str]  # every variable named, commented or not


def env_example() -> EnvExample:
    values, documented = {}, set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if match:
            documented.add(match.group(2))
            if not match.group(1):
                values[match.group(2)] = match.group(3)
    return EnvExample(values, documented)


def settings_variables() -> set[str]:
    return {ENV_PREFIX + f.name.upper() for f in dataclasses.fields(Settings)}


def _environment_reads(tree: ast.AST) -> Iterator[str]:
    """``os.environ.get("X")``, ``os.environ["X"]``, ``os.getenv("X")``."""
    for node in ast.walk(tree):
        target, key = None, None
        if isinstance(node, ast.Call) and node.args:
            target, key = node.func, node.args[0]
        elif isinstance(node, ast.Subscript):
            target, key = node, node.slice
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            continue
        source = ast.unparse(target)
        if source in ("os.environ.get", "os.getenv", "os.environ.setdefault") \
                or source.startswith("os.environ["):
            yield key.value


def code_variables() -> set[str]:
    """Every HUB_* variable the shipped code reads: the settings, direct environment
    reads in hub/, adapters/ and monitoring/, and the variables the centers file names."""
    found = settings_variables()
    for package in CODE:
        for path in (ROOT / package).rglob("*.py"):
            found.update(v for v in _environment_reads(ast.parse(path.read_text("utf-8")))
                         if v.startswith(ENV_PREFIX))
    for center in read_centers_file(CENTERS):
        stanza = center.get("adapter") or {}
        found.update(stanza[k] for k in ("token_env", "url_env") if stanza.get(k))
    return found


def bind_mounts(service: dict[str, Any]) -> list[tuple[Path, str]]:
    """(host path, container path) of a service's ``./…:/…`` volumes."""
    mounts = []
    for volume in service.get("volumes") or []:
        source, target = str(volume).split(":")[:2]
        if source.startswith("."):
            mounts.append(((ROOT / source).resolve(), target))
    return mounts


def named_volumes(service: dict[str, Any]) -> set[str]:
    return {str(v).split(":")[0] for v in service.get("volumes") or []
            if not str(v).startswith((".", "/"))}
