"""analytics per-owner counts and retention in the snapshot

Revision ID: analytics_0052
Revises: analytics_0051
Create Date: 2026-11-28 09:20:00

``analytics_owner_count``: customers per owner × RFM class × previous class × cluster, and
``analytics_retention``: buyers per owner and pair of periods, both written by the job so the
overview, clusters, classes and retention read a few rows instead of counting per view.
``analytics_snapshot.owner_counts`` says a snapshot has them (older snapshots: counted live
until the next run), ``counted_against`` which previous snapshot the movement compares with.
"""
import sqlalchemy as sa
from alembic import op


revision = "analytics_0052"
down_revision = "analytics_0051"
branch_labels = None
depends_on = None


def _owned_table(name, *columns):
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        *columns,
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["snapshot_id"], ["analytics_snapshot.id"],
                                name=op.f(f"fk_{name}_snapshot_id_analytics_snapshot"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["core_user.id"], name=op.f(f"fk_{name}_owner_id_core_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )


def upgrade():
    with op.batch_alter_table("analytics_snapshot") as batch:
        batch.add_column(sa.Column("owner_counts", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("counted_against", sa.Integer(), nullable=True))
    _owned_table("analytics_owner_count",
                 sa.Column("rfm_class", sa.String(length=20), nullable=False),
                 sa.Column("previous_class", sa.String(length=20), nullable=True),
                 sa.Column("cluster", sa.SmallInteger(), nullable=True))
    op.create_index("ix_analytics_owner_count_owner", "analytics_owner_count", ["snapshot_id", "owner_id"])
    _owned_table("analytics_retention",
                 sa.Column("before_start", sa.Integer(), nullable=False),
                 sa.Column("before_months", sa.SmallInteger(), nullable=False),
                 sa.Column("after_start", sa.Integer(), nullable=False),
                 sa.Column("after_months", sa.SmallInteger(), nullable=False))
    op.create_index("ix_analytics_retention_pair", "analytics_retention",
                    ["snapshot_id", "before_start", "before_months", "after_start", "after_months", "owner_id"])


def downgrade():
    op.drop_index("ix_analytics_retention_pair", table_name="analytics_retention")
    op.drop_table("analytics_retention")
    op.drop_index("ix_analytics_owner_count_owner", table_name="analytics_owner_count")
    op.drop_table("analytics_owner_count")
    with op.batch_alter_table("analytics_snapshot") as batch:
        batch.drop_column("counted_against")
        batch.drop_column("owner_counts")
