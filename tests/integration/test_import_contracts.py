"""The layering's contracts fail on what they forbid: ``lint-imports`` (run first by
``make test``) on a throwaway package with a cycle hidden in a function, and a domain
module reaching an edge through another module. Issue 22: a contract that passes
whatever the code does would guard nothing."""
from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

from tests.processes import BIN, ROOT

CONFIG = """\
[importlinter]
root_packages =
    pkgx
    pkgy
contract_types =
    acyclic_modules: tests.import_contracts.AcyclicModulesContract
    edges_only: tests.import_contracts.EdgesOnlyContract

[importlinter:contract:no-cycles]
name = No import cycles between modules
type = acyclic_modules
packages =
    pkgx

[importlinter:contract:edges]
name = The domain never imports the edges
type = edges_only
container = pkgx
edges =
    pkgx.web
outside =
    pkgy
"""


def package(root: Path, modules: dict[str, str]) -> None:
    for name in ("pkgx", "pkgy"):  # pkgy: a package outside the domain, as monitoring is
        (root / name).mkdir()
        (root / name / "__init__.py").write_text("")
    for name, source in modules.items():
        (root / "pkgx" / f"{name}.py").write_text(textwrap.dedent(source))


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    (root / ".importlinter").write_text(CONFIG)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(ROOT)])}
    return subprocess.run([str(BIN / "lint-imports"), ".importlinter", "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_a_clean_package_keeps_every_contract(tmp_path: Path):
    package(tmp_path, {"core": "X = 1\n", "service": "from pkgx import core\n",
                       "web": "from pkgx import service\n"})
    result = lint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_a_cycle_hidden_inside_a_function_breaks_the_no_cycles_contract(tmp_path: Path):
    package(tmp_path, {"a": "from pkgx import b\n",
                       "b": "def later():\n    from pkgx import a\n    return a\n",
                       "web": ""})
    result = lint(tmp_path)
    assert result.returncode != 0
    assert "No import cycles between modules BROKEN" in result.stdout, result.stdout
    assert "pkgx.a" in result.stdout and "pkgx.b" in result.stdout


def test_a_domain_module_reaching_an_edge_indirectly_breaks_the_layering(tmp_path: Path):
    package(tmp_path, {"service": "from pkgx import helper\n",
                       "helper": "def page():\n    from pkgx import web\n    return web\n",
                       "web": "X = 1\n"})
    result = lint(tmp_path)
    assert result.returncode != 0
    assert "The domain never imports the edges BROKEN" in result.stdout, result.stdout
    assert "pkgx.helper" in result.stdout
