"""Where the real services are (``HUB_TEST_DATABASE_URL``, ``HUB_TEST_BROKER_URL``) and
what a test does when one is unreachable: a loud skip, or a failure under
``HUB_REQUIRE_SERVICES=1`` (CI)."""
from __future__ import annotations

import os
import shutil

import pytest

ADMIN_DATABASE_URL = os.environ.get(
    "HUB_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BROKER_URL = os.environ.get("HUB_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
REQUIRE_SERVICES = os.environ.get("HUB_REQUIRE_SERVICES") == "1"


def unavailable(what: str, error: Exception) -> None:
    message = f"{what} is unreachable ({type(error).__name__}: {error})"
    if REQUIRE_SERVICES:
        pytest.fail(f"HUB_REQUIRE_SERVICES=1 and {message}", pytrace=False)
    pytest.skip(f"SKIPPED LOUDLY: {message}; set HUB_TEST_DATABASE_URL/HUB_TEST_BROKER_URL")


def require_binary(name: str, package: str) -> str:
    """The path of a program the tests drive for real (``make system-deps`` installs its
    Debian package); missing, a loud skip or, under ``HUB_REQUIRE_SERVICES=1``, a failure."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian package {package}; make system-deps)"
        if REQUIRE_SERVICES:
            pytest.fail(message, pytrace=False)
        pytest.skip(f"SKIPPED LOUDLY: {message}")
    return path
