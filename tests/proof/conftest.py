"""The proof of issue 8: fault, load and attack scenarios on the real services.

They stop and restart the shared PostgreSQL and RabbitMQ, so they never run inside
``make test`` (where other tests use those services in parallel): ``make proof`` runs
them after it, one at a time (``HUB_PROOF=1 pytest tests/proof -p no:xdist``), each
bounded by pytest-timeout and restoring the service it stopped in a ``finally``.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.approvals.conftest import hall  # noqa: F401  (the cast of the approval walks)

# Without HUB_PROOF=1 (i.e. inside `make test`) nothing here is even collected.
collect_ignore_glob = [] if os.environ.get("HUB_PROOF") == "1" else ["*"]

FIGURES = Path(os.environ.get("HUB_PROOF_FIGURES", "test-output/proof"))


@pytest.fixture
def backend() -> str:
    """The proof runs on the production topology's database: PostgreSQL only."""
    return "postgresql"


@pytest.fixture(scope="session")
def figures() -> Iterator["Figures"]:
    """Where each scenario writes what it injected and what it counted (JSON), the
    source of the figures in docs/RELIABILITY.md."""
    from tests.proof.report import Figures

    yield Figures(FIGURES)
