"""analytics demand by price band

Revision ID: analytics_0022
Revises: analytics_0021
Create Date: 2026-11-28 01:00:00

``analytics_demand``: units sold per price band and month, and the forecast months with
their prediction interval, per snapshot; the snapshot keeps the bands' edges.
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


def downgrade():
    op.drop_table("analytics_demand")
    with op.batch_alter_table("analytics_snapshot") as batch:
        batch.drop_column("demand_bands")
