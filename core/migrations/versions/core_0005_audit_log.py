"""audit log

Revision ID: core_0005
Revises: core_0008
Create Date: 2026-11-27 10:00:00

One append-only table of changes and security events (core.audit). No foreign keys:
entries outlive the users and customers they mention. Each index serves one filter
of the audit page and ends in the page's (at, id) keyset order.

``core_event.user_id``: whose change announced an event, so that a worker delivering it
later records the listener's changes on that user's behalf.
"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0005'
down_revision = 'core_0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('core_audit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=True),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('remote_addr', sa.String(length=45), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('record_type', sa.String(length=60), nullable=True),
    sa.Column('record_id', sa.String(length=64), nullable=True),
    sa.Column('record_label', sa.String(length=200), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_audit'))
    )
    op.create_index('ix_core_audit_at', 'core_audit', ['at', 'id'], unique=False)
    op.create_index('ix_core_audit_user', 'core_audit', ['user_id', 'at', 'id'], unique=False)
    op.create_index('ix_core_audit_record', 'core_audit', ['record_type', 'record_id', 'at', 'id'], unique=False)
    op.create_index('ix_core_audit_customer', 'core_audit', ['customer_id', 'at', 'id'], unique=False)
    op.add_column('core_event', sa.Column('user_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('core_event') as batch:
        batch.drop_column('user_id')
    op.drop_index('ix_core_audit_customer', table_name='core_audit')
    op.drop_index('ix_core_audit_record', table_name='core_audit')
    op.drop_index('ix_core_audit_user', table_name='core_audit')
    op.drop_index('ix_core_audit_at', table_name='core_audit')
    op.drop_table('core_audit')
