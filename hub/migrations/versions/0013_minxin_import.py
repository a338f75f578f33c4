"""minxin import: a ticket keeps the number of the platform case it was imported from
(民心网编号), one ticket per number and channel

Revision ID: 0013_minxin_import
Revises: 0012_hall
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_minxin_import"
down_revision = "0012_hall"
branch_labels = None
depends_on = None

_EXTERNAL = "external_number IS NOT NULL"


def upgrade() -> None:
    # A nullable column: added in place on both backends (no table copy on SQLite).
    op.add_column("tickets", sa.Column("external_number", sa.String(length=64), nullable=True))
    op.create_index("uq_tickets_channel_external_number", "tickets",
                    ["channel", "external_number"], unique=True,
                    postgresql_where=sa.text(_EXTERNAL), sqlite_where=sa.text(_EXTERNAL))


def downgrade() -> None:
    op.drop_index("uq_tickets_channel_external_number", table_name="tickets")
    with op.batch_alter_table("tickets") as table:
        table.drop_column("external_number")
