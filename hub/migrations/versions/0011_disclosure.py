"""disclosure: requests for government information, the administrator's yearly figures

Revision ID: 0011_disclosure
Revises: 0004_supervision
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.db

revision = "0011_disclosure"
down_revision = "0005_sign_in"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_COUNTS = ("regulations_made", "regulations_abolished", "regulations_in_force", "normative_made",
           "normative_abolished", "normative_in_force", "licences", "penalties", "coercions")


def upgrade() -> None:
    op.create_table(
        "disclosure_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        *[sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in _COUNTS],
        sa.Column("fees", sa.Numeric(precision=14, scale=4), server_default="0", nullable=False),
        sa.Column("processing_fees", sa.Numeric(precision=12, scale=2), server_default="0",
                  nullable=False),
        sa.Column("reviews", _JSON, nullable=False),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("other_matters", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_disclosure_years")),
    )
    op.create_table(
        "disclosure_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("requester_kind", sa.String(length=16), nullable=False),
        sa.Column("requester_organisation_kind", sa.String(length=16), nullable=True),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("requester_contact_encrypted", sa.Text(), nullable=False),
        sa.Column("requester_contact_hash", sa.String(length=64), nullable=False),
        sa.Column("requester_contact_masked", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("yellow_on", sa.Date(), nullable=True),
        sa.Column("due_on_provisional", sa.Boolean(), nullable=False),
        sa.Column("supplement_requested_on", sa.Date(), nullable=True),
        sa.Column("supplement_reason", sa.Text(), nullable=True),
        sa.Column("resubmitted_on", sa.Date(), nullable=True),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("extended_on", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("extended_by", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        # The annual report's check holds by construction only if no answer precedes its request.
        sa.CheckConstraint("answered_on IS NULL OR answered_on >= received_on",
                           name=op.f("ck_disclosure_requests_answered_after_received")),
        sa.ForeignKeyConstraint(["center_code"], ["centers.code"],
                                name=op.f("fk_disclosure_requests_center_code_centers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_requests")),
        sa.UniqueConstraint("number", name=op.f("uq_disclosure_requests_number")),
    )
    op.create_index("ix_disclosure_requests_answered", "disclosure_requests", ["answered_on"])
    op.create_index("ix_disclosure_requests_received", "disclosure_requests", ["received_on"])
    op.create_index(op.f("ix_disclosure_requests_requester_contact_hash"), "disclosure_requests",
                    ["requester_contact_hash"])
    op.create_index("ix_disclosure_requests_status_due", "disclosure_requests",
                    ["status", "due_on"])


def downgrade() -> None:
    op.drop_table("disclosure_requests")
    op.drop_table("disclosure_years")
