"""sync: runs, cursors, quarantine, outbound deliveries

Revision ID: 0003_sync
Revises: 0002_approvals
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.db

revision = "0003_sync"
down_revision = "0002_approvals"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("id", _BIGINT, nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("stream", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("started_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", hub.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.Column("cursor_start", sa.Text(), nullable=True),
        sa.Column("cursor_end", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["center_code"], ["centers.code"],
                                name=op.f("fk_sync_runs_center_code_centers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index("uq_sync_runs_one_running", "sync_runs", ["center_code", "stream"],
                    unique=True, postgresql_where=_RUNNING, sqlite_where=_RUNNING)
    op.create_index("ix_sync_runs_center_started", "sync_runs", ["center_code", "started_at"])
    op.create_table(
        "sync_cursors",
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("stream", sa.String(length=32), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("run_id", _BIGINT, nullable=True),
        sa.Column("updated_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["center_code"], ["centers.code"],
                                name=op.f("fk_sync_cursors_center_code_centers")),
        sa.PrimaryKeyConstraint("center_code", "stream", name=op.f("pk_sync_cursors")),
    )
    op.create_table(
        "sync_quarantine",
        sa.Column("id", _BIGINT, nullable=False),
        sa.Column("run_id", _BIGINT, nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("stream", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("record", _JSON, nullable=False),
        sa.Column("reasons", _JSON, nullable=False),
        sa.Column("created_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", hub.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["center_code"], ["centers.code"],
                                name=op.f("fk_sync_quarantine_center_code_centers")),
        sa.ForeignKeyConstraint(["run_id"], ["sync_runs.id"],
                                name=op.f("fk_sync_quarantine_run_id_sync_runs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_quarantine")),
    )
    op.create_index(op.f("ix_sync_quarantine_run_id"), "sync_quarantine", ["run_id"])
    op.create_index("ix_sync_quarantine_center_id", "sync_quarantine", ["center_code", "id"])
    op.create_index("ix_sync_quarantine_key", "sync_quarantine",
                    ["center_code", "stream", "external_id"])
    op.create_table(
        "outbound_deliveries",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("delivered_at", hub.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["approval_tasks.id"],
                                name=op.f("fk_outbound_deliveries_task_id_approval_tasks"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_outbound_deliveries")),
    )


def downgrade() -> None:
    op.drop_table("outbound_deliveries")
    op.drop_index("ix_sync_quarantine_key", table_name="sync_quarantine")
    op.drop_index("ix_sync_quarantine_center_id", table_name="sync_quarantine")
    op.drop_index(op.f("ix_sync_quarantine_run_id"), table_name="sync_quarantine")
    op.drop_table("sync_quarantine")
    op.drop_table("sync_cursors")
    op.drop_index("ix_sync_runs_center_started", table_name="sync_runs")
    op.drop_index("uq_sync_runs_one_running", table_name="sync_runs")
    op.drop_table("sync_runs")
