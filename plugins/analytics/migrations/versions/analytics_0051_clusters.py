"""analytics customer clusters

Revision ID: analytics_0051
Revises: analytics_0022
Create Date: 2026-11-28 03:30:00

``analytics_customer.cluster``: each customer's cluster in the snapshot (indexed with the
snapshot for marketing's criterion); ``analytics_cluster``: each cluster's size and profile.
"""
import sqlalchemy as sa
from alembic import op


revision = "analytics_0051"
down_revision = "analytics_0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("analytics_customer") as batch:
        batch.add_column(sa.Column("cluster", sa.SmallInteger(), nullable=True))
    op.create_index("ix_analytics_customer_cluster", "analytics_customer", ["snapshot_id", "cluster"])
    op.create_table(
        "analytics_cluster",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("mean_r", sa.Float(), nullable=False),
        sa.Column("mean_f", sa.Float(), nullable=False),
        sa.Column("mean_m", sa.Float(), nullable=False),
        sa.Column("mean_revenue", sa.Numeric(14, 2), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["snapshot_id"], ["analytics_snapshot.id"],
                                name=op.f("fk_analytics_cluster_snapshot_id_analytics_snapshot"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("snapshot_id", "number", name=op.f("pk_analytics_cluster")),
    )


def downgrade():
    op.drop_table("analytics_cluster")
    op.drop_index("ix_analytics_customer_cluster", table_name="analytics_customer")
    with op.batch_alter_table("analytics_customer") as batch:
        batch.drop_column("cluster")
