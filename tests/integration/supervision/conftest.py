from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hub import db as hub_db


@pytest.fixture
def tx(app: Flask) -> Iterator[Session]:
    """A session with real transactions, for writing cases the way services do."""
    session = hub_db.get_database(app).sessionmaker()
    yield session
    session.close()
