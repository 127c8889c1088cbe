"""indexes for the salesperson's record rule

Revision ID: sales_0009
Revises: sales_0001
Create Date: 2026-12-01 10:00:00

The rule is now ``owner_id = ?`` on the deal itself (issue 16: owning a customer no
longer widens it; issue 17: the old ``customer_id IN (customers I own)`` made SQLite
scan ``sales_order``). These indexes answer it in the order the pages read: lists and
API by id, the kanban by stage and last change.
"""
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


def downgrade():
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
