"""customer erasure time; product unit cost

Revision ID: core_0008
Revises: core_0004
Create Date: 2026-11-27 10:00:00

``core_customer.erased_at`` marks a customer whose personal data were erased (GDPR)
while their business records stay. ``core_product.unit_cost`` is what one unit costs
the business (optional), so orders can keep their cost and margins can be computed.
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0008"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("core_customer", sa.Column("erased_at", sa.DateTime(), nullable=True))
    op.add_column("core_product", sa.Column("unit_cost", sa.Numeric(precision=14, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table("core_product") as batch:
        batch.drop_column("unit_cost")
    with op.batch_alter_table("core_customer") as batch:
        batch.drop_column("erased_at")
