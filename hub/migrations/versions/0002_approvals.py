"""approvals: working-day calendar, warnings (filled by the routing issue)

Revision ID: 0002_approvals
Revises: 0001_foundation
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import hub.db  # noqa: F401

revision = "0002_approvals"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
