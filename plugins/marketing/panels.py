"""The customer page's *Campaigns* tab: which campaigns the customer got (or was skipped
from, and why), what they did, and their survey answers — one indexed query each,
the tab's badge counted inside the first."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from core.db import db
from core.security import scoped
from plugins.marketing.models import Campaign, Recipient, Survey, SurveyResponse

LIMIT = 20


def customer_panel(customer, loaded: dict | None = None) -> Markup:
    """The Campaigns tab; the queued count (the tab's badge) comes with the campaigns as a
    sub-select and is left in ``loaded["queued"]`` for :func:`campaign_count`."""
    queued = (sa.select(sa.func.count()).select_from(Recipient)
              .where(Recipient.customer_id == customer.id, Recipient.status == "queued")
              .correlate(None).scalar_subquery())
    campaigns = db.session.execute(
        scoped(sa.select(Recipient, Campaign, queued).join(Campaign, Campaign.id == Recipient.campaign_id), Campaign)
        .where(Recipient.customer_id == customer.id).order_by(Recipient.id.desc()).limit(LIMIT)).all()
    if loaded is not None and campaigns:  # none shown: campaign_count asks (rows of hidden campaigns count too)
        loaded["queued"] = campaigns[0][2] or None
    answers = db.session.execute(
        sa.select(SurveyResponse, Survey).join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyResponse.customer_id == customer.id).order_by(SurveyResponse.id.desc()).limit(LIMIT)).all()
    return Markup(render_template("marketing/panel.html", campaigns=[(r, c) for r, c, _ in campaigns],
                                  answers=answers))


def campaign_count(customer, loaded: dict | None = None) -> int | None:
    if loaded is not None and "queued" in loaded:
        return loaded["queued"]
    n = db.session.execute(sa.select(sa.func.count()).select_from(Recipient).where(
        Recipient.customer_id == customer.id, Recipient.status == "queued")).scalar()
    return n or None
