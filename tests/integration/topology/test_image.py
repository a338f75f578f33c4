"""The Dockerfile, checked without Docker: two stages on a slim Python, a non-root user,
sources that exist and are not left out of the build context, the compose file's web
command as its default; and what ``pip install .`` puts into the image (built here from a
copy of exactly the files the Dockerfile copies) runs ``hub init`` and loads the web app
outside the source tree."""
from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys

from tests.integration.topology.compose import DOCKERFILE, ROOT, compose

SERVICES = compose()["services"]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    joined, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            joined.append(current.strip())
            current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in joined]


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction, arguments in instructions():
        if instruction == "FROM":
            found.append([])
        found[-1].append((instruction, arguments))
    return found


def ignored(path: str) -> bool:
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]
    return any(fnmatch.fnmatch(path, p) or path.startswith(p.rstrip("/") + "/")
               for p in patterns)


def copied_sources() -> list[str]:
    """What the build stage copies from the context (not ``--from=`` another stage)."""
    sources = []
    for instruction, arguments in stages()[0]:
        if instruction == "COPY" and not arguments.startswith("--from"):
            *paths, _target = shlex.split(arguments)
            sources += paths
    return sources


def test_a_two_stage_build_on_a_slim_python_running_as_a_non_root_user():
    build, runtime = stages()
    assert all("slim" in s[0][1] for s in (build, runtime))
    assert build[0][1].split()[0] == runtime[0][1].split()[0]  # the same Python
    users = [a for i, a in runtime if i == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(i == "COPY" and a.startswith("--from=build") for i, a in runtime)
    assert not any(i == "COPY" and not a.startswith("--from") for i, a in runtime), \
        "the runtime stage takes only the built virtualenv"
    assert json.loads(dict(runtime)["CMD"]) == SERVICES["web"]["command"]
    assert "8000" in dict(runtime)["EXPOSE"].split()


def test_what_the_build_copies_exists_and_is_in_the_build_context():
    sources = copied_sources()
    assert {"hub", "adapters", "monitoring", "setup.cfg", "pyproject.toml"} <= set(sources)
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not ignored(source), f".dockerignore leaves {source} out of the context"
    for secret in (".env", "instance", ".venv", ".git"):
        assert ignored(secret), f"{secret} would be sent to the Docker daemon"


def test_the_installed_package_migrates_and_loads_the_app_outside_the_source_tree(tmp_path):
    context = tmp_path / "context"
    for source in copied_sources():  # exactly what `COPY` puts into /src
        target = context / source
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, target,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / source, target)
    lib = tmp_path / "lib"
    built = subprocess.run(  # what `pip install .` builds: the packages and their data
        [sys.executable, "-c", "import setuptools; setuptools.setup()", "-q",
         "egg_info", "--egg-base", str(tmp_path), "build_py", "--build-lib", str(lib)],
        cwd=context, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    for needed in ("hub/migrations/env.py", "hub/migrations/script.py.mako",
                   "hub/migrations/versions/0001_foundation.py", "hub/web/templates/base.html",
                   "hub/web/static/css/hub.css", "adapters/centers.toml",
                   "adapters/sample/drop/binhe/applications-20261129.csv",
                   "monitoring/prometheus/prometheus.yml"):
        assert (lib / needed).is_file(), f"the image would lack {needed}"
    versions = {p.name for p in (ROOT / "hub/migrations/versions").glob("*.py")}
    assert versions <= {p.name for p in (lib / "hub/migrations/versions").glob("*.py")}
    entry_points = next(tmp_path.glob("*.egg-info")).joinpath("entry_points.txt").read_text()
    assert "hub = hub.cli:main" in entry_points
    for kind in ("http_json", "csv_files", "sql"):
        assert f"{kind} = adapters." in entry_points

    home = tmp_path / "var-lib-hub"  # the image's WORKDIR, far from the sources
    home.mkdir()
    env = {**os.environ, "PYTHONPATH": str(lib), "HUB_ENV": "production",
           "HUB_SECRET_KEY": "s" * 43, "HUB_PII_KEY": "p" * 43, "HUB_AUDIT_KEY": "a" * 43,
           "HUB_INSTANCE_PATH": str(home),
           "HUB_DATABASE_URL": f"sqlite:///{home / 'hub.sqlite3'}"}
    for name in ("HUB_BROKER_URL", "HUB_CENTERS_CONFIG", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    script = ("import sys, hub; assert hub.__file__.startswith(sys.argv[1]), hub.__file__; "
              "from hub.cli import main; main(['init'])")
    init = subprocess.run([sys.executable, "-c", script, str(lib)], env=env, cwd=home,
                          capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stdout + init.stderr
    assert "centers: 16 created" in init.stdout
    wsgi = subprocess.run([sys.executable, "-c", "from hub.wsgi import app; "
                           "print(len(list(app.url_map.iter_rules())))"],
                          env=env, cwd=home, capture_output=True, text=True, timeout=120)
    assert wsgi.returncode == 0 and int(wsgi.stdout) > 20, wsgi.stdout + wsgi.stderr
