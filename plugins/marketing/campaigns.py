"""Campaigns: create, schedule, start, pause, resume, cancel; preview, test send and results.

Every state change is one conditional update (``core.db.change_state``): of two clicks on
*Send now*, or a click and the scheduler, exactly one starts the job; the other gets
``False`` and the page answers 409.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import pgettext

from core.db import change_state, db, parse_id, utcnow
from plugins.marketing import validation
from plugins.marketing.validation import InputError
from plugins.marketing.models import (
    AB_METRICS,
    CANCELLED,
    DONE,
    DRAFT,
    PAUSED,
    QUEUED,
    SCHEDULED,
    SENDING,
    SKIP_REASONS,
    TESTING,
    SKIPPED,
    Campaign,
    Recipient,
    Segment,
)

CHANNELS = ("email", "sms")


CampaignInputError = InputError


def clean_campaign(data: dict) -> dict:
    """Validate a campaign's fields (form or API); raises CampaignInputError."""
    from core.messaging.models import MessageTemplate

    errors: dict[str, list[str]] = {}
    out: dict = {}
    out["name"] = validation.name(errors, data)
    channel = data.get("channel") or "email"
    if channel not in CHANNELS:
        errors.setdefault("channel", []).append(_("Either email or SMS."))
    out["channel"] = channel
    segment_id = data.get("segment_id")
    segment = db.session.get(Segment, parse_id(segment_id) or 0)
    if segment is None:
        errors.setdefault("segment_id", []).append(_("Choose a segment."))
    out["segment_id"] = segment.id if segment else None
    key = (data.get("template_key") or "").strip()
    template = db.session.execute(sa.select(MessageTemplate).where(MessageTemplate.key == key)).scalar() if key else None
    if template is None:
        errors.setdefault("template_key", []).append(_("Choose a message template."))
    elif template.channel != channel:
        errors.setdefault("template_key", []).append(_("The template is for another channel."))
    out["template_key"] = key
    survey_id = data.get("survey_id")
    if survey_id not in (None, ""):
        from plugins.marketing.models import Survey

        survey = db.session.get(Survey, parse_id(survey_id) or 0)
        if survey is None:
            errors.setdefault("survey_id", []).append(_("Not one of the choices."))
        elif channel != "email":
            errors.setdefault("survey_id", []).append(_("Surveys are sent by email."))
        out["survey_id"] = survey.id if survey else None
    ab_key = (data.get("ab_template_key") or "").strip()
    if ab_key:
        ab = db.session.execute(sa.select(MessageTemplate).where(MessageTemplate.key == ab_key)).scalar()
        if ab is None:
            errors.setdefault("ab_template_key", []).append(_("Choose a message template."))
        elif ab.channel != channel:
            errors.setdefault("ab_template_key", []).append(_("The template is for another channel."))
        elif ab_key == key:
            errors.setdefault("ab_template_key", []).append(_("Variant B needs another template than variant A."))
        metric = data.get("ab_metric") or "opens"
        if metric not in AB_METRICS:
            errors.setdefault("ab_metric", []).append(_("Not one of the choices."))
        out["ab_metric"] = metric
        out["ab_sample_percent"] = validation.whole_number(errors, data, "ab_sample_percent", 2, 50, default=20)
        out["ab_wait_hours"] = validation.whole_number(errors, data, "ab_wait_hours", 1, 168, default=4)
    else:
        out["ab_sample_percent"] = 0
    out["ab_template_key"] = ab_key or None
    for field, maximum, default in (("frequency_cap_days", 365, 0), ("conversion_days", 365, 14),
                                    ("rate_per_minute", 100_000, 0)):
        out[field] = validation.whole_number(errors, data, field, 0, maximum, default=default)
    if errors:
        raise CampaignInputError(errors)
    return out


def campaign_or_404(campaign_id: int) -> Campaign:
    """The campaign if the user may see it (its record rule), else 404."""
    from core.security import ensure_visible

    return ensure_visible(db.session.get(Campaign, parse_id(campaign_id) or 0))


def create_campaign(data: dict, owner_id: int | None) -> Campaign:
    campaign = Campaign(owner_id=owner_id, state=DRAFT, **clean_campaign(data))
    db.session.add(campaign)
    db.session.flush()
    return campaign


def start_sending(campaign: Campaign, user, expected=(DRAFT, SCHEDULED, PAUSED)) -> bool:
    """Move to *sending* and start the job (the caller commits). False when another request
    changed the state first."""
    from core.jobs import start_job

    if not change_state(campaign, "state", expected, state=SENDING,
                        started_at=campaign.started_at or utcnow()):
        return False
    job = start_job("marketing.send_campaign", {"campaign_id": campaign.id}, user=user,
                    message=_("Campaign “%(name)s”", name=campaign.name))
    campaign.job_id = job.id
    return True


