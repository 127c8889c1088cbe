"""portal: warranty claims and their photos

Revision ID: service_0015
Revises: service_0008
Create Date: 2026-11-27 13:00:00

* ``service_request.warranty_claim``: the customer claimed under warranty (portal).
* ``service_request_photo``: photos the customer attached in the portal (stored in the instance
  folder by SHA-256; served only to the customer and to staff).
"""
import sqlalchemy as sa
from alembic import op

revision = "service_0015"
down_revision = "service_0008"
branch_labels = None
depends_on = "core_0015"


def upgrade():
    with op.batch_alter_table("service_request") as batch:
        batch.add_column(sa.Column("warranty_claim", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "service_request_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["service_request.id"], ondelete="CASCADE",
                                name="fk_service_request_photo_request_id_service_request"),
        sa.ForeignKeyConstraint(["customer_id"], ["core_customer.id"], ondelete="CASCADE",
                                name="fk_service_request_photo_customer_id_core_customer"),
        sa.PrimaryKeyConstraint("id", name="pk_service_request_photo"),
    )
    op.create_index("ix_service_request_photo_request_id", "service_request_photo", ["request_id"])
    op.create_index("ix_service_request_photo_customer_id", "service_request_photo", ["customer_id"])


def downgrade():
    op.drop_index("ix_service_request_photo_customer_id", table_name="service_request_photo")
    op.drop_index("ix_service_request_photo_request_id", table_name="service_request_photo")
    op.drop_table("service_request_photo")
    with op.batch_alter_table("service_request") as batch:
        batch.drop_column("warranty_claim")
