"""open pipeline and closed deals kept by triggers for performance, forecast and dashboard (issue 17)

Revision ID: sales_0031
Revises: sales_0020
Create Date: 2026-11-28 06:30:00

Two tables in the pattern of ``sales_stage_total`` (sales_0020), kept by triggers on
``sales_opportunity`` in the writer's transaction, whoever writes (ORM, bulk UPDATE,
imports, the owner's ``ON DELETE SET NULL``):

``sales_open_total``  — deals whose *status* is open, per owner (0 for none), currency and
    expected-close month (``YYYY-MM``, ``''`` for none): how many, their expected revenue in
    whole cents, and Σ cents × probability (percent), so the weighted pipeline is exact.
``sales_close_total`` — won and lost deals per owner, currency, status and closed month
    (``YYYY-MM`` of ``closed_at``, stored in UTC): how many, cents, and Σ whole seconds from
    creation to close, so the average days to close is exact to the second.

The performance page, the forecast and the dashboard card read these few rows instead of
grouping the whole opportunity table on each view. Filled once from the existing deals.

Beware (as for sales_0020): a later ``batch_alter_table("sales_opportunity")`` recreates the
table on SQLite and loses these triggers; recreate them afterwards.
"""
import sqlalchemy as sa
from alembic import op

revision = "sales_0031"
down_revision = "sales_0020"
branch_labels = None
depends_on = None

OPEN_COLUMNS = ("status", "owner_id", "currency", "expected_close", "expected_revenue", "probability")
CLOSE_COLUMNS = ("status", "owner_id", "currency", "closed_at", "created_at", "expected_revenue")


def _changed(columns, op_="IS NOT"):
    return " OR ".join(f"OLD.{c} {op_} NEW.{c}" for c in columns)


# -- SQLite ------------------------------------------------------------------------------------

def _cents(row):
    return f"CAST(ROUND(COALESCE({row}.expected_revenue, 0) * 100) AS INTEGER)"


def _sqlite_open_key(row):
    return f"COALESCE({row}.owner_id, 0), {row}.currency, COALESCE(strftime('%Y-%m', {row}.expected_close), '')"


def _sqlite_close_key(row):
    return f"COALESCE({row}.owner_id, 0), {row}.currency, {row}.status, strftime('%Y-%m', {row}.closed_at)"


def _sqlite_seconds(row):
    return (f"CAST(ROUND((julianday({row}.closed_at) - julianday({row}.created_at)) * 86400) AS INTEGER)")


_SQLITE_OPEN_ADD = (
    "INSERT INTO sales_open_total (owner_key, currency, close_month, n, amount_cents, weighted_cp) "
    f"SELECT {_sqlite_open_key('NEW')}, 1, {_cents('NEW')}, {_cents('NEW')} * COALESCE(NEW.probability, 0) "
    "WHERE NEW.status = 'open' "
    "ON CONFLICT (owner_key, currency, close_month) DO UPDATE SET n = n + 1, "
    "amount_cents = amount_cents + excluded.amount_cents, weighted_cp = weighted_cp + excluded.weighted_cp;")
_SQLITE_OPEN_REMOVE = (
    f"UPDATE sales_open_total SET n = n - 1, amount_cents = amount_cents - {_cents('OLD')}, "
    f"weighted_cp = weighted_cp - {_cents('OLD')} * COALESCE(OLD.probability, 0) "
    "WHERE OLD.status = 'open' AND owner_key = COALESCE(OLD.owner_id, 0) AND currency = OLD.currency "
    "AND close_month = COALESCE(strftime('%Y-%m', OLD.expected_close), '');")
_SQLITE_CLOSE_ADD = (
    "INSERT INTO sales_close_total (owner_key, currency, status, closed_month, n, amount_cents, seconds) "
    f"SELECT {_sqlite_close_key('NEW')}, 1, {_cents('NEW')}, {_sqlite_seconds('NEW')} "
    "WHERE NEW.status IN ('won', 'lost') AND NEW.closed_at IS NOT NULL "
    "ON CONFLICT (owner_key, currency, status, closed_month) DO UPDATE SET n = n + 1, "
    "amount_cents = amount_cents + excluded.amount_cents, seconds = seconds + excluded.seconds;")
