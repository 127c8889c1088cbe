"""core tables

Revision ID: core_0001
Revises: 
Create Date: 2026-11-24 18:52:06.920671

On PostgreSQL the customer search column also gets a trigram index (pg_trgm), so
``search_key LIKE '%term%'`` stays fast at a million customers.
"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0001'
down_revision = None
branch_labels = ('core',)
depends_on = None


def upgrade():
    op.create_table('core_plugin',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_core_plugin'))
    )
    op.create_table('core_product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('warranty_months', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_product')),
    sa.UniqueConstraint('sku', name=op.f('uq_core_product_sku'))
    )
    with op.batch_alter_table('core_product', schema=None) as batch_op:
        batch_op.create_index('ix_core_product_active_name', ['active', 'name_key', 'id'], unique=False)

    op.create_table('core_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('permissions', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_role')),
    sa.UniqueConstraint('name', name=op.f('uq_core_role_name'))
    )
    op.create_table('core_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_tag')),
    sa.UniqueConstraint('name', name=op.f('uq_core_tag_name'))
    )
    op.create_table('core_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('ui_language', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_user')),
    sa.UniqueConstraint('email', name=op.f('uq_core_user_email'))
    )
    op.create_table('core_api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_api_token_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_core_api_token_token_hash'))
    )
    with op.batch_alter_table('core_api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('core_customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('search_key', sa.Text(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('preferred_language', sa.String(length=10), nullable=True),
    sa.Column('preferred_channel', sa.String(length=20), nullable=True),
    sa.Column('gender', sa.String(length=20), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('income_band', sa.String(length=20), nullable=True),
    sa.Column('payment_method', sa.String(length=20), nullable=True),
    sa.Column('purchase_purpose', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['core_customer.id'], name=op.f('fk_core_customer_company_id_core_customer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], name=op.f('fk_core_customer_owner_id_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_customer'))
    )
    with op.batch_alter_table('core_customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_customer_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_core_customer_name_key_id', ['name_key', 'id'], unique=False)
        batch_op.create_index('ix_core_customer_owner_name', ['owner_id', 'name_key', 'id'], unique=False)

    op.create_table('core_user_role',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['core_role.id'], name=op.f('fk_core_user_role_role_id_core_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_user_role_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role_id', name=op.f('pk_core_user_role'))
    )
    with op.batch_alter_table('core_user_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_user_role_role_id'), ['role_id'], unique=False)

    op.create_table('core_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('ref', sa.String(length=80), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['core_user.id'], name=op.f('fk_core_activity_assignee_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_core_activity_created_by_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_core_activity_customer_id_core_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_activity'))
    )
    with op.batch_alter_table('core_activity', schema=None) as batch_op:
        batch_op.create_index('ix_core_activity_assignee_open', ['assignee_id', 'done_at', 'due_date', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_activity_customer_id'), ['customer_id'], unique=False)

    op.create_table('core_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('postcode', sa.String(length=20), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_core_address_customer_id_core_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_address'))
    )
    with op.batch_alter_table('core_address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_address_customer_id'), ['customer_id'], unique=False)

    op.create_table('core_consent',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_core_consent_customer_id_core_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'channel', name=op.f('pk_core_consent'))
    )
    op.create_table('core_customer_email',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_core_customer_email_customer_id_core_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_customer_email'))
    )
    with op.batch_alter_table('core_customer_email', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_customer_email_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_customer_email_email'), ['email'], unique=False)

    op.create_table('core_customer_phone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_core_customer_phone_customer_id_core_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_customer_phone'))
    )
    with op.batch_alter_table('core_customer_phone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_customer_phone_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_customer_phone_number'), ['number'], unique=False)

    op.create_table('core_customer_tag',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_core_customer_tag_customer_id_core_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['core_tag.id'], name=op.f('fk_core_customer_tag_tag_id_core_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'tag_id', name=op.f('pk_core_customer_tag'))
    )
    with op.batch_alter_table('core_customer_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_customer_tag_tag_id'), ['tag_id'], unique=False)

    op.create_table('core_interaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=True),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_core_interaction_customer_id_core_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_interaction_user_id_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_interaction'))
    )
    with op.batch_alter_table('core_interaction', schema=None) as batch_op:
        batch_op.create_index('ix_core_interaction_channel', ['customer_id', 'channel', 'occurred_at', 'id'], unique=False)
        batch_op.create_index('ix_core_interaction_timeline', ['customer_id', 'occurred_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_interaction_user_id'), ['user_id'], unique=False)

    op.create_table('core_need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['core_customer.id'], name=op.f('fk_core_need_customer_id_core_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_need'))
    )
    with op.batch_alter_table('core_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_need_customer_id'), ['customer_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_core_customer_search_trgm ON core_customer USING gin (search_key gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_core_customer_search_trgm")
    with op.batch_alter_table('core_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_need_customer_id'))

    op.drop_table('core_need')
    with op.batch_alter_table('core_interaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_interaction_user_id'))
        batch_op.drop_index('ix_core_interaction_timeline')
        batch_op.drop_index('ix_core_interaction_channel')

    op.drop_table('core_interaction')
    with op.batch_alter_table('core_customer_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_customer_tag_tag_id'))

    op.drop_table('core_customer_tag')
    with op.batch_alter_table('core_customer_phone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_customer_phone_number'))
        batch_op.drop_index(batch_op.f('ix_core_customer_phone_customer_id'))

    op.drop_table('core_customer_phone')
    with op.batch_alter_table('core_customer_email', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_customer_email_email'))
        batch_op.drop_index(batch_op.f('ix_core_customer_email_customer_id'))

    op.drop_table('core_customer_email')
    op.drop_table('core_consent')
    with op.batch_alter_table('core_address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_address_customer_id'))

    op.drop_table('core_address')
    with op.batch_alter_table('core_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_activity_customer_id'))
        batch_op.drop_index('ix_core_activity_assignee_open')

    op.drop_table('core_activity')
    with op.batch_alter_table('core_user_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_user_role_role_id'))

    op.drop_table('core_user_role')
    with op.batch_alter_table('core_customer', schema=None) as batch_op:
        batch_op.drop_index('ix_core_customer_owner_name')
        batch_op.drop_index('ix_core_customer_name_key_id')
        batch_op.drop_index(batch_op.f('ix_core_customer_company_id'))

    op.drop_table('core_customer')
    with op.batch_alter_table('core_api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_api_token_user_id'))

    op.drop_table('core_api_token')
    op.drop_table('core_user')
    op.drop_table('core_tag')
    op.drop_table('core_role')
    with op.batch_alter_table('core_product', schema=None) as batch_op:
        batch_op.drop_index('ix_core_product_active_name')

    op.drop_table('core_product')
    op.drop_table('core_plugin')
