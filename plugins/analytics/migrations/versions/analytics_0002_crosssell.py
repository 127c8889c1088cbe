"""analytics cross-sell rules and recommendations

Revision ID: analytics_0002
Revises: analytics_0001
Create Date: 2026-11-27 21:00:00

``analytics_rule``: item-to-item rules (support, confidence, lift) mined by the snapshot
job; ``analytics_recommendation``: each customer's top products to offer, per snapshot.
"""
import sqlalchemy as sa
from alembic import op


revision = "analytics_0002"
down_revision = "analytics_0001"
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete="CASCADE"):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def upgrade():
    op.create_table(
        "analytics_rule",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("then_product_id", sa.Integer(), nullable=False),
        sa.Column("buyers", sa.Integer(), nullable=False),
        sa.Column("pair_customers", sa.Integer(), nullable=False),
        sa.Column("followers", sa.Integer(), nullable=False),
        sa.Column("support", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("lift", sa.Float(), nullable=False),
        _fk("analytics_rule", "snapshot_id", "analytics_snapshot"),
        _fk("analytics_rule", "product_id", "core_product"),
        _fk("analytics_rule", "then_product_id", "core_product"),
        sa.PrimaryKeyConstraint("snapshot_id", "product_id", "then_product_id", name=op.f("pk_analytics_rule")),
    )
    op.create_table(
        "analytics_recommendation",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("because_product_id", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("lift", sa.Float(), nullable=False),
        _fk("analytics_recommendation", "snapshot_id", "analytics_snapshot"),
        _fk("analytics_recommendation", "customer_id", "core_customer"),
        _fk("analytics_recommendation", "product_id", "core_product"),
        _fk("analytics_recommendation", "because_product_id", "core_product"),
        sa.PrimaryKeyConstraint("snapshot_id", "customer_id", "rank", name=op.f("pk_analytics_recommendation")),
    )


def downgrade():
    op.drop_table("analytics_recommendation")
    op.drop_table("analytics_rule")