_SQLITE_CLOSE_REMOVE = (
    f"UPDATE sales_close_total SET n = n - 1, amount_cents = amount_cents - {_cents('OLD')}, "
    f"seconds = seconds - {_sqlite_seconds('OLD')} "
    "WHERE OLD.status IN ('won', 'lost') AND OLD.closed_at IS NOT NULL "
    "AND owner_key = COALESCE(OLD.owner_id, 0) AND currency = OLD.currency AND status = OLD.status "
    "AND closed_month = strftime('%Y-%m', OLD.closed_at);")

SQLITE_TRIGGERS = ("sales_open_total_ai", "sales_open_total_ad", "sales_open_total_au",
                   "sales_close_total_ai", "sales_close_total_ad", "sales_close_total_au")
SQLITE = [
    f"CREATE TRIGGER sales_open_total_ai AFTER INSERT ON sales_opportunity BEGIN {_SQLITE_OPEN_ADD} END",
    f"CREATE TRIGGER sales_open_total_ad AFTER DELETE ON sales_opportunity BEGIN {_SQLITE_OPEN_REMOVE} END",
    f"CREATE TRIGGER sales_open_total_au AFTER UPDATE OF {', '.join(OPEN_COLUMNS)} ON sales_opportunity "
    f"WHEN {_changed(OPEN_COLUMNS)} BEGIN {_SQLITE_OPEN_REMOVE} {_SQLITE_OPEN_ADD} END",
    f"CREATE TRIGGER sales_close_total_ai AFTER INSERT ON sales_opportunity BEGIN {_SQLITE_CLOSE_ADD} END",
    f"CREATE TRIGGER sales_close_total_ad AFTER DELETE ON sales_opportunity BEGIN {_SQLITE_CLOSE_REMOVE} END",
    f"CREATE TRIGGER sales_close_total_au AFTER UPDATE OF {', '.join(CLOSE_COLUMNS)} ON sales_opportunity "
    f"WHEN {_changed(CLOSE_COLUMNS)} BEGIN {_SQLITE_CLOSE_REMOVE} {_SQLITE_CLOSE_ADD} END",
]

# -- PostgreSQL --------------------------------------------------------------------------------

