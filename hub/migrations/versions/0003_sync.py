"""sync: runs, cursors, quarantine (filled by the adapters issue)

Revision ID: 0003_sync
Revises: 0002_approvals
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import hub.db  # noqa: F401

revision = "0003_sync"
down_revision = "0002_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
