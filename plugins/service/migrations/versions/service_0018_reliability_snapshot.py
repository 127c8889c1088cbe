"""reliability figures kept as a snapshot

Revision ID: service_0018
Revises: service_0006
Create Date: 2026-11-27 20:20:00

``service_reliability_snapshot``: the reliability page's and the dashboard card's figures as of
``computed_at``, written by the periodic job ``service.refresh_reliability`` so that a page view
no longer runs three whole-table GROUP BYs over equipment and requests (issue 17).
"""
import sqlalchemy as sa
from alembic import op

revision = "service_0018"
down_revision = "service_0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "service_reliability_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_reliability_snapshot")),
    )
    op.create_index(op.f("ix_service_reliability_snapshot_computed_at"), "service_reliability_snapshot",
                    ["computed_at"])


def downgrade():
    op.drop_index(op.f("ix_service_reliability_snapshot_computed_at"), table_name="service_reliability_snapshot")
    op.drop_table("service_reliability_snapshot")
