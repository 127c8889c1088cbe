"""The customer page's *Campaigns* tab: which campaigns the customer got (or was skipped
from, and why), what they did, and their survey answers — one indexed query each."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from core.db import db
from core.security import scoped
from plugins.marketing.models import Campaign, Recipient, Survey, SurveyResponse

LIMIT = 20


def customer_panel(customer) -> Markup:
    campaigns = db.session.execute(
        scoped(sa.select(Recipient, Campaign).join(Campaign, Campaign.id == Recipient.campaign_id), Campaign)
        .where(Recipient.customer_id == customer.id).order_by(Recipient.id.desc()).limit(LIMIT)).all()
    answers = db.session.execute(
        sa.select(SurveyResponse, Survey).join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyResponse.customer_id == customer.id).order_by(SurveyResponse.id.desc()).limit(LIMIT)).all()
    return Markup(render_template("marketing/panel.html", campaigns=campaigns, answers=answers))


def campaign_count(customer) -> int | None:
    n = db.session.execute(sa.select(sa.func.count()).select_from(Recipient).where(
        Recipient.customer_id == customer.id, Recipient.status == "queued")).scalar()
    return n or None
