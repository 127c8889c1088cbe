"""customer names in code point order, for one- and two-character searches (PostgreSQL)

Revision ID: core_0020
Revises: core_0019
Create Date: 2026-11-27 21:15:00

A search of one or two characters matches the beginning of the name (core/customers/
search.py) as a range on ``name_key COLLATE "C"``: in the database's own collation
(en_US, el_GR…) the names that start with a prefix need not sort together, so the
existing name index cannot answer the range. SQLite compares in binary order already and
uses ``ix_core_customer_name_key_id``.
"""
from alembic import op

revision = "core_0020"
down_revision = "core_0019"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute('CREATE INDEX ix_core_customer_name_prefix ON core_customer (name_key COLLATE "C", id)')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_core_customer_name_prefix")
