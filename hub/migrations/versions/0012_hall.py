"""hall: the service-item editor's draft, publication and per-center availability, the
deactivation of items and departments (issue 21, item 9); one head again after the
workbench (0008) and the public site (0010) branches

Revision ID: 0012_hall
Revises: 0010_public_site, 0008_workbench
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.db

revision = "0012_hall"
down_revision = "0010_public_site"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TIME = hub.db.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("service_items") as table:
        table.add_column(sa.Column("draft", _JSON, nullable=True))
        table.add_column(sa.Column("active", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        table.add_column(sa.Column("centers", _JSON, nullable=True))
        table.add_column(sa.Column("published_at", _TIME, nullable=True))
        table.add_column(sa.Column("published_by", sa.String(length=64), nullable=True))
    # Every item defined before the editor was offered as defined: published then.
    op.execute("UPDATE service_items SET published_at = updated_at, published_by = 'migration'")
    with op.batch_alter_table("departments") as table:
        table.add_column(sa.Column("active", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("departments") as table:
        table.drop_column("active")
    with op.batch_alter_table("service_items") as table:
        for column in ("published_by", "published_at", "centers", "active", "draft"):
            table.drop_column(column)