POSTGRESQL = [
    """CREATE FUNCTION sales_open_total_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE c bigint;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'open' THEN
    c := round(coalesce(OLD.expected_revenue, 0) * 100);
    UPDATE sales_open_total SET n = n - 1, amount_cents = amount_cents - c,
           weighted_cp = weighted_cp - c * coalesce(OLD.probability, 0)
     WHERE owner_key = coalesce(OLD.owner_id, 0) AND currency = OLD.currency
       AND close_month = coalesce(to_char(OLD.expected_close, 'YYYY-MM'), '');
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'open' THEN
    c := round(coalesce(NEW.expected_revenue, 0) * 100);
    INSERT INTO sales_open_total (owner_key, currency, close_month, n, amount_cents, weighted_cp)
    VALUES (coalesce(NEW.owner_id, 0), NEW.currency, coalesce(to_char(NEW.expected_close, 'YYYY-MM'), ''), 1,
            c, c * coalesce(NEW.probability, 0))
    ON CONFLICT (owner_key, currency, close_month)
    DO UPDATE SET n = sales_open_total.n + 1, amount_cents = sales_open_total.amount_cents + excluded.amount_cents,
                  weighted_cp = sales_open_total.weighted_cp + excluded.weighted_cp;
  END IF;
  RETURN NULL;
END $$""",
    """CREATE FUNCTION sales_close_total_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('won', 'lost') AND OLD.closed_at IS NOT NULL THEN
    UPDATE sales_close_total SET n = n - 1,
           amount_cents = amount_cents - round(coalesce(OLD.expected_revenue, 0) * 100),
           seconds = seconds - round(extract(epoch FROM (OLD.closed_at - OLD.created_at)))
     WHERE owner_key = coalesce(OLD.owner_id, 0) AND currency = OLD.currency AND status = OLD.status
       AND closed_month = to_char(OLD.closed_at, 'YYYY-MM');
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status IN ('won', 'lost') AND NEW.closed_at IS NOT NULL THEN
    INSERT INTO sales_close_total (owner_key, currency, status, closed_month, n, amount_cents, seconds)
    VALUES (coalesce(NEW.owner_id, 0), NEW.currency, NEW.status, to_char(NEW.closed_at, 'YYYY-MM'), 1,
            round(coalesce(NEW.expected_revenue, 0) * 100),
            round(extract(epoch FROM (NEW.closed_at - NEW.created_at))))
    ON CONFLICT (owner_key, currency, status, closed_month)
    DO UPDATE SET n = sales_close_total.n + 1,
                  amount_cents = sales_close_total.amount_cents + excluded.amount_cents,
                  seconds = sales_close_total.seconds + excluded.seconds;
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER sales_open_total_aid AFTER INSERT OR DELETE ON sales_opportunity "
    "FOR EACH ROW EXECUTE FUNCTION sales_open_total_keep()",
    f"CREATE TRIGGER sales_open_total_au AFTER UPDATE OF {', '.join(OPEN_COLUMNS)} ON sales_opportunity "
    f"FOR EACH ROW WHEN ({_changed(OPEN_COLUMNS, 'IS DISTINCT FROM')}) EXECUTE FUNCTION sales_open_total_keep()",
    "CREATE TRIGGER sales_close_total_aid AFTER INSERT OR DELETE ON sales_opportunity "
    "FOR EACH ROW EXECUTE FUNCTION sales_close_total_keep()",
    f"CREATE TRIGGER sales_close_total_au AFTER UPDATE OF {', '.join(CLOSE_COLUMNS)} ON sales_opportunity "
    f"FOR EACH ROW WHEN ({_changed(CLOSE_COLUMNS, 'IS DISTINCT FROM')}) EXECUTE FUNCTION sales_close_total_keep()",
]


def backfill(dialect: str) -> list[str]:
    """Set-based INSERT … SELECT of both tables from the deals already there."""
    cents = "CAST(ROUND(COALESCE(expected_revenue, 0) * 100) AS BIGINT)"
    if dialect == "sqlite":
        open_month = "COALESCE(strftime('%Y-%m', expected_close), '')"
        closed_month = "strftime('%Y-%m', closed_at)"
        seconds = "CAST(ROUND((julianday(closed_at) - julianday(created_at)) * 86400) AS INTEGER)"
    else:
        open_month = "COALESCE(to_char(expected_close, 'YYYY-MM'), '')"
        closed_month = "to_char(closed_at, 'YYYY-MM')"
        seconds = "CAST(ROUND(extract(epoch FROM (closed_at - created_at))) AS BIGINT)"
    return [
        "INSERT INTO sales_open_total (owner_key, currency, close_month, n, amount_cents, weighted_cp) "
        f"SELECT COALESCE(owner_id, 0), currency, {open_month}, COUNT(*), SUM({cents}), "
        f"SUM({cents} * COALESCE(probability, 0)) FROM sales_opportunity WHERE status = 'open' "
        f"GROUP BY COALESCE(owner_id, 0), currency, {open_month}",
        "INSERT INTO sales_close_total (owner_key, currency, status, closed_month, n, amount_cents, seconds) "
        f"SELECT COALESCE(owner_id, 0), currency, status, {closed_month}, COUNT(*), SUM({cents}), SUM({seconds}) "
        "FROM sales_opportunity WHERE status IN ('won', 'lost') AND closed_at IS NOT NULL "
        f"GROUP BY COALESCE(owner_id, 0), currency, status, {closed_month}",
    ]


def upgrade():
    op.create_table(
        "sales_open_total",
        sa.Column("owner_key", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("close_month", sa.String(7), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("weighted_cp", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("owner_key", "currency", "close_month", name="pk_sales_open_total"),
    )
    op.create_table(
        "sales_close_total",
        sa.Column("owner_key", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("closed_month", sa.String(7), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("seconds", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("owner_key", "currency", "status", "closed_month", name="pk_sales_close_total"),
    )
    # The performance page reads one currency and a run of months for everyone.
    op.create_index("ix_sales_close_total_month", "sales_close_total", ["currency", "closed_month"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE if dialect == "sqlite" else POSTGRESQL:
        op.execute(statement)
    for statement in backfill(dialect):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    else:
        for trigger in ("sales_open_total_aid", "sales_open_total_au", "sales_close_total_aid", "sales_close_total_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON sales_opportunity")
        op.execute("DROP FUNCTION IF EXISTS sales_open_total_keep()")
        op.execute("DROP FUNCTION IF EXISTS sales_close_total_keep()")
    op.drop_index("ix_sales_close_total_month", table_name="sales_close_total")
    op.drop_table("sales_close_total")
    op.drop_table("sales_open_total")