def schedule(campaign: Campaign, when: datetime) -> bool:
    return change_state(campaign, "state", (DRAFT, SCHEDULED), state=SCHEDULED, scheduled_at=when)


def pause(campaign: Campaign) -> bool:
    return change_state(campaign, "state", SENDING, state=PAUSED)


def cancel(campaign: Campaign) -> bool:
    return change_state(campaign, "state", (DRAFT, SCHEDULED, SENDING, TESTING, PAUSED), state=CANCELLED,
                        finished_at=utcnow())


@dataclass
class Stats:
    recipients: int
    queued: int
    skipped: int
    pending: int
    sent: int
    opened: int
    clicked: int
    bounced: int
    unsubscribed: int
    converted: int
    revenue: Decimal
    skip_reasons: dict

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items()}
        out["revenue"] = str(self.revenue)
        return out


def stats(campaign_id: int) -> Stats:
    """Every figure of the results page from one aggregate query (plus one for skip reasons).

    "Delivered to the mail server" is read from the outbox rows themselves (sent, or bounced
    afterwards), joined by id: listening to every message's status change would cost an event
    delivery per message while the outbox sends.
    """
    from core.messaging.models import OutboxMessage

    r = Recipient
    row = db.session.execute(sa.select(
        sa.func.count(),
        sa.func.count().filter(r.status == QUEUED),
        sa.func.count().filter(r.status == SKIPPED),
        sa.func.count().filter(r.status == "pending"),
        sa.func.count(OutboxMessage.id).filter(OutboxMessage.status.in_(("sent", "bounced"))),
        sa.func.count(r.opened_at), sa.func.count(r.clicked_at),
        sa.func.count(r.bounced_at), sa.func.count(r.unsubscribed_at), sa.func.count(r.converted_at),
        sa.func.coalesce(sa.func.sum(r.revenue), 0),
    ).select_from(r).outerjoin(OutboxMessage, OutboxMessage.id == r.outbox_id).where(r.campaign_id == campaign_id)).one()
    reasons = dict(db.session.execute(
        sa.select(r.skip_reason, sa.func.count()).where(r.campaign_id == campaign_id, r.status == SKIPPED)
        .group_by(r.skip_reason)).all())
    return Stats(*row[:10], Decimal(str(row[10])).quantize(Decimal("0.01")),
                 {k: reasons.get(k, 0) for k in SKIP_REASONS})


def skip_reason_label(reason: str | None) -> str:
    return {
        "no_consent": _("No consent for this channel"),
        "no_address": _("No address for this channel"),
        "unsubscribed": _("Unsubscribed"),
        "frequency_cap": _("Got another campaign recently"),
        "render_failed": _("The template could not be filled in"),
    }.get(reason or "", reason or "")


def state_label(state: str) -> str:
    return {DRAFT: pgettext("campaign", "Draft"), SCHEDULED: pgettext("campaign", "Scheduled"),
            SENDING: pgettext("campaign", "Sending"), TESTING: pgettext("campaign", "A/B test running"),
            PAUSED: pgettext("campaign", "Paused"), DONE: pgettext("campaign", "Finished"),
            CANCELLED: pgettext("campaign", "Cancelled")}.get(state, state)


def preview(campaign: Campaign, customer):
    """The message as ``customer`` would get it (links not yet tracked)."""
    from core.messaging import render_message

    return render_message(campaign.template_key, customer)


def test_send(campaign: Campaign, user, customer=None) -> None:
    """Send the campaign's message to the user's own address, filled in for ``customer`` (the
    one previewed), else the segment's first member, else with the placeholders shown.
    Raises MessageInputError/TemplateError/CampaignInputError for the page to show."""
    from core.customers.models import Customer
    from core.messaging import queue_message, render_message
    from plugins.marketing.segments import SegmentUnavailable, members_select

    if campaign.channel != "email":
        raise CampaignInputError({"channel": [_("Test sends are by email; preview SMS on the page.")]})
    if customer is None and campaign.segment is not None:
        try:
            customer = db.session.execute(members_select(campaign.segment).order_by(Customer.id).limit(1)).scalar()
        except SegmentUnavailable:
            customer = None
    rendered = render_message(campaign.template_key, customer, preview=customer is None,
                              language=None if customer is not None else getattr(user, "ui_language", None))
    queue_message(channel="email", to=user.email, subject="[TEST] " + rendered.subject, body=rendered.text,
                  html=rendered.html, purpose="service", source="marketing", ref=f"campaign-test:{campaign.id}",
                  user_id=user.id)


__all__ = ["DONE"]
