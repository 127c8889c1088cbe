"""kanban column totals kept by triggers (issue 17)

Revision ID: sales_0020
Revises: sales_0006
Create Date: 2026-11-27 21:00:00

``sales_stage_total`` holds, per stage, owner (0 for none) and currency, how many
opportunities there are and their expected revenue in whole cents. Triggers on
``sales_opportunity`` keep it in step with every insert, delete and change of stage,
owner, currency or amount, whoever writes (ORM, bulk UPDATE, imports, the owner's
``ON DELETE SET NULL``), in the writer's transaction. The kanban reads these rows
instead of summing each stage on every view. Filled once from the existing deals.

Beware: a later ``batch_alter_table("sales_opportunity")`` recreates the table on SQLite
and loses these triggers; recreate them afterwards (tests/…/test_sales_stage_totals.py
checks the totals against the deals at head).
"""
import sqlalchemy as sa
from alembic import op

revision = "sales_0020"
down_revision = "sales_0006"
branch_labels = None
depends_on = None

_KEY_CHANGED = ("OLD.stage_id IS NOT NEW.stage_id OR OLD.owner_id IS NOT NEW.owner_id "
                "OR OLD.currency IS NOT NEW.currency OR OLD.expected_revenue IS NOT NEW.expected_revenue")
_SQLITE_ADD = ("INSERT INTO sales_stage_total (stage_id, owner_key, currency, n, amount_cents) "
               "VALUES (NEW.stage_id, COALESCE(NEW.owner_id, 0), NEW.currency, 1, "
               "CAST(ROUND(COALESCE(NEW.expected_revenue, 0) * 100) AS INTEGER)) "
               "ON CONFLICT (stage_id, owner_key, currency) DO UPDATE SET n = n + 1, "
               "amount_cents = amount_cents + excluded.amount_cents;")
_SQLITE_REMOVE = ("UPDATE sales_stage_total SET n = n - 1, "
                  "amount_cents = amount_cents - CAST(ROUND(COALESCE(OLD.expected_revenue, 0) * 100) AS INTEGER) "
                  "WHERE stage_id = OLD.stage_id AND owner_key = COALESCE(OLD.owner_id, 0) "
                  "AND currency = OLD.currency;")
SQLITE = [
    f"CREATE TRIGGER sales_stage_total_ai AFTER INSERT ON sales_opportunity BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER sales_stage_total_ad AFTER DELETE ON sales_opportunity BEGIN {_SQLITE_REMOVE} END",
    "CREATE TRIGGER sales_stage_total_au AFTER UPDATE OF stage_id, owner_id, currency, expected_revenue "
    f"ON sales_opportunity WHEN {_KEY_CHANGED} BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END",
]
POSTGRESQL = [
    """CREATE FUNCTION sales_stage_total_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE sales_stage_total SET n = n - 1, amount_cents = amount_cents - round(coalesce(OLD.expected_revenue, 0) * 100)
     WHERE stage_id = OLD.stage_id AND owner_key = coalesce(OLD.owner_id, 0) AND currency = OLD.currency;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO sales_stage_total (stage_id, owner_key, currency, n, amount_cents)
    VALUES (NEW.stage_id, coalesce(NEW.owner_id, 0), NEW.currency, 1, round(coalesce(NEW.expected_revenue, 0) * 100))
    ON CONFLICT (stage_id, owner_key, currency)
    DO UPDATE SET n = sales_stage_total.n + 1, amount_cents = sales_stage_total.amount_cents + excluded.amount_cents;
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER sales_stage_total_aid AFTER INSERT OR DELETE ON sales_opportunity "
    "FOR EACH ROW EXECUTE FUNCTION sales_stage_total_keep()",
    "CREATE TRIGGER sales_stage_total_au AFTER UPDATE OF stage_id, owner_id, currency, expected_revenue "
    "ON sales_opportunity FOR EACH ROW WHEN (" + _KEY_CHANGED.replace("IS NOT", "IS DISTINCT FROM")
    + ") EXECUTE FUNCTION sales_stage_total_keep()",
]
BACKFILL = ("INSERT INTO sales_stage_total (stage_id, owner_key, currency, n, amount_cents) "
            "SELECT stage_id, COALESCE(owner_id, 0), currency, COUNT(*), "
            "SUM(CAST(ROUND(COALESCE(expected_revenue, 0) * 100) AS BIGINT)) "
            "FROM sales_opportunity GROUP BY stage_id, COALESCE(owner_id, 0), currency")


def upgrade():
    op.create_table(
        "sales_stage_total",
        sa.Column("stage_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("owner_key", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("stage_id", "owner_key", "currency", name="pk_sales_stage_total"),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE if sqlite else POSTGRESQL:
        op.execute(statement)
    op.execute(BACKFILL)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("sales_stage_total_ai", "sales_stage_total_ad", "sales_stage_total_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    else:
        op.execute("DROP TRIGGER IF EXISTS sales_stage_total_aid ON sales_opportunity")
        op.execute("DROP TRIGGER IF EXISTS sales_stage_total_au ON sales_opportunity")
        op.execute("DROP FUNCTION IF EXISTS sales_stage_total_keep()")
    op.drop_table("sales_stage_total")
