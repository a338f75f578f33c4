"""approvals: working-day calendar, deadline warnings, notifications, task pause days

Revision ID: 0002_approvals
Revises: 0001_foundation
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.db

revision = "0002_approvals"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

_OPEN = "status IN ('in_review', 'supplement_requested')"
_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("published_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["year"], ["calendar_years.year"],
                                name=op.f("fk_calendar_days_year_calendar_years"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_index(op.f("ix_calendar_days_year"), "calendar_days", ["year"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", _BIGINT_PK, nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=True),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_notifications_application_id_applications"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("message_id", name=op.f("uq_notifications_message_id")),
    )
    op.create_index("ix_notifications_center", "notifications", ["center_code", "id"])
    op.create_index("ix_notifications_department", "notifications", ["department_code", "id"])
    op.create_table(
        "deadline_warnings",
        sa.Column("id", _BIGINT_PK, nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("due_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("raised_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_deadline_warnings_application_id_applications"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["approval_tasks.id"],
                                name=op.f("fk_deadline_warnings_task_id_approval_tasks"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_warnings")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_deadline_warnings_dedupe_key")),
    )
    op.create_index(op.f("ix_deadline_warnings_application_id"), "deadline_warnings",
                    ["application_id"])
    op.create_index("ix_deadline_warnings_center_raised", "deadline_warnings",
                    ["center_code", "raised_at"])
    with op.batch_alter_table("approval_tasks") as batch:
        batch.add_column(sa.Column("paused_working_days", sa.Integer(), server_default="0",
                                   nullable=False))
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("routing", _JSON, nullable=True))
    op.create_index("ix_approval_tasks_yellow", "approval_tasks",
                    ["department_code", "status", "yellow_at"])
    op.create_index("ix_applications_open_yellow", "applications", ["center_code", "yellow_at"],
                    postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN))


def downgrade() -> None:
    op.drop_index("ix_applications_open_yellow", table_name="applications")
    op.drop_index("ix_approval_tasks_yellow", table_name="approval_tasks")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("routing")
    with op.batch_alter_table("approval_tasks") as batch:
        batch.drop_column("paused_working_days")
    op.drop_index("ix_deadline_warnings_center_raised", table_name="deadline_warnings")
    op.drop_index(op.f("ix_deadline_warnings_application_id"), table_name="deadline_warnings")
    op.drop_table("deadline_warnings")
    op.drop_index("ix_notifications_department", table_name="notifications")
    op.drop_index("ix_notifications_center", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_calendar_days_year"), table_name="calendar_days")
    op.drop_table("calendar_days")
    op.drop_table("calendar_years")
