"""customer portal: portal accounts and portal sessions

Revision ID: core_0015
Revises: core_0005
Create Date: 2026-11-27 12:40:00

* ``core_portal_account``: a customer's login to the portal (never a staff user).
* ``core_portal_session``: one row per portal login or staff "view as customer"; the
  portal cookie carries its key, so a session ends on the server.
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0015"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_portal_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("company_access", sa.Boolean(), nullable=False),
        sa.Column("link_generation", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("invited_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["core_customer.id"], ondelete="CASCADE",
                                name="fk_core_portal_account_customer_id_core_customer"),
        sa.ForeignKeyConstraint(["invited_by_id"], ["core_user.id"], ondelete="SET NULL",
                                name="fk_core_portal_account_invited_by_id_core_user"),
        sa.PrimaryKeyConstraint("id", name="pk_core_portal_account"),
        sa.UniqueConstraint("customer_id", name="uq_core_portal_account_customer_id"),
        sa.UniqueConstraint("email", name="uq_core_portal_account_email"),
    )
    op.create_table(
        "core_portal_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("user_agent", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["core_portal_account.id"], ondelete="CASCADE",
                                name="fk_core_portal_session_account_id_core_portal_account"),
        sa.ForeignKeyConstraint(["customer_id"], ["core_customer.id"], ondelete="CASCADE",
                                name="fk_core_portal_session_customer_id_core_customer"),
        sa.ForeignKeyConstraint(["staff_user_id"], ["core_user.id"], ondelete="CASCADE",
                                name="fk_core_portal_session_staff_user_id_core_user"),
        sa.PrimaryKeyConstraint("id", name="pk_core_portal_session"),
        sa.UniqueConstraint("key_hash", name="uq_core_portal_session_key_hash"),
    )
    op.create_index("ix_core_portal_session_account_live", "core_portal_session", ["account_id", "revoked_at"])
    op.create_index("ix_core_portal_session_customer_id", "core_portal_session", ["customer_id"])
    op.create_index("ix_core_portal_session_staff_user_id", "core_portal_session", ["staff_user_id"])


def downgrade():
    op.drop_index("ix_core_portal_session_staff_user_id", table_name="core_portal_session")
    op.drop_index("ix_core_portal_session_customer_id", table_name="core_portal_session")
    op.drop_index("ix_core_portal_session_account_live", table_name="core_portal_session")
    op.drop_table("core_portal_session")
    op.drop_table("core_portal_account")
