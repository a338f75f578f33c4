"""foundation: directory, catalog, audit, outbox, applications

Revision ID: 0001_foundation
Revises: 
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
import hub.db

revision = '0001_foundation'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_chain_heads',
    sa.Column('chain', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chain', name=op.f('pk_audit_chain_heads'))
    )
    op.create_table('audit_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('chain', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('center', sa.String(length=32), nullable=True),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_records')),
    sa.UniqueConstraint('chain', 'seq', name=op.f('uq_audit_records_chain_seq'))
    )
    op.create_index('ix_audit_records_actor', 'audit_records', ['actor', 'id'], unique=False)
    op.create_index('ix_audit_records_target', 'audit_records', ['target_id', 'id'], unique=False)
    op.create_table('centers',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_code', sa.String(length=32), nullable=True),
    sa.Column('adapter', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_code'], ['centers.code'], name=op.f('fk_centers_parent_code_centers')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_centers'))
    )
    op.create_table('departments',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('endpoint', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_departments'))
    )
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', hub.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )
    op.create_table('number_sequences',
    sa.Column('scope', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_number_sequences'))
    )
    op.create_table('outbox_messages',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('available_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', hub.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_messages_dedupe_key'))
    )
    op.create_index('ix_outbox_messages_pending', 'outbox_messages', ['status', 'available_at'], unique=False)
    op.create_table('processed_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consumer', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('processed_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processed_messages')),
    sa.UniqueConstraint('consumer', 'message_id', name=op.f('uq_processed_messages_consumer_message_id'))
    )
    op.create_table('service_items',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('promised_days', sa.Integer(), nullable=False),
    sa.Column('form', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('stages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('yellow_days', sa.Integer(), nullable=False),
    sa.Column('guide', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_service_items'))
    )
    op.create_table('applications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('center_code', sa.String(length=32), nullable=False),
    sa.Column('service_item_code', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=True),
    sa.Column('applicant_name', sa.String(length=100), nullable=False),
    sa.Column('applicant_id_encrypted', sa.Text(), nullable=True),
    sa.Column('applicant_id_hash', sa.String(length=64), nullable=True),
    sa.Column('applicant_id_masked', sa.String(length=32), nullable=True),
    sa.Column('applicant_phone_encrypted', sa.Text(), nullable=True),
    sa.Column('applicant_phone_hash', sa.String(length=64), nullable=True),
    sa.Column('applicant_phone_masked', sa.String(length=32), nullable=True),
    sa.Column('form', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('submitted_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', hub.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('yellow_at', hub.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('due_at_provisional', sa.Boolean(), nullable=False),
    sa.Column('paused_at', hub.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('paused_working_days', sa.Integer(), nullable=False),
    sa.Column('concluded_at', hub.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('result_number', sa.String(length=32), nullable=True),
    sa.Column('result_issued_at', hub.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', hub.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['center_code'], ['centers.code'], name=op.f('fk_applications_center_code_centers')),
    sa.ForeignKeyConstraint(['service_item_code'], ['service_items.code'], name=op.f('fk_applications_service_item_code_service_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('center_code', 'external_id', name=op.f('uq_applications_center_code_external_id')),
    sa.UniqueConstraint('number', name=op.f('uq_applications_number')),
    sa.UniqueConstraint('result_number', name=op.f('uq_applications_result_number'))
    )
    op.create_index('ix_applications_applicant_id_hash', 'applications', ['applicant_id_hash'], unique=False)
    op.create_index('ix_applications_center_submitted', 'applications', ['center_code', 'submitted_at'], unique=False)
    op.create_index('ix_applications_concluded', 'applications', ['concluded_at'], unique=False)
    op.create_index('ix_applications_open', 'applications', ['center_code', 'due_at'], unique=False, postgresql_where=sa.text("status IN ('in_review', 'supplement_requested')"), sqlite_where=sa.text("status IN ('in_review', 'supplement_requested')"))
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('center_code', sa.String(length=32), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=True),
    sa.Column('roles', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('token_generation', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['center_code'], ['centers.code'], name=op.f('fk_users_center_code_centers')),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_users_department_code_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('source', 'external_id', name=op.f('uq_users_source_external_id')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_index('ix_users_center_department', 'users', ['center_code', 'department_code'], unique=False)
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('issued_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)
    op.create_table('approval_tasks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('assignee', sa.String(length=64), nullable=True),
    sa.Column('opened_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('yellow_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at_provisional', sa.Boolean(), nullable=False),
    sa.Column('decided_at', hub.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_approval_tasks_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_approval_tasks_department_code_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_tasks')),
    sa.UniqueConstraint('application_id', 'stage', 'department_code', name=op.f('uq_approval_tasks_application_id_stage_department_code'))
    )
    op.create_index(op.f('ix_approval_tasks_application_id'), 'approval_tasks', ['application_id'], unique=False)
    op.create_index('ix_approval_tasks_queue', 'approval_tasks', ['department_code', 'status', 'due_at'], unique=False)
    op.create_table('idempotency_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('center_code', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', hub.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_idempotency_records_application_id_applications')),
    sa.ForeignKeyConstraint(['center_code'], ['centers.code'], name=op.f('fk_idempotency_records_center_code_centers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
    sa.UniqueConstraint('center_code', 'key', name=op.f('uq_idempotency_records_center_code_key'))
    )
    _audit_append_only()


def downgrade() -> None:
    _drop_audit_append_only()
    op.drop_table('idempotency_records')
    op.drop_index('ix_approval_tasks_queue', table_name='approval_tasks')
    op.drop_index(op.f('ix_approval_tasks_application_id'), table_name='approval_tasks')
    op.drop_table('approval_tasks')
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_index('ix_users_center_department', table_name='users')
    op.drop_table('users')
    op.drop_index('ix_applications_open', table_name='applications', postgresql_where=sa.text("status IN ('in_review', 'supplement_requested')"), sqlite_where=sa.text("status IN ('in_review', 'supplement_requested')"))
    op.drop_index('ix_applications_concluded', table_name='applications')
    op.drop_index('ix_applications_center_submitted', table_name='applications')
    op.drop_index('ix_applications_applicant_id_hash', table_name='applications')
    op.drop_table('applications')
    op.drop_table('service_items')
    op.drop_table('processed_messages')
    op.drop_index('ix_outbox_messages_pending', table_name='outbox_messages')
    op.drop_table('outbox_messages')
    op.drop_table('number_sequences')
    op.drop_table('login_throttle')
    op.drop_table('departments')
    op.drop_table('centers')
    op.drop_index('ix_audit_records_target', table_name='audit_records')
    op.drop_index('ix_audit_records_actor', table_name='audit_records')
    op.drop_table('audit_records')
    op.drop_table('audit_chain_heads')


def _audit_append_only() -> None:
    """The application's connections cannot change or remove an audit record."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit records are append-only (% refused)', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END $$""")
        op.execute("""CREATE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE
                      ON audit_records FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()""")
        op.execute("""CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE
                      ON audit_records FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only()""")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_records_no_{event.lower()} BEFORE {event}
                           ON audit_records BEGIN
                           SELECT RAISE(ABORT, 'audit records are append-only'); END""")


def _drop_audit_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_truncate ON audit_records")
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_change ON audit_records")
        op.execute("DROP FUNCTION IF EXISTS audit_records_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_delete")
