"""messaging: outbox, inbound mail, templates

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-27 09:01:09.218618

The outbox of email and SMS, mail received by `rapport mail-in` with its attachments,
personal message templates (one text per language) and the per-channel send rate.
"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0004'
down_revision = 'core_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('core_message_rate',
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('next_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('channel', name=op.f('pk_core_message_rate'))
    )
    op.create_table('core_message_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('sample_variables', sa.JSON(), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_message_template')),
    sa.UniqueConstraint('key', name=op.f('uq_core_message_template_key'))
    )
    op.create_table('core_message_template_text',
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['core_message_template.id'], name=op.f('fk_core_message_template_text_template_id_core_message_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('template_id', 'language', name=op.f('pk_core_message_template_text'))
    )
    op.create_table('core_outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=True),
    sa.Column('template_key', sa.String(length=80), nullable=True),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('segments', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('ref', sa.String(length=120), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=1000), nullable=False),
    sa.Column('provider_id', sa.String(length=255), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_core_outbox_message_created_by_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_core_outbox_message_customer_id_core_customer'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_outbox_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_core_outbox_message_dedupe_key')),
    sa.UniqueConstraint('message_id', name=op.f('uq_core_outbox_message_message_id'))
    )
    with op.batch_alter_table('core_outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_outbox_message_claim_token'), ['claim_token'], unique=False)
        batch_op.create_index('ix_core_outbox_message_customer_id_id', ['customer_id', 'id'], unique=False)
        batch_op.create_index('ix_core_outbox_message_due', ['status', 'channel', 'next_attempt_at', 'id'], unique=False)
        batch_op.create_index('ix_core_outbox_message_recipient_id', ['recipient', 'id'], unique=False)
        batch_op.create_index('ix_core_outbox_message_ref', ['ref', 'id'], unique=False)
        batch_op.create_index('ix_core_outbox_message_status_id', ['status', 'id'], unique=False)

    op.create_table('core_inbound_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('raw_sha256', sa.String(length=64), nullable=False),
    sa.Column('raw_size', sa.Integer(), nullable=False),
    sa.Column('raw_stored', sa.Boolean(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.Column('in_reply_to', sa.String(length=255), nullable=True),
    sa.Column('references', sa.Text(), nullable=False),
    sa.Column('from_address', sa.String(length=254), nullable=False),
    sa.Column('from_name', sa.String(length=200), nullable=False),
    sa.Column('to_addresses', sa.Text(), nullable=False),
    sa.Column('cc_addresses', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('sent_date', sa.DateTime(), nullable=True),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=True),
    sa.Column('is_bounce', sa.Boolean(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('matched_by', sa.String(length=10), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['core_user.id'], name=op.f('fk_core_inbound_mail_assigned_by_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_core_inbound_mail_customer_id_core_customer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['outbox_id'], ['core_outbox_message.id'], name=op.f('fk_core_inbound_mail_outbox_id_core_outbox_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_inbound_mail')),
    sa.UniqueConstraint('raw_sha256', name=op.f('uq_core_inbound_mail_raw_sha256'))
    )
    with op.batch_alter_table('core_inbound_mail', schema=None) as batch_op:
        batch_op.create_index('ix_core_inbound_mail_customer_id_id', ['customer_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_inbound_mail_from_address'), ['from_address'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_inbound_mail_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_inbound_mail_outbox_id'), ['outbox_id'], unique=False)

    op.create_table('core_inbound_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['mail_id'], ['core_inbound_mail.id'], name=op.f('fk_core_inbound_attachment_mail_id_core_inbound_mail'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_inbound_attachment'))
    )
    with op.batch_alter_table('core_inbound_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_inbound_attachment_mail_id'), ['mail_id'], unique=False)



def downgrade():
    with op.batch_alter_table('core_inbound_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_inbound_attachment_mail_id'))

    op.drop_table('core_inbound_attachment')
    with op.batch_alter_table('core_inbound_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_inbound_mail_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_core_inbound_mail_message_id'))
        batch_op.drop_index(batch_op.f('ix_core_inbound_mail_from_address'))
        batch_op.drop_index('ix_core_inbound_mail_customer_id_id')

    op.drop_table('core_inbound_mail')
    with op.batch_alter_table('core_outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_core_outbox_message_status_id')
        batch_op.drop_index('ix_core_outbox_message_ref')
        batch_op.drop_index('ix_core_outbox_message_recipient_id')
        batch_op.drop_index('ix_core_outbox_message_due')
        batch_op.drop_index('ix_core_outbox_message_customer_id_id')
        batch_op.drop_index(batch_op.f('ix_core_outbox_message_claim_token'))

    op.drop_table('core_outbox_message')
    op.drop_table('core_message_template_text')
    op.drop_table('core_message_template')
    op.drop_table('core_message_rate')
