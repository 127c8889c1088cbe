"""time zone and calendar per user; history subjects as stored texts

Revision ID: core_0006
Revises: core_0012
Create Date: 2026-11-27 09:30:00

``core_user.timezone`` / ``calendar`` (empty: the business time zone, the language's
calendar). ``core_interaction.subject_kind`` / ``subject_params`` hold texts the system
writes, rendered in the reader's language (core.l10n.texts); existing customer-merge
entries are converted from the sentences the core wrote in each language, and the
entries of emails and SMS sent, received and bounced (messaging) get their kind and
parameters from the message's subject and address; GDPR erasure entries become
``core.erased`` (and merge entries of erased customers lose the duplicate's name).
"""
import sqlalchemy as sa
from alembic import op

from core.l10n.migration import Rule, convert_subjects

revision = "core_0006"
down_revision = "core_0012"
branch_labels = None
depends_on = None

MERGED = Rule(
    "core.merged", ("core.merged",),
    templates=("Merged “%(name)s” into this customer",
               "Ο «%(name)s» συγχωνεύθηκε σε αυτόν τον πελάτη",
               "„%(name)s“ sujungtas su šiuo klientu",
               "«%(name)s» در این مشتری ادغام شد",
               "\"%(name)s\" מוזג ללקוח זה"),
    english="Merged “%(name)s” into this customer",
)


def upgrade():
    with op.batch_alter_table("core_user") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("calendar", sa.String(length=20), nullable=True))
    with op.batch_alter_table("core_interaction") as batch:
        batch.add_column(sa.Column("subject_kind", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("subject_params", sa.JSON(), nullable=True))
    convert_subjects(op.get_bind(), [MERGED])
    _convert_messaging(op.get_bind())
    _convert_erasures(op.get_bind())


def _convert_erasures(bind) -> None:
    """GDPR erasures written as a sentence become the stored text ``core.erased``; merge entries
    of erased customers lose the merged duplicate's name (the erasure now clears it too)."""
    t = sa.table("core_interaction", sa.column("kind", sa.String), sa.column("customer_id", sa.Integer),
                 sa.column("subject", sa.String), sa.column("subject_kind", sa.String),
                 sa.column("subject_params", sa.JSON))
    customers = sa.table("core_customer", sa.column("id", sa.Integer), sa.column("erased_at", sa.DateTime))
    bind.execute(t.update().where(t.c.kind == "core.erased", t.c.subject_kind.is_(None))
                 .values(subject_kind="core.erased", subject_params={}, subject="Personal data erased"))
    erased = sa.select(customers.c.id).where(customers.c.erased_at.is_not(None))
    bind.execute(t.update().where(t.c.subject_kind == "core.merged", t.c.customer_id.in_(erased))
                 .values(subject_params={}, subject="Merged a duplicate into this customer"))


# kind: (parameter naming the address, key of ``data`` holding it, English sentence)
MESSAGING = {
    "messaging.sent": ("to", "to", "To %(to)s: %(subject)s"),
    "messaging.received": ("from", "from", "From %(sender)s: %(subject)s"),
    "messaging.bounced": ("to", "to", "Not delivered to %(to)s: %(subject)s"),
}


def _convert_messaging(bind) -> None:
    """Emails/SMS written before stored texts: subject (the message's own) + address from ``data``."""
    t = sa.table("core_interaction", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                 sa.column("subject", sa.String), sa.column("data", sa.JSON),
                 sa.column("subject_kind", sa.String), sa.column("subject_params", sa.JSON))
    rows = bind.execute(sa.select(t.c.id, t.c.kind, t.c.subject, t.c.data)
                        .where(t.c.kind.in_(list(MESSAGING)), t.c.subject_kind.is_(None))).all()
    updates = []
    for row in rows:
        if not row.data and not row.subject:
            continue  # erased (GDPR): nothing left to say
        name, key, english = MESSAGING[row.kind]
        address = str((row.data or {}).get(key) or "")
        subject = row.subject or ""
        params = {name: address, "subject": subject}
        text = english % {"to": address, "sender": address, "subject": subject or "(no subject)"}
        updates.append({"b_id": row.id, "b_kind": row.kind, "b_params": params, "b_subject": text[:300]})
    if updates:
        bind.execute(t.update().where(t.c.id == sa.bindparam("b_id"))
                     .values(subject_kind=sa.bindparam("b_kind"), subject_params=sa.bindparam("b_params"),
                             subject=sa.bindparam("b_subject")), updates)


def downgrade():
    with op.batch_alter_table("core_interaction") as batch:
        batch.drop_column("subject_params")
        batch.drop_column("subject_kind")
    with op.batch_alter_table("core_user") as batch:
        batch.drop_column("calendar")
        batch.drop_column("timezone")
