"""analytics demand by price band, repurchase interval per product

Revision ID: analytics_0022
Revises: analytics_0021
Create Date: 2026-11-28 01:00:00

``analytics_demand``: units sold per price band and month, and the forecast months with
their prediction interval, per snapshot; the snapshot keeps the bands' edges.
``analytics_product_interval``: each product's median days between a customer's purchases.
"""
import sqlalchemy as sa
from alembic import op


revision = "analytics_0022"
down_revision = "analytics_0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("analytics_snapshot") as batch:
        batch.add_column(sa.Column("demand_bands", sa.JSON(), nullable=True))
    op.create_table(
        "analytics_demand",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("units", sa.Float(), nullable=False),
        sa.Column("forecast", sa.Boolean(), nullable=False),
        sa.Column("lower", sa.Float(), nullable=True),
        sa.Column("upper", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["snapshot_id"], ["analytics_snapshot.id"],
                                name=op.f("fk_analytics_demand_snapshot_id_analytics_snapshot"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("snapshot_id", "band", "month", name=op.f("pk_analytics_demand")),
    )
    op.create_table(
        "analytics_product_interval",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("buyers", sa.Integer(), nullable=False),
        sa.Column("repeat_customers", sa.Integer(), nullable=False),
        sa.Column("intervals", sa.Integer(), nullable=False),
        sa.Column("median_days", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["snapshot_id"], ["analytics_snapshot.id"],
                                name=op.f("fk_analytics_product_interval_snapshot_id_analytics_snapshot"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["core_product.id"],
                                name=op.f("fk_analytics_product_interval_product_id_core_product"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("snapshot_id", "product_id", name=op.f("pk_analytics_product_interval")),
    )
    op.create_index("ix_analytics_product_interval_rank", "analytics_product_interval",
                    ["snapshot_id", "repeat_customers", "product_id"])


def downgrade():
    op.drop_table("analytics_product_interval")
    op.drop_table("analytics_demand")
    with op.batch_alter_table("analytics_snapshot") as batch:
        batch.drop_column("demand_bands")
