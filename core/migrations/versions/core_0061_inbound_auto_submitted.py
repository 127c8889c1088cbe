"""received mail keeps its Auto-Submitted header

Revision ID: core_0061
Revises: core_0020
Create Date: 2026-11-28 03:45:00

``email_received`` has always carried the header (listeners skip out-of-office answers), but
``email_assigned`` (a mail staff assign to a customer later) read it from the stored row, which
did not keep it: an automatic answer assigned by hand to the complaints address opened a complaint.
Mail received before this revision reads as "" (from a person), as it did.
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0061"
down_revision = "core_0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("core_inbound_mail") as batch:
        batch.add_column(sa.Column("auto_submitted", sa.String(60), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("core_inbound_mail") as batch:
        batch.drop_column("auto_submitted")
