"""hello notes

Revision ID: hello_0001
Revises:
Create Date: 2026-11-24 19:00:00

The first revision of the plugin's own Alembic branch: no parent, the branch label
"hello", and a dependency on the core revision that creates core_customer.
Written with ``rapport db revision --branch hello -m "hello notes"`` and then read.
"""
from alembic import op
import sqlalchemy as sa


revision = "hello_0001"
down_revision = None
branch_labels = ("hello",)
depends_on = "core_0001"


def upgrade():
    op.create_table(
        "hello_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["core_customer.id"], name=op.f("fk_hello_note_customer_id_core_customer"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hello_note")),
    )
    with op.batch_alter_table("hello_note", schema=None) as batch_op:
        batch_op.create_index("ix_hello_note_customer_id_id", ["customer_id", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("hello_note", schema=None) as batch_op:
        batch_op.drop_index("ix_hello_note_customer_id_id")
    op.drop_table("hello_note")
