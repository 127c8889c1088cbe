"""time zone and calendar per user; history subjects as stored texts

Revision ID: core_0006
Revises: core_0004
Create Date: 2026-11-27 09:30:00

``core_user.timezone`` / ``calendar`` (empty: the business time zone, the language's
calendar). ``core_interaction.subject_kind`` / ``subject_params`` hold texts the system
writes, rendered in the reader's language (core.l10n.texts); existing customer-merge
entries are converted from the sentences the core wrote in each language.
"""
import sqlalchemy as sa
from alembic import op

from core.l10n.migration import Rule, convert_subjects

revision = "core_0006"
down_revision = "core_0004"
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


def downgrade():
    with op.batch_alter_table("core_interaction") as batch:
        batch.drop_column("subject_params")
        batch.drop_column("subject_kind")
    with op.batch_alter_table("core_user") as batch:
        batch.drop_column("calendar")
        batch.drop_column("timezone")
