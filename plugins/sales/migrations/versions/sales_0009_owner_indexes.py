"""indexes for the salesperson's record rule; versions for optimistic locking

Revision ID: sales_0009
Revises: sales_0001
Create Date: 2026-12-01 10:00:00

The rule is now ``owner_id = ?`` on the deal itself (issue 16: owning a customer no
longer widens it; issue 17: the old ``customer_id IN (customers I own)`` made SQLite
scan ``sales_order``). These indexes answer it in the order the pages read: lists and
API by id, the kanban by stage and last change.

``version`` on opportunities and orders: every change bumps it (SQLAlchemy's
``version_id_col``), forms and ``If-Match`` refuse stale writes (core/web/versions.py).
"""
import sqlalchemy as sa
from alembic import op

revision = "sales_0009"
down_revision = "sales_0001"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_sales_opportunity_owner_list", "sales_opportunity", ["owner_id", "id"]),
    ("ix_sales_opportunity_owner_stage", "sales_opportunity", ["owner_id", "stage_id", "updated_at", "id"]),
    ("ix_sales_order_owner_list", "sales_order", ["owner_id", "id"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    for table in ("sales_opportunity", "sales_order"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    for table in ("sales_opportunity", "sales_order"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
