"""Marketing tables (prefix ``marketing_``).

* ``marketing_segment`` — a saved segment: a rule tree (``rules``, JSON: AND/OR groups of
  criteria, see :mod:`plugins.marketing.segments`) or a static list of members;
* ``marketing_segment_member`` — the members of a static list (added by hand or imported);
* ``marketing_campaign`` — an email or SMS campaign to a segment, using a core template;
* ``marketing_recipient`` — one row per customer a campaign was for: queued (with its
  outbox message) or skipped with the reason, and what the customer did (opened, clicked,
  bounced, unsubscribed, converted). Tracking columns are set once, by conditional updates,
  so a second open or a retried event changes nothing;
* ``marketing_link`` — the links of a campaign's message: a click redirect may only lead to
  one of these (never to a URL taken from the request);
* ``marketing_survey`` / ``marketing_survey_response`` — CSAT and NPS surveys, the invitations
  sent and the answers given.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_babel import lazy_gettext as _l

from core.audit.spec import Audit
from core.catalog.models import Money
from core.db import db, utcnow

RULES, STATIC = "rules", "static"
SEGMENT_KINDS = (RULES, STATIC)

# Campaign states: draft → scheduled → sending ⇄ paused → done; cancelled from any but done. An A/B
# campaign waits in "testing" between its sample and the winner's send to the rest.
DRAFT, SCHEDULED, SENDING, TESTING, PAUSED, DONE, CANCELLED = (
    "draft", "scheduled", "sending", "testing", "paused", "done", "cancelled")
CAMPAIGN_STATES = (DRAFT, SCHEDULED, SENDING, TESTING, PAUSED, DONE, CANCELLED)
AB_METRICS = ("opens", "clicks")

# Recipient states and the reasons a recipient is skipped.
PENDING, QUEUED, SKIPPED = "pending", "queued", "skipped"
NO_CONSENT, NO_ADDRESS, UNSUBSCRIBED, FREQUENCY_CAP, FAILED_RENDER, WITHDRAWN = (
    "no_consent", "no_address", "unsubscribed", "frequency_cap", "render_failed", "withdrawn")
SKIP_REASONS = (NO_CONSENT, NO_ADDRESS, UNSUBSCRIBED, FREQUENCY_CAP, FAILED_RENDER, WITHDRAWN)


class Segment(db.Model):
    __audit__ = Audit("marketing.segment", label=_l("Segment"), title="name", fields={"rules": _l("Rules")})
    __tablename__ = "marketing_segment"
    __table_args__ = (sa.Index("ix_marketing_segment_name", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(10), default=RULES)
    rules: Mapped[dict | None] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class SegmentMember(db.Model):
    __tablename__ = "marketing_segment_member"
    __table_args__ = (sa.Index("ix_marketing_segment_member_customer", "customer_id"),)

    segment_id: Mapped[int] = mapped_column(sa.ForeignKey("marketing_segment.id", ondelete="CASCADE"),
                                            primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"),
                                             primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class Campaign(db.Model):
    # State changes go through core.db.change_state, which the audit log records too.
    __audit__ = Audit("marketing.campaign", label=_l("Campaign"), title="name", users=("owner_id",),
                      ignore=("job_id", "started_at", "finished_at", "ab_sample_done_at"))
    __tablename__ = "marketing_campaign"
    __table_args__ = (
        sa.Index("ix_marketing_campaign_owner", "owner_id", "id"),
        sa.Index("ix_marketing_campaign_due", "state", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    channel: Mapped[str] = mapped_column(sa.String(10), default="email")
    segment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("marketing_segment.id", ondelete="SET NULL"),
                                                   index=True)
    template_key: Mapped[str] = mapped_column(sa.String(80))
    state: Mapped[str] = mapped_column(sa.String(10), default=DRAFT)
    scheduled_at: Mapped[datetime | None]
    # Skip customers who got another campaign on this channel in the last N days (0: no cap).
    frequency_cap_days: Mapped[int] = mapped_column(default=0)
    # An order confirmed within N days of a send or click counts as a conversion.
    conversion_days: Mapped[int] = mapped_column(default=14)
    # Messages handed to the outbox per minute (0: as fast as the outbox takes them).
    rate_per_minute: Mapped[int] = mapped_column(default=0)
    # A survey whose link every recipient gets ({{ survey_url }} in the template, else appended).
    survey_id: Mapped[int | None] = mapped_column(sa.ForeignKey("marketing_survey.id", ondelete="SET NULL"))
    # A/B test: variant B's template (another subject or body) goes to half of a sample, variant A's
    # to the other half; after ab_wait_hours the one with more opens (or clicks) goes to the rest.
    ab_template_key: Mapped[str | None] = mapped_column(sa.String(80))
    ab_sample_percent: Mapped[int] = mapped_column(default=0, server_default="0")
    ab_metric: Mapped[str] = mapped_column(sa.String(10), default="opens", server_default="opens")
    ab_wait_hours: Mapped[int] = mapped_column(default=4, server_default="4")
    ab_sample_done_at: Mapped[datetime | None]
    ab_winner: Mapped[str | None] = mapped_column(sa.String(1))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_job.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    segment: Mapped[Segment | None] = relationship()
    survey = relationship("Survey")
    owner = relationship("User", foreign_keys=[owner_id])


class Recipient(db.Model):
    __tablename__ = "marketing_recipient"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "customer_id", name="uq_marketing_recipient_campaign_customer"),
        sa.Index("ix_marketing_recipient_campaign_status", "campaign_id", "status", "id"),
        # Frequency cap and conversion: "this customer's latest campaigns".
        sa.Index("ix_marketing_recipient_customer_queued", "customer_id", "queued_at"),
        sa.Index("ix_marketing_recipient_outbox", "outbox_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("marketing_campaign.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    variant: Mapped[str] = mapped_column(sa.String(1), default="", server_default="")  # "a"/"b" in an A/B sample
    skip_reason: Mapped[str | None] = mapped_column(sa.String(20))
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_outbox_message.id", ondelete="SET NULL"))
    interaction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_interaction.id", ondelete="SET NULL"))
    queued_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    clicked_at: Mapped[datetime | None]
    bounced_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    converted_at: Mapped[datetime | None]
    order_id: Mapped[int | None]  # sales' order (no foreign key: plugins never depend on each other's tables)
    revenue: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(sa.String(3))

    campaign: Mapped[Campaign] = relationship()
    customer = relationship("Customer")


class Link(db.Model):
    __tablename__ = "marketing_link"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "url", name="uq_marketing_link_campaign_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("marketing_campaign.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(sa.String(2000))


CSAT, NPS = "csat", "nps"
SURVEY_KINDS = (CSAT, NPS)
SCALES = {CSAT: (1, 5), NPS: (0, 10)}


class Survey(db.Model):
    """A CSAT (1–5) or NPS (0–10) question with an optional free-text comment.

    ``texts`` overrides the built-in wording per language (``{"el": {"question": …,
    "comment": …}}``); languages without an override use the translated default, so a
    survey is always readable in all five languages. ``trigger_kind`` names a history kind
    (``service.request_done``) after which the survey is sent by itself; plugins list the
    kinds that make sense through the ``survey_triggers`` hook. ``scanned_to`` is how far a
    worker has read the contact history for that kind.
    """

    __audit__ = Audit("marketing.survey", label=_l("Survey"), title="name", users=("owner_id",),
                      ignore=("scanned_to",))
    __tablename__ = "marketing_survey"
    __table_args__ = (sa.Index("ix_marketing_survey_trigger", "trigger_kind", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(10), default=CSAT)
    ask_comment: Mapped[bool] = mapped_column(default=True)
    texts: Mapped[dict | None] = mapped_column(sa.JSON)
    trigger_kind: Mapped[str | None] = mapped_column(sa.String(60))
    active: Mapped[bool] = mapped_column(default=True)
    # A score at or below this creates a follow-up for the customer's owner.
    follow_up_below: Mapped[int] = mapped_column(default=2)
    # The history entries up to this id were looked at for ``trigger_kind`` (see surveys.py).
    scanned_to: Mapped[int] = mapped_column(default=0, server_default="0")
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SurveyResponse(db.Model):
    """One invitation to answer a survey, and the answer once given (``answered_at``)."""

    __tablename__ = "marketing_survey_response"
    __table_args__ = (
        sa.UniqueConstraint("survey_id", "customer_id", "ref", name="uq_marketing_survey_response_ref"),
        sa.Index("ix_marketing_survey_response_answered", "survey_id", "answered_at", "id"),
        sa.Index("ix_marketing_survey_response_customer", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("marketing_survey.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(sa.String(120))  # what it is about: "campaign:3", "interaction:77"
    language: Mapped[str | None] = mapped_column(sa.String(10))
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_outbox_message.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    score: Mapped[int | None]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_activity.id", ondelete="SET NULL"))

    survey: Mapped[Survey] = relationship()
    customer = relationship("Customer")
