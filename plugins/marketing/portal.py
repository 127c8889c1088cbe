"""The customer portal's "Preferences and surveys" page (``/portal/marketing/…``): marketing
consent per channel, switched with the same :func:`tracking.set_consent` as the unsubscribe
link, and the customer's open surveys, answered with the same :func:`surveys.answer` as the
signed link in the invitation.

Everything starts from the logged-in customer: consents are the customer's own; surveys come
from ``core.portal.scoped_to()`` (another customer's answer id is a 404, never a hint).
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup

from core.customers.models import CONSENT_CHANNELS
from core.db import db, utcnow
from core.portal import current_portal, portal_login_required, scoped_to
from core.web.pagination import BadCursor, keyset_page
from plugins.marketing.models import SCALES, Survey, SurveyResponse

bp = Blueprint("marketing_portal", __name__, template_folder="templates")

PAGE = 10
OPEN_DAYS = 90  # an invitation older than this is not offered any more (the visit is long forgotten)
CHANNEL_LABELS = {"email": _l("Email"), "sms": _l("Text messages (SMS)")}


class PlainForm(FlaskForm):
    """CSRF only: the consent switches and the survey answers read their own fields."""


def _open(stmt):
    """``stmt`` (over survey responses) limited to unanswered invitations of active surveys."""
    return stmt.join(Survey, Survey.id == SurveyResponse.survey_id).where(
        SurveyResponse.answered_at.is_(None), Survey.active.is_(True),
        SurveyResponse.invited_at >= utcnow() - timedelta(days=OPEN_DAYS))


def open_surveys(portal=None):
    """The logged-in customer's open invitations (see :func:`_open`), with their survey."""
    return _open(scoped_to(portal).select(SurveyResponse)).options(sa.orm.contains_eager(SurveyResponse.survey))


def _page(errors=None, answered=None, status=200):
    from plugins.marketing.surveys import comment_prompt, question

    customer = current_portal.customer
    try:
        page = keyset_page(db.session, open_surveys(), [SurveyResponse.id], cursor=request.args.get("cursor"),
                           limit=PAGE, descending=True)
    except BadCursor:
        abort(404)
    language = customer.preferred_language
    consents = {channel: bool(c and c.granted) for channel in CONSENT_CHANNELS
                for c in [customer.consent_for(channel)]}
    return render_template(
        "marketing/portal_preferences.html", consents=consents, labels=CHANNEL_LABELS, page=page,
        form=PlainForm(), errors=errors or {}, answered=answered,
        questions={r.id: question(r.survey, language) for r in page.items}, comment=comment_prompt(language),
        scales={r.id: range(SCALES[r.survey.kind][0], SCALES[r.survey.kind][1] + 1) for r in page.items}), status


@bp.get("/preferences")
@portal_login_required
def preferences():
    return _page()


@bp.post("/preferences/<channel>")
@portal_login_required
def set_consent(channel: str):
    from plugins.marketing.tracking import set_consent as switch

    if channel not in CONSENT_CHANNELS:
        abort(404)
    if not PlainForm().validate_on_submit():
        abort(400)
    granted = request.form.get("granted") == "1"
    if switch(current_portal.customer, channel, granted, in_portal=True):
        db.session.commit()
    label = CHANNEL_LABELS[channel]
    flash(_("You will receive news and offers by %(channel)s.", channel=label) if granted
          else _("You will no longer receive news and offers by %(channel)s.", channel=label), "success")
    return redirect(url_for("marketing_portal.preferences"))


@bp.post("/surveys/<int:response_id>")
@portal_login_required
def answer_survey(response_id: int):
    from plugins.marketing.surveys import SurveyInputError, answer

    response = scoped_to().get(SurveyResponse, response_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    if response.answered_at is not None:
        flash(_("You already answered this survey. Thank you!"), "info")
        return redirect(url_for("marketing_portal.preferences"))
    try:
        done = answer(response.id, request.form.get("score"), request.form.get("comment", ""))
    except SurveyInputError as exc:
        db.session.rollback()
        return _page(errors={response.id: exc.errors}, answered=request.form, status=422)
    db.session.commit()
    flash(_("Thank you for your answer!") if done else _("You already answered this survey. Thank you!"),
          "success")
    return redirect(url_for("marketing_portal.preferences"))


# -- contributions to the portal (called from plugins/marketing/__init__.py) ----------------------


def menu_items():
    from core.contrib import PortalMenuItem

    return [PortalMenuItem(_l("Preferences and surveys"), "marketing_portal.preferences", weight=70)]


def cards(portal):
    from core.contrib import PortalCard

    def render():
        waiting = db.session.execute(open_surveys(portal).with_only_columns(sa.func.count(SurveyResponse.id))
                                     .order_by(None)).scalar()
        return Markup(render_template("marketing/portal_card.html", waiting=waiting))

    return [PortalCard(_l("Your opinion"), render, weight=70, url=url_for("marketing_portal.preferences"))]
