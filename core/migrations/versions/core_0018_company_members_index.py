"""a company's people in name order from an index

Revision ID: core_0018
Revises: core_0006
Create Date: 2026-11-27 20:05:00

The customer page lists a company's people with ``WHERE company_id = ? ORDER BY name_key, id
LIMIT 13``. The single-column ``ix_core_customer_company_id`` found them but the database then
sorted every member to keep thirteen; ``ix_core_customer_company_name (company_id, name_key, id)``
hands them over in order, and still serves every lookup by ``company_id`` (the foreign key's
``ON DELETE SET NULL``), so the old index goes (issue 17).
"""
from alembic import op

revision = "core_0018"
down_revision = "core_0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_core_customer_company_name", "core_customer", ["company_id", "name_key", "id"])
    op.drop_index("ix_core_customer_company_id", table_name="core_customer")


def downgrade():
    op.create_index("ix_core_customer_company_id", "core_customer", ["company_id"])
    op.drop_index("ix_core_customer_company_name", table_name="core_customer")
