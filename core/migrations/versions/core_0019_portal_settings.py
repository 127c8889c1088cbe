"""customer portal: settings staff change (self sign-up on/off)

Revision ID: core_0019
Revises: core_0018
Create Date: 2026-11-27 19:55:00

``core_portal_setting``: one row per setting changed on the staff page; without a row the
environment's default applies (``RAPPORT_PORTAL_SIGNUP``).
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0019"
down_revision = "core_0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_portal_setting",
        sa.Column("key", sa.String(50), nullable=False),
        sa.Column("value", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["core_user.id"], ondelete="SET NULL",
                                name="fk_core_portal_setting_updated_by_id_core_user"),
        sa.PrimaryKeyConstraint("key", name="pk_core_portal_setting"),
    )


def downgrade():
    op.drop_table("core_portal_setting")
