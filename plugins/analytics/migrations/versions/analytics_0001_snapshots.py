"""analytics snapshot tables

Revision ID: analytics_0001
Revises:
Create Date: 2026-11-27 16:00:00

``analytics_snapshot``: one row per recomputation (complete when ``completed_at`` is
set); ``analytics_customer``: the figures of each customer who bought, per snapshot.
Depends on core_0005 (``core_job``, customers, users) and sales_0008 (the
``sales_order_lines`` query hook with costs the job reads).
"""
import sqlalchemy as sa
from alembic import op


revision = "analytics_0001"
down_revision = None
branch_labels = ("analytics",)
depends_on = ("core_0005", "sales_0008")


def upgrade():
    op.create_table(
        "analytics_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("bg_r", sa.Float(), nullable=True),
        sa.Column("bg_alpha", sa.Float(), nullable=True),
        sa.Column("bg_a", sa.Float(), nullable=True),
        sa.Column("bg_b", sa.Float(), nullable=True),
        sa.Column("gg_p", sa.Float(), nullable=True),
        sa.Column("gg_q", sa.Float(), nullable=True),
        sa.Column("gg_gamma", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["core_job.id"], name=op.f("fk_analytics_snapshot_job_id_core_job"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_snapshot")),
    )
    op.create_index(op.f("ix_analytics_snapshot_completed_at"), "analytics_snapshot", ["completed_at"])
    op.create_table(
        "analytics_customer",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("first_purchase", sa.Date(), nullable=False),
        sa.Column("last_purchase", sa.Date(), nullable=False),
        sa.Column("purchases", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("recency", sa.Float(), nullable=False),
        sa.Column("age", sa.Float(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("mean_repeat_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("r_score", sa.SmallInteger(), nullable=False),
        sa.Column("f_score", sa.SmallInteger(), nullable=False),
        sa.Column("m_score", sa.SmallInteger(), nullable=False),
        sa.Column("rfm_class", sa.String(length=20), nullable=False),
        sa.Column("interval_median", sa.Float(), nullable=True),
        sa.Column("interval_cv", sa.Float(), nullable=True),
        sa.Column("next_expected", sa.Date(), nullable=True),
        sa.Column("overdue_days", sa.Integer(), nullable=True),
        sa.Column("p_alive", sa.Float(), nullable=True),
        sa.Column("expected_purchases", sa.Float(), nullable=True),
        sa.Column("expected_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["core_customer.id"],
                                name=op.f("fk_analytics_customer_customer_id_core_customer"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["core_user.id"], name=op.f("fk_analytics_customer_owner_id_core_user"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["snapshot_id"], ["analytics_snapshot.id"],
                                name=op.f("fk_analytics_customer_snapshot_id_analytics_snapshot"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("snapshot_id", "customer_id", name=op.f("pk_analytics_customer")),
    )
    op.create_index("ix_analytics_customer_rank", "analytics_customer", ["snapshot_id", "expected_value", "customer_id"])
    op.create_index("ix_analytics_customer_owner_rank", "analytics_customer",
                    ["snapshot_id", "owner_id", "expected_value", "customer_id"])
    op.create_index("ix_analytics_customer_class", "analytics_customer", ["snapshot_id", "rfm_class"])
    op.create_index("ix_analytics_customer_customer", "analytics_customer", ["customer_id"])


def downgrade():
    op.drop_table("analytics_customer")
    op.drop_table("analytics_snapshot")
