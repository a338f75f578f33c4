"""supervision: rollups per center and per department per day, and the indexes the metrics read

Revision ID: 0004_supervision
Revises: 0003_sync
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_supervision"
down_revision = "0003_sync"
branch_labels = None
depends_on = None

_CENTER_COUNTS = ("submitted", "approved_on_time", "approved_late", "rejected_on_time",
                  "rejected_late", "withdrawn_on_time", "withdrawn_late", "early",
                  "last_day", "supplement_requests")
_DEPARTMENT_COUNTS = ("opened", "approved_on_time", "approved_late", "rejected_on_time",
                      "rejected_late", "supplement_requests", "early", "last_day", "decisions")


def _counts(names: tuple[str, ...]) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in names]


def _center_key(table: str) -> list[sa.Column | sa.Constraint]:
    return [
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["center_code"], ["centers.code"],
                                name=op.f(f"fk_{table}_center_code_centers")),
    ]


def _department_key(table: str) -> list[sa.Column | sa.Constraint]:
    return [
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["department_code"], ["departments.code"],
                                name=op.f(f"fk_{table}_department_code_departments")),
    ]


_OPEN = "status IN ('in_review', 'supplement_requested') AND deleted_at IS NULL"
_WAITING = "status = 'supplement_requested'"
_PENDING = "status = 'pending'"


def upgrade() -> None:
    # What the metrics count at every scrape, read from these small indexes alone.
    op.create_index("ix_applications_open_cards", "applications",
                    ["center_code", "status", "due_at", "yellow_at", "submitted_at"],
                    unique=False, postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN))
    op.create_index("ix_applications_waiting", "applications", ["id"], unique=False,
                    postgresql_where=sa.text(_WAITING), sqlite_where=sa.text(_WAITING))
    op.create_index("ix_approval_tasks_pending", "approval_tasks",
                    ["department_code", "due_at", "yellow_at", "opened_at", "application_id"],
                    unique=False, postgresql_where=sa.text(_PENDING),
                    sqlite_where=sa.text(_PENDING))
    op.create_table(
        "supervision_center_days",
        *_center_key("supervision_center_days"),
        *_counts(_CENTER_COUNTS),
        sa.PrimaryKeyConstraint("center_code", "day", name=op.f("pk_supervision_center_days")),
    )
    op.create_table(
        "supervision_center_working_days",
        *_center_key("supervision_center_working_days"),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("center_code", "day", "working_days",
                                name=op.f("pk_supervision_center_working_days")),
    )
    op.create_table(
        "supervision_department_days",
        *_department_key("supervision_department_days"),
        *_counts(_DEPARTMENT_COUNTS),
        sa.Column("decision_seconds", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("department_code", "day",
                                name=op.f("pk_supervision_department_days")),
    )
    op.create_table(
        "supervision_department_working_days",
        *_department_key("supervision_department_working_days"),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("department_code", "day", "working_days",
                                name=op.f("pk_supervision_department_working_days")),
    )
    op.create_table(
        "supervision_decision_durations",
        *_department_key("supervision_decision_durations"),
        sa.Column("le", sa.String(length=16), nullable=False),
        sa.Column("decisions", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("department_code", "day", "le",
                                name=op.f("pk_supervision_decision_durations")),
    )


def downgrade() -> None:
    op.drop_index("ix_approval_tasks_pending", table_name="approval_tasks")
    op.drop_index("ix_applications_waiting", table_name="applications")
    op.drop_index("ix_applications_open_cards", table_name="applications")
    for table in ("supervision_decision_durations", "supervision_department_working_days",
                  "supervision_department_days", "supervision_center_working_days",
                  "supervision_center_days"):
        op.drop_table(table)
