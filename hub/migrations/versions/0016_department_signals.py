"""department signals: NOTIFY hub_changes when a department is added, edited or removed,
so that each process's cache of the departments' endpoints is emptied at once
(hub.directory.departments, hub.change_signals)

PostgreSQL only, as 0015 (whose hub_signal_change function the trigger runs).

Revision ID: 0016_department_signals
Revises: 0015_change_signals
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op

revision = "0016_department_signals"
down_revision = "0015_change_signals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # A new department matters too: the cache remembers a code it did not find.
    op.execute("CREATE TRIGGER departments_signal_change "
               "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON departments "
               "FOR EACH STATEMENT EXECUTE FUNCTION hub_signal_change()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS departments_signal_change ON departments")
