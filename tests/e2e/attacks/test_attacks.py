"""The hub attacked from outside, as the issue 20 review did it: a real gunicorn on
127.0.0.1 (the project's configuration, its own logging) in front of a fresh demo-seeded
database, and every attack class of ``classes/`` run against it over HTTP. Each class
counts what it tried and what held; the figures go to ``$TEST_OUTPUT/attacks-<backend>
.json`` and must be the ones docs/RELIABILITY.md quotes ("Attacks from outside")."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from hub import db
from hub.permissions import Principal
from hub.seed import seed_demo
from tests.e2e.attacks.classes import all_classes
from tests.e2e.attacks.harness import ClassTally, Target
from tests.processes import gunicorn

ROOT = Path(__file__).resolve().parents[3]
OUTPUT = Path(os.environ.get("TEST_OUTPUT", ROOT / "test-output"))
DOC = ROOT / "docs" / "RELIABILITY.md"
TABLE = re.compile(r"<!-- attacks:begin -->(.*?)<!-- attacks:end -->", re.S)

pytestmark = pytest.mark.timeout(900)


def documented() -> dict[str, tuple[int, int]]:
    """The figures docs/RELIABILITY.md quotes: ``| `name` | title | tried | held |``."""
    rows = {}
    for line in TABLE.search(DOC.read_text()).group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (int(cells[2].replace(",", "")),
                                         int(cells[3].replace(",", "")))
    return rows


def test_the_hub_holds_against_every_attack_class(app, backend, tmp_path):
    with app.app_context():
        with db.get_database(app).session_scope() as session:
            seed_demo(session, Principal.system("attacks"))
    folder = tmp_path / "server"
    # Behind the hall's reverse proxy, as deployed (HUB_TRUST_PROXY): its X-Forwarded-For
    # is the client's address, so the sign-in classes come from addresses of their own.
    with gunicorn(app, folder, project_logging=True, HUB_LOG_LEVEL="INFO",
                  HUB_TRUST_PROXY="true") as base:
        target = Target(base, folder / "gunicorn.log", app)
        target.stage()
        tallies = []
        for module in all_classes():
            tally = ClassTally(module.NAME)
            module.run(target, tally)
            tallies.append((module, tally))
    figures = {"backend": backend, "classes": [
        {"class": m.NAME, "title": m.TITLE, "tried": t.tried, "held": t.held}
        for m, t in tallies], "tried": sum(t.tried for _, t in tallies),
        "held": sum(t.held for _, t in tallies)}
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / f"attacks-{backend}.json").write_text(json.dumps(figures, ensure_ascii=False,
                                                               indent=2))
    failures = [f"{t.name}: {f}" for _, t in tallies for f in t.failures]
    assert failures == [], "\n".join(failures[:60])
    assert all(t.tried > 0 for _, t in tallies)
    # The document quotes this run's figures, class by class (the counts do not depend
    # on the backend or the machine: the attacks are a fixed list over the served API).
    assert documented() == {c["class"]: (c["tried"], c["held"]) for c in figures["classes"]}, \
        json.dumps(figures, ensure_ascii=False, indent=2)
