"""background jobs and durable events

Revision ID: core_0003
Revises: core_0009
Create Date: 2026-11-27 09:07:34.185738

``core_job`` (background jobs and their progress), ``core_event`` and
``core_event_delivery`` (the durable event log: one delivery per listening plugin),
and ``core_plugin.disabled_after_event`` (where a re-enabled plugin catches up from).
"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0003'
down_revision = 'core_0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('core_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_event'))
    )
    with op.batch_alter_table('core_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_core_event_name_id', ['name', 'id'], unique=False)

    op.create_table('core_event_delivery',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plugin', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['core_event.id'], name=op.f('fk_core_event_delivery_event_id_core_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_event_delivery')),
    sa.UniqueConstraint('event_id', 'plugin', name='uq_core_event_delivery_event_plugin')
    )
    with op.batch_alter_table('core_event_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_core_event_delivery_due', ['status', 'next_attempt_at', 'id'], unique=False)
        batch_op.create_index('ix_core_event_delivery_plugin_status', ['plugin', 'status', 'id'], unique=False)

    op.create_table('core_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('result', sa.String(length=1000), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('worker', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_job_user_id_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_job')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_core_job_dedupe_key'))
    )
    with op.batch_alter_table('core_job', schema=None) as batch_op:
        batch_op.create_index('ix_core_job_kind_id', ['kind', 'id'], unique=False)
        batch_op.create_index('ix_core_job_status_heartbeat', ['status', 'heartbeat_at'], unique=False)
        batch_op.create_index('ix_core_job_user_id_id', ['user_id', 'id'], unique=False)

    with op.batch_alter_table('core_plugin', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_after_event', sa.BigInteger(), nullable=True))



def downgrade():
    with op.batch_alter_table('core_plugin', schema=None) as batch_op:
        batch_op.drop_column('disabled_after_event')

    with op.batch_alter_table('core_job', schema=None) as batch_op:
        batch_op.drop_index('ix_core_job_user_id_id')
        batch_op.drop_index('ix_core_job_status_heartbeat')
        batch_op.drop_index('ix_core_job_kind_id')

    op.drop_table('core_job')
    with op.batch_alter_table('core_event_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_core_event_delivery_plugin_status')
        batch_op.drop_index('ix_core_event_delivery_due')

    op.drop_table('core_event_delivery')
    with op.batch_alter_table('core_event', schema=None) as batch_op:
        batch_op.drop_index('ix_core_event_name_id')
        batch_op.drop_index(batch_op.f('ix_core_event_created_at'))

    op.drop_table('core_event')
