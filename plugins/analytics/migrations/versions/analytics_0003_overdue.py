"""analytics overdue-list indexes

Revision ID: analytics_0003
Revises: analytics_0002
Create Date: 2026-11-27 21:00:00

The overdue-customers page pages through one snapshot by ``(overdue_days, customer_id)``,
for everyone (managers) or for one owner (salespeople, record rule).
"""
from alembic import op


revision = "analytics_0003"
down_revision = "analytics_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_analytics_customer_overdue", "analytics_customer", ["snapshot_id", "overdue_days", "customer_id"])
    op.create_index("ix_analytics_customer_owner_overdue", "analytics_customer",
                    ["snapshot_id", "owner_id", "overdue_days", "customer_id"])


def downgrade():
    op.drop_index("ix_analytics_customer_owner_overdue", "analytics_customer")
    op.drop_index("ix_analytics_customer_overdue", "analytics_customer")
