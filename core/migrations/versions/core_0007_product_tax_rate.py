"""product tax rate

Revision ID: core_0007
Revises: core_0002
Create Date: 2026-12-01 10:00:00

A product may carry its own tax rate (percent); NULL means the business's default
(``RAPPORT_TAX_RATE``), so existing products follow the default until someone sets one.
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0007"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("core_product") as batch:
        batch.add_column(sa.Column("tax_rate", sa.Numeric(5, 2), nullable=True))


def downgrade():
    with op.batch_alter_table("core_product") as batch:
        batch.drop_column("tax_rate")
