"""security hardening: server-side sessions

Revision ID: core_0009
Revises: core_0002
Create Date: 2026-12-01 10:00:00

* ``core_user_session``: one row per login; the session cookie carries its key, so a
  session can be ended on the server (logout, password change, deactivation, "log out
  everywhere"). Cookies from before this revision carry no key and are refused: everyone
  logs in once more after the upgrade.
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0009"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("core_user.id", ondelete="CASCADE",
                                                         name="fk_core_user_session_user_id_core_user"),
                  nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("user_agent", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_core_user_session"),
        sa.UniqueConstraint("key_hash", name="uq_core_user_session_key_hash"),
    )
    op.create_index("ix_core_user_session_user_live", "core_user_session", ["user_id", "revoked_at"])


def downgrade():
    op.drop_index("ix_core_user_session_user_live", table_name="core_user_session")
    op.drop_table("core_user_session")
