"""analytics profit per customer and the Pareto summary

Revision ID: analytics_0021
Revises: analytics_0003
Create Date: 2026-11-28 00:30:00

``analytics_profit``: revenue − cost of goods − other plugins' costs per customer and
snapshot (ranked by profit, for everyone or one owner); the snapshot gains the total,
the Pareto figures and a JSON summary (curve, deciles, costs counted).
"""
import sqlalchemy as sa
from alembic import op


revision = "analytics_0021"
down_revision = "analytics_0003"
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete="CASCADE"):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def upgrade():
    with op.batch_alter_table("analytics_snapshot") as batch:
        batch.add_column(sa.Column("profit_total", sa.Numeric(14, 2), nullable=True))
        batch.add_column(sa.Column("pareto_customers", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("top20_share", sa.Float(), nullable=True))
        batch.add_column(sa.Column("profit_summary", sa.JSON(), nullable=True))
    op.create_table(
        "analytics_profit",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("revenue", sa.Numeric(14, 2), nullable=False),
        sa.Column("goods_cost", sa.Numeric(14, 2), nullable=False),
        sa.Column("other_cost", sa.Numeric(14, 2), nullable=False),
        sa.Column("profit", sa.Numeric(14, 2), nullable=False),
        sa.Column("uncosted_lines", sa.Integer(), nullable=False),
        _fk("analytics_profit", "snapshot_id", "analytics_snapshot"),
        _fk("analytics_profit", "customer_id", "core_customer"),
        _fk("analytics_profit", "owner_id", "core_user", "SET NULL"),
        sa.PrimaryKeyConstraint("snapshot_id", "customer_id", name=op.f("pk_analytics_profit")),
    )
    op.create_index("ix_analytics_profit_rank", "analytics_profit", ["snapshot_id", "profit", "customer_id"])
    op.create_index("ix_analytics_profit_owner_rank", "analytics_profit",
                    ["snapshot_id", "owner_id", "profit", "customer_id"])
    op.create_index("ix_analytics_profit_customer", "analytics_profit", ["customer_id"])


def downgrade():
    op.drop_table("analytics_profit")
    with op.batch_alter_table("analytics_snapshot") as batch:
        for column in ("profit_summary", "top20_share", "pareto_customers", "profit_total"):
            batch.drop_column(column)
