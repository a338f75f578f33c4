"""sign-in hardening: rate-limit windows, sign-in pairs and locks (instead of login_throttle),
passwords that must change, the audit chain keyed

Revision ID: 0005_sign_in
Revises: 0004_supervision
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.db

revision = "0005_sign_in"
down_revision = "0004_supervision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_windows",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("slot", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", "slot", name=op.f("pk_throttle_windows")),
    )
    op.create_index("ix_throttle_windows_expires_at", "throttle_windows", ["expires_at"])
    # The old throttle counted per name and per address alone; its rows mean nothing to
    # the new counts, so it goes without carrying them over.
    op.drop_table("login_throttle")
    op.create_table(
        "sign_in_pairs",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", hub.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", hub.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", hub.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", "address", name=op.f("pk_sign_in_pairs")),
    )
    op.create_table(
        "sign_in_locks",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("locked_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_sign_in_locks")),
    )
    op.create_index("ix_sign_in_locks_locked_until", "sign_in_locks", ["locked_until"])
    # Accounts that exist keep their passwords as they are (no forced change on upgrade).
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    # Records keep what they were written with: no re-keying (it would rewrite the evidence,
    # and would launder a record changed before the upgrade); records from now on carry the
    # id of the key their MAC was made with, the older ones none (plain SHA-256, still
    # checked, and covered by the first keyed record after them). A nullable column without
    # a default: no row is rewritten, so the append-only triggers are not in the way.
    op.add_column("audit_records", sa.Column("key_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # Not batch: on SQLite that would copy the table and lose its append-only triggers.
    op.drop_column("audit_records", "key_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
    op.drop_index("ix_sign_in_locks_locked_until", table_name="sign_in_locks")
    op.drop_table("sign_in_locks")
    op.drop_table("sign_in_pairs")
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", hub.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", hub.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.drop_index("ix_throttle_windows_expires_at", table_name="throttle_windows")
    op.drop_table("throttle_windows")
