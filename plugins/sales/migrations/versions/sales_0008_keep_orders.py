"""orders and opportunities outlive no customer silently; order lines keep their cost

Revision ID: sales_0008
Revises: sales_0009
Create Date: 2026-11-27 10:00:00

``sales_order.customer_id`` and ``sales_opportunity.customer_id`` cascaded: deleting a
customer silently deleted their confirmed orders. They now RESTRICT (the core answers
409 naming them; erase the person instead). ``sales_order_line.unit_cost`` keeps what
one unit cost when the line was saved (from the catalog), for margins.
"""
import sqlalchemy as sa
from alembic import op

revision = "sales_0008"
down_revision = "sales_0009"
branch_labels = None
depends_on = "core_0008"

TABLES = ("sales_order", "sales_opportunity")


def _customer_fk(table: str, ondelete: str) -> None:
    name = f"fk_{table}_customer_id_core_customer"
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(name, type_="foreignkey")
        batch.create_foreign_key(name, "core_customer", ["customer_id"], ["id"], ondelete=ondelete)


def upgrade():
    for table in TABLES:
        _customer_fk(table, "RESTRICT")
    op.add_column("sales_order_line", sa.Column("unit_cost", sa.Numeric(precision=14, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table("sales_order_line") as batch:
        batch.drop_column("unit_cost")
    for table in TABLES:
        _customer_fk(table, "CASCADE")
