"""supervision: rollups and indexes (filled by the e-supervision issue)

Revision ID: 0004_supervision
Revises: 0003_sync
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import hub.db  # noqa: F401

revision = "0004_supervision"
down_revision = "0003_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
