"""import and export: external reference and tax number, import runs and mapping profiles

Revision ID: core_0012
Revises: core_0016
Create Date: 2026-11-27 12:40:00

Customers gain ``external_ref`` (their number in the system they came from) and
``tax_number``, both indexed: imports match duplicates on them. ``core_import`` holds
one uploaded file's journey (mapping, options, job, counts); ``core_import_profile``
the mappings saved for reuse.
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0012"
down_revision = "core_0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("core_customer") as batch:
        batch.add_column(sa.Column("external_ref", sa.String(100), nullable=True))
        batch.add_column(sa.Column("tax_number", sa.String(40), nullable=True))
    op.create_index("ix_core_customer_external_ref", "core_customer", ["external_ref"])
    op.create_index("ix_core_customer_tax_number", "core_customer", ["tax_number"])
    op.create_table(
        "core_import_profile",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("mapping", sa.JSON, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("kind", "name", name="uq_core_import_profile_kind_name"),
    )
    op.create_table(
        "core_import",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("stored_name", sa.String(80), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("encoding", sa.String(40), nullable=True),
        sa.Column("delimiter", sa.String(4), nullable=True),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("mapping", sa.JSON, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("job_id", sa.Integer, sa.ForeignKey("core_job.id", ondelete="SET NULL"), nullable=True),
        sa.Column("rows_read", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("skipped", sa.Integer, nullable=False, server_default="0"),
        sa.Column("bad", sa.Integer, nullable=False, server_default="0"),
        sa.Column("message", sa.String(500), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_core_import_user", "core_import", ["user_id", "id"])


def downgrade():
    op.drop_index("ix_core_import_user", table_name="core_import")
    op.drop_table("core_import")
    op.drop_table("core_import_profile")
    op.drop_index("ix_core_customer_tax_number", table_name="core_customer")
    op.drop_index("ix_core_customer_external_ref", table_name="core_customer")
    with op.batch_alter_table("core_customer") as batch:
        batch.drop_column("tax_number")
        batch.drop_column("external_ref")
