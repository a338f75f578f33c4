"""workbench: supervision notices (督办), the quarantine's review, the audit viewer's indexes

Revision ID: 0008_workbench
Revises: 0004_supervision
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = "0008_workbench"
down_revision = "0011_disclosure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervision_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("answer_days", sa.Integer(), nullable=False),
        sa.Column("due_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("due_at_provisional", sa.Boolean(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", hub.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_supervision_notices_application_id_applications"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["center_code"], ["centers.code"],
                                name=op.f("fk_supervision_notices_center_code_centers")),
        sa.ForeignKeyConstraint(["department_code"], ["departments.code"],
                                name=op.f("fk_supervision_notices_department_code_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_notices")),
        sa.UniqueConstraint("number", name=op.f("uq_supervision_notices_number")),
    )
    op.create_index("ix_supervision_notices_application", "supervision_notices",
                    ["application_id"], unique=False)
    op.create_index("ix_supervision_notices_department", "supervision_notices",
                    ["department_code", "status", "due_at"], unique=False)
    op.create_index("ix_supervision_notices_center", "supervision_notices",
                    ["center_code", "issued_at"], unique=False)

    op.add_column("sync_quarantine", sa.Column("resolution", sa.String(length=16), nullable=True))
    op.add_column("sync_quarantine", sa.Column("resolved_by", sa.String(length=64), nullable=True))
    op.add_column("sync_quarantine", sa.Column("resolution_note", sa.Text(), nullable=True))
    # Records accepted later, before the resolution was written down.
    op.execute("UPDATE sync_quarantine SET resolution = 'accepted' "
               "WHERE resolved_at IS NOT NULL")

    op.create_index("ix_audit_records_action", "audit_records", ["action", "id"], unique=False)
    op.create_index("ix_audit_records_at", "audit_records", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_records_at", table_name="audit_records")
    op.drop_index("ix_audit_records_action", table_name="audit_records")
    with op.batch_alter_table("sync_quarantine") as table:
        table.drop_column("resolution_note")
        table.drop_column("resolved_by")
        table.drop_column("resolution")
    op.drop_index("ix_supervision_notices_center", table_name="supervision_notices")
    op.drop_index("ix_supervision_notices_department", table_name="supervision_notices")
    op.drop_index("ix_supervision_notices_application", table_name="supervision_notices")
    op.drop_table("supervision_notices")
