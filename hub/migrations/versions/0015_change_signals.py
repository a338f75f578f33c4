"""change signals: NOTIFY hub_changes when users, bearer tokens or the calendar change,
so that each process's caches of them are emptied at once (hub.change_signals)

PostgreSQL only: on SQLite one process holds the database and empties its own caches.

Revision ID: 0015_change_signals
Revises: 0014_disclosure_warnings
Create Date: 2026-12-05
"""
from __future__ import annotations

from alembic import op

revision = "0015_change_signals"
down_revision = "0014_disclosure_warnings"
branch_labels = None
depends_on = None

# (table, the changes that matter): a new user or token changes nothing cached.
TRIGGERS = (("users", "UPDATE OR DELETE"), ("api_tokens", "UPDATE OR DELETE"),
            ("calendar_years", "INSERT OR UPDATE OR DELETE"),
            ("calendar_days", "INSERT OR UPDATE OR DELETE"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Statement-level: one signal per statement (and PostgreSQL folds equal payloads of
    # one transaction into one), delivered when the transaction commits.
    op.execute("""
        CREATE FUNCTION hub_signal_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('hub_changes', TG_TABLE_NAME);
            RETURN NULL;
        END $$""")
    for table, events in TRIGGERS:
        op.execute(f"CREATE TRIGGER {table}_signal_change AFTER {events} OR TRUNCATE "
                   f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION hub_signal_change()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, _events in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_signal_change ON {table}")
    op.execute("DROP FUNCTION IF EXISTS hub_signal_change()")
