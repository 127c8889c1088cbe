"""sales history entries as stored texts

Revision ID: sales_0006
Revises: sales_0015
Create Date: 2026-11-27 10:00:00

History subjects the sales plugin wrote as sentences (in English, or in Hebrew when a
Hebrew user caused them) become stored texts — a kind and parameters read back from the
sentence — so every reader sees them in their own language (plugins/sales/texts.py).
"""
from core.l10n.migration import Rule, convert_subjects

revision = "sales_0006"
down_revision = "sales_0015"
branch_labels = None
depends_on = "core_0006"


def _rule(kind, english, hebrew, params=None):
    return Rule(kind, (kind,), (english, hebrew), english, **({"params": params} if params else {}))


RULES = [
    _rule("sales.opportunity_created", "Opportunity created: %(t)s", "נוצרה הזדמנות: %(t)s",
          lambda g: {"title": g["t"]}),
    _rule("sales.stage_changed", "%(t)s: %(a)s → %(b)s", "%(t)s: %(a)s ← %(b)s",
          lambda g: {"title": g["t"], "from": g["a"], "to": g["b"]}),
    _rule("sales.won", "Won: %(t)s (%(a)s %(c)s)", "זכייה: %(t)s (%(a)s %(c)s)",
          lambda g: {"title": g["t"], "amount": g["a"], "currency": g["c"]}),
    _rule("sales.lost", "Lost: %(t)s (%(r)s)", "הפסד: %(t)s (%(r)s)", lambda g: {"title": g["t"], "reason": g["r"]}),
    _rule("sales.reopened", "Reopened: %(t)s", "נפתחה מחדש: %(t)s", lambda g: {"title": g["t"]}),
    _rule("sales.order_confirmed", "Order %(n)s confirmed: %(t)s %(c)s", "הזמנה %(n)s אושרה: %(t)s %(c)s",
          lambda g: {"number": g["n"], "total": g["t"], "currency": g["c"]}),
    _rule("sales.order_cancelled", "Order %(n)s cancelled", "הזמנה %(n)s בוטלה", lambda g: {"number": g["n"]}),
]


def upgrade():
    from alembic import op

    convert_subjects(op.get_bind(), RULES)


def downgrade():
    pass  # the English text stays in ``subject``; nothing to undo
