"""core: portal history entries written before the stored texts get their kind and parameters

Revision ID: core_0017
Revises: core_0006
Create Date: 2026-11-27 19:55:00

Until the portal stored its history entries as texts, it wrote them as sentences in the
business language (``RAPPORT_LANGUAGE``) of the day. The two entries without parameters
(details submitted, preferences changed) are known by their kind alone: one UPDATE each,
whatever language they were written in. The invitation and sign-up entries carry the
address inside the sentence; it is read back with the sentences every language shipped
(``core.l10n.migration``). An entry whose sentence matches none (edited by hand) keeps
its text.
"""
from alembic import op
import sqlalchemy as sa


revision = "core_0017"
down_revision = "core_0006"
branch_labels = None
depends_on = None

# The sentences as they shipped (frozen here: later catalog edits must not change what is read back).
INVITED = ("Invited to the portal (%(email)s)", "Πρόσκληση στην πύλη (%(email)s)",
           "Pakviestas į portalą (%(email)s)", "دعوت به درگاه (%(email)s)", "הוזמן לפורטל (%(email)s)")
SIGNED_UP = ("Signed up in the portal (%(email)s)", "Εγγραφή στην πύλη (%(email)s)",
             "Užsiregistravo portale (%(email)s)", "ثبت‌نام در درگاه (%(email)s)", "נרשם בפורטל (%(email)s)")
WITHOUT_PARAMS = {
    "portal.details_submitted": "Changed contact details submitted in the portal",
    "portal.preferences_changed": "Consent and language changed in the portal",
}


def upgrade():
    convert(op.get_bind())


def convert(bind) -> None:
    """The conversion itself (tests run it on a connection with old entries)."""
    from core.l10n.migration import Rule, convert_subjects

    table = sa.table("core_interaction", sa.column("kind", sa.String), sa.column("subject", sa.String),
                     sa.column("subject_kind", sa.String), sa.column("subject_params", sa.JSON))
    for kind, english in WITHOUT_PARAMS.items():
        bind.execute(table.update().where(table.c.kind == kind, table.c.subject_kind.is_(None))
                     .values(subject_kind=kind, subject_params={}, subject=english))
    convert_subjects(bind, [
        Rule("portal.invited", ("portal.invited",), INVITED, INVITED[0]),
        Rule("portal.signed_up", ("portal.signed_up",), SIGNED_UP, SIGNED_UP[0]),
    ])


def downgrade():
    op.execute(sa.text("UPDATE core_interaction SET subject_kind = NULL, subject_params = NULL "
                       "WHERE kind IN ('portal.invited', 'portal.signed_up', 'portal.details_submitted', "
                       "'portal.preferences_changed')"))
