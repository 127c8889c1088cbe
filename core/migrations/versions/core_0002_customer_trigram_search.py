"""customer trigram search on SQLite

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-24 19:50:00

SQLite gets an FTS5 table with the trigram tokenizer over ``core_customer.search_key``
(external content, kept in step by triggers), so substring search stays fast at a
million customers. PostgreSQL already has its pg_trgm GIN index from core_0001.
"""
from alembic import op

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None

STATEMENTS = [
    "CREATE VIRTUAL TABLE core_customer_fts USING fts5("
    "search_key, content='core_customer', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER core_customer_fts_ai AFTER INSERT ON core_customer BEGIN "
    "INSERT INTO core_customer_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
    "CREATE TRIGGER core_customer_fts_ad AFTER DELETE ON core_customer BEGIN "
    "INSERT INTO core_customer_fts(core_customer_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key); END",
    "CREATE TRIGGER core_customer_fts_au AFTER UPDATE OF search_key ON core_customer BEGIN "
    "INSERT INTO core_customer_fts(core_customer_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key); "
    "INSERT INTO core_customer_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
    "INSERT INTO core_customer_fts(core_customer_fts) VALUES ('rebuild')",
]


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("core_customer_fts_ai", "core_customer_fts_ad", "core_customer_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS core_customer_fts")
