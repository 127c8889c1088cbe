"""customer portal: contact details submitted for review

Revision ID: core_0016
Revises: core_0015
Create Date: 2026-11-27 13:10:00

``core_portal_change``: a customer's requested change of name, emails, phones or addresses,
waiting in the staff queue (accepted or rejected there).
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0016"
down_revision = "core_0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_portal_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["core_customer.id"], ondelete="CASCADE",
                                name="fk_core_portal_change_customer_id_core_customer"),
        sa.ForeignKeyConstraint(["account_id"], ["core_portal_account.id"], ondelete="SET NULL",
                                name="fk_core_portal_change_account_id_core_portal_account"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["core_user.id"], ondelete="SET NULL",
                                name="fk_core_portal_change_decided_by_id_core_user"),
        sa.PrimaryKeyConstraint("id", name="pk_core_portal_change"),
    )
    op.create_index("ix_core_portal_change_customer_id", "core_portal_change", ["customer_id"])
    op.create_index("ix_core_portal_change_status_id", "core_portal_change", ["status", "id"])


def downgrade():
    op.drop_index("ix_core_portal_change_status_id", table_name="core_portal_change")
    op.drop_index("ix_core_portal_change_customer_id", table_name="core_portal_change")
    op.drop_table("core_portal_change")
