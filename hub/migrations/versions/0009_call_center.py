"""call center: tickets, their replies, answer policy and cards; ratings; receipt codes

Revision ID: 0009_call_center
Revises: 0008_workbench
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = "0009_call_center"
down_revision = "0008_workbench"
branch_labels = None
depends_on = None

_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AWAITING = "status IN ('open', 'assigned', 'reopened')"
_NOT_CLOSED = "status <> 'closed'"


def _when() -> hub.db.UtcDateTime:
    return hub.db.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("applications", sa.Column("receipt_code_hash", sa.String(length=64),
                                            nullable=True))
    op.create_table(
        "tickets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("service_item_code", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("caller_name", sa.String(length=50), nullable=False),
        sa.Column("caller_phone_encrypted", sa.Text(), nullable=True),
        sa.Column("caller_phone_hash", sa.String(length=64), nullable=True),
        sa.Column("caller_phone_masked", sa.String(length=32), nullable=True),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("received_at", _when(), nullable=False),
        sa.Column("clock_from", _when(), nullable=False),
        sa.Column("due_at", _when(), nullable=False),
        sa.Column("yellow_at", _when(), nullable=False),
        sa.Column("due_at_provisional", sa.Boolean(), nullable=False),
        sa.Column("respond_by", _when(), nullable=False),
        sa.Column("first_action_at", _when(), nullable=True),
        sa.Column("answered_at", _when(), nullable=True),
        sa.Column("closed_at", _when(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("replies_count", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("receipt_code_hash", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(["center_code"], ["centers.code"],
                                name=op.f("fk_tickets_center_code_centers")),
        sa.ForeignKeyConstraint(["department_code"], ["departments.code"],
                                name=op.f("fk_tickets_department_code_departments")),
        sa.ForeignKeyConstraint(["service_item_code"], ["service_items.code"],
                                name=op.f("fk_tickets_service_item_code_service_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    op.create_index("ix_tickets_center_received", "tickets", ["center_code", "received_at"])
    op.create_index("ix_tickets_department_status", "tickets",
                    ["department_code", "status", "due_at"])
    op.create_index("ix_tickets_owner_status", "tickets", ["owner", "status", "due_at"])
    op.create_index("ix_tickets_not_closed", "tickets", ["center_code", "kind", "due_at", "status"],
                    postgresql_where=sa.text(_NOT_CLOSED), sqlite_where=sa.text(_NOT_CLOSED))
    op.create_index("ix_tickets_received_labels", "tickets", ["center_code", "kind", "channel"])
    op.create_index("ix_tickets_awaiting_yellow", "tickets", ["yellow_at"],
                    postgresql_where=sa.text(_AWAITING), sqlite_where=sa.text(_AWAITING))
    op.create_index("ix_tickets_caller_phone_hash", "tickets", ["caller_phone_hash"])
    op.create_table(
        "ticket_replies",
        sa.Column("id", _BIGINT_PK, nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("at", _when(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_ticket_replies_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["department_code"], ["departments.code"],
                                name=op.f("fk_ticket_replies_department_code_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_replies")),
    )
    op.create_index(op.f("ix_ticket_replies_ticket_id"), "ticket_replies", ["ticket_id"])
    op.create_table(
        "ticket_policies",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_ticket_policies")),
    )
    op.create_table(
        "ticket_warnings",
        sa.Column("id", _BIGINT_PK, nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("due_at", _when(), nullable=False),
        sa.Column("raised_at", _when(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_ticket_warnings_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_warnings")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_ticket_warnings_dedupe_key")),
    )
    op.create_index("ix_ticket_warnings_center_raised", "ticket_warnings",
                    ["center_code", "raised_at"])
    op.create_index(op.f("ix_ticket_warnings_ticket_id"), "ticket_warnings", ["ticket_id"])
    op.create_table(
        "ratings",
        sa.Column("id", _BIGINT_PK, nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rater_masked", sa.String(length=50), nullable=True),
        sa.Column("rated_at", _when(), nullable=False),
        sa.Column("rectification_ticket_id", sa.Uuid(), nullable=True),
        sa.Column("appeal_status", sa.String(length=16), nullable=True),
        sa.Column("appeal_reason", sa.Text(), nullable=True),
        sa.Column("appealed_by", sa.String(length=64), nullable=True),
        sa.Column("appealed_at", _when(), nullable=True),
        sa.Column("appeal_decided_by", sa.String(length=64), nullable=True),
        sa.Column("appeal_decided_at", _when(), nullable=True),
        sa.Column("appeal_comment", sa.Text(), nullable=True),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("(application_id IS NULL) <> (ticket_id IS NULL)",
                           name=op.f("ck_ratings_one_subject")),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_ratings_level_range")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_ratings_application_id_applications"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_ratings_ticket_id_tickets"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["rectification_ticket_id"], ["tickets.id"],
                                name=op.f("fk_ratings_rectification_ticket_id_tickets"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["center_code"], ["centers.code"],
                                name=op.f("fk_ratings_center_code_centers")),
        sa.ForeignKeyConstraint(["department_code"], ["departments.code"],
                                name=op.f("fk_ratings_department_code_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("application_id", name=op.f("uq_ratings_application_id")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_ratings_ticket_id")),
    )
    op.create_index("ix_ratings_center_rated", "ratings", ["center_code", "rated_at"])
    op.create_index("ix_ratings_appeal", "ratings", ["appeal_status"])


def downgrade() -> None:
    op.drop_table("ratings")
    op.drop_table("ticket_warnings")
    op.drop_table("ticket_policies")
    op.drop_table("ticket_replies")
    op.drop_table("tickets")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("receipt_code_hash")
