"""security hardening: server-side sessions, history visibility, customer versions

Revision ID: core_0009
Revises: core_0007
Create Date: 2026-12-01 10:00:00

* ``core_user_session``: one row per login; the session cookie carries its key, so a
  session can be ended on the server (logout, password change, deactivation, "log out
  everywhere"). Cookies from before this revision carry no key and are refused: everyone
  logs in once more after the upgrade.
* ``record``, ``visible_to``, ``visible_with`` on ``core_interaction`` and
  ``core_activity``: an entry about a plugin's record is visible like the record
  (core/history/guards.py). Existing rows stay visible to everyone who sees the customer
  (NULL); plugins fill the columns from now on.
* ``core_customer.version``: optimistic locking (core/web/versions.py).
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0009"
down_revision = "core_0007"
branch_labels = None
depends_on = None

GUARDED = ("core_interaction", "core_activity")


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
    with op.batch_alter_table("core_customer") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    for table in GUARDED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("record", sa.String(80), nullable=True))
            batch.add_column(sa.Column("visible_to", sa.Integer(), nullable=True))
            batch.add_column(sa.Column("visible_with", sa.String(80), nullable=True))
            batch.create_foreign_key(f"fk_{table}_visible_to_core_user", "core_user", ["visible_to"], ["id"],
                                     ondelete="SET NULL")
            batch.create_index(f"ix_{table}_record", ["record"])


def downgrade():
    with op.batch_alter_table("core_customer") as batch:
        batch.drop_column("version")
    for table in GUARDED:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_record")
            batch.drop_constraint(f"fk_{table}_visible_to_core_user", type_="foreignkey")
            batch.drop_column("visible_with")
            batch.drop_column("visible_to")
            batch.drop_column("record")
    op.drop_index("ix_core_user_session_user_live", table_name="core_user_session")
    op.drop_table("core_user_session")
