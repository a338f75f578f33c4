"""disclosure warnings: the yellow and red cards raised on requests for government
information, once per level and due day

Revision ID: 0014_disclosure_warnings
Revises: 0013_minxin_import
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = "0014_disclosure_warnings"
down_revision = "0013_minxin_import"
branch_labels = None
depends_on = None

_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "disclosure_warnings",
        sa.Column("id", _BIGINT_PK, nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("raised_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["disclosure_requests.id"],
                                name=op.f("fk_disclosure_warnings_request_id_disclosure_requests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_warnings")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_disclosure_warnings_dedupe_key")),
    )
    op.create_index("ix_disclosure_warnings_center_raised", "disclosure_warnings",
                    ["center_code", "raised_at"])
    op.create_index(op.f("ix_disclosure_warnings_request_id"), "disclosure_warnings",
                    ["request_id"])


def downgrade() -> None:
    op.drop_table("disclosure_warnings")
