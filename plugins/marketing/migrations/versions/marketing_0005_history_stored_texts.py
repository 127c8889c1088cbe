"""marketing: history entries written before the stored texts get their kind and parameters

Revision ID: marketing_0005
Revises: marketing_0004
Create Date: 2026-11-27 19:55:00

Marketing wrote its history sentences in English (never translated), so each is read back
exactly:
- ``marketing.campaign``: the campaign's name was always in ``data`` beside its id — one
  UPDATE copies ``data`` into the parameters.
- ``marketing.subscribed`` / ``.unsubscribed``: the channel and the campaign's name (when
  the change came from a campaign's link) are read back from the sentence
  ("Unsubscribed from email marketing (campaign “Spring”)"); ``data`` holds only the
  campaign's id, and the campaign may be gone since.
- ``marketing.survey_answered``: scale, score, top of the scale and survey name from
  "NPS 9/10: After the repair".
"""
from alembic import op
import sqlalchemy as sa


revision = 'marketing_0005'
down_revision = 'marketing_0004'
branch_labels = None
depends_on = 'core_0006'

KINDS = ("marketing.campaign", "marketing.subscribed", "marketing.unsubscribed", "marketing.survey_answered")


def _consent_rules():
    from core.l10n.migration import Rule

    rules = []
    for kind, what in (("marketing.subscribed", "Subscribed to"), ("marketing.unsubscribed", "Unsubscribed from")):
        for channel, shown in (("email", "email"), ("sms", "SMS")):
            old, new = f"{what} {channel} marketing", f"{what} {shown} marketing"
            with_campaign = " (campaign “%(campaign)s”)"
            rules.append(Rule(kind, (kind,), (old + with_campaign,), new + with_campaign,
                              lambda g, channel=channel: {"channel": channel, "campaign": g["campaign"]}))
            rules.append(Rule(kind, (kind,), (old,), new, lambda g, channel=channel: {"channel": channel}))
    return rules


def _survey_params(groups):
    if groups["scale"] not in ("NPS", "CSAT"):
        return None
    return {"scale": groups["scale"], "score": int(groups["score"]), "high": int(groups["high"]),
            "survey": groups["survey"]}


def upgrade():
    convert(op.get_bind())


def convert(bind) -> None:
    """The conversion itself (tests run it on a connection with old entries)."""
    from core.l10n.migration import Rule, convert_subjects

    bind.execute(sa.text(
        "UPDATE core_interaction SET subject_kind = kind, subject_params = data "
        "WHERE kind = 'marketing.campaign' AND subject_kind IS NULL AND data IS NOT NULL"))
    convert_subjects(bind, _consent_rules() + [
        Rule("marketing.survey_answered", ("marketing.survey_answered",),
             ("%(scale)s %(score)d/%(high)d: %(survey)s",), "%(scale)s %(score)s/%(high)s: %(survey)s",
             _survey_params),
    ])


def downgrade():
    op.execute(sa.text("UPDATE core_interaction SET subject_kind = NULL, subject_params = NULL "
                       "WHERE kind IN ('marketing.campaign', 'marketing.subscribed', 'marketing.unsubscribed', "
                       "'marketing.survey_answered')"))
