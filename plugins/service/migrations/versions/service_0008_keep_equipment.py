"""equipment, requests and visits outlive no customer silently

Revision ID: service_0008
Revises: service_0003
Create Date: 2026-11-27 10:00:00

The customer foreign keys of ``service_equipment``, ``service_request`` and
``service_visit`` cascaded: deleting a customer silently deleted their installed
base and repair history. They now RESTRICT (the core answers 409 naming them).
"""
from alembic import op

revision = "service_0008"
down_revision = "service_0003"
branch_labels = None
depends_on = None

TABLES = ("service_equipment", "service_request", "service_visit")


def _customer_fk(table: str, ondelete: str) -> None:
    name = f"fk_{table}_customer_id_core_customer"
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(name, type_="foreignkey")
        batch.create_foreign_key(name, "core_customer", ["customer_id"], ["id"], ondelete=ondelete)


def upgrade():
    for table in TABLES:
        _customer_fk(table, "RESTRICT")


def downgrade():
    for table in TABLES:
        _customer_fk(table, "CASCADE")
