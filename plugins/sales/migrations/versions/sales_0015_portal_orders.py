"""portal: where an order came from, the customer's acceptance or refusal

Revision ID: sales_0015
Revises: sales_0008
Create Date: 2026-11-27 13:00:00

* ``origin``: ``staff`` (made on the staff pages or the API) or ``portal`` (placed by the
  customer in the portal; staff confirm it).
* ``accepted_by`` / ``accepted_at``: the name the customer typed to accept a quotation in the
  portal, and when.
* ``declined_at`` / ``decline_reason``: a quotation the customer declined in the portal.
"""
import sqlalchemy as sa
from alembic import op

revision = "sales_0015"
down_revision = "sales_0008"
branch_labels = None
depends_on = "core_0015"


def upgrade():
    with op.batch_alter_table("sales_order") as batch:
        batch.add_column(sa.Column("origin", sa.String(10), nullable=False, server_default="staff"))
        batch.add_column(sa.Column("accepted_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("accepted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("declined_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("decline_reason", sa.String(500), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("sales_order") as batch:
        for column in ("decline_reason", "declined_at", "accepted_at", "accepted_by", "origin"):
            batch.drop_column(column)
