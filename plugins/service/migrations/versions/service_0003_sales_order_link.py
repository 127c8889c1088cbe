"""The last sales-order event handled per order (idempotent, order-safe listeners).

Revision ID: service_0003
Revises: service_0001
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = 'service_0003'
down_revision = 'service_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_sales_order',
    sa.Column('order_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_service_sales_order'))
    )


def downgrade():
    op.drop_table('service_sales_order')
