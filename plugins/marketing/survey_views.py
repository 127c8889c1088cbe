"""Survey pages: the list, a new survey, results (NPS, CSAT %, trend chart, comments), and the
page a customer answers on through a signed link, without logging in, in their language."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from core.db import db
from core.security import public, requires
from core.web.pagination import BadCursor, cursor_of, keyset_page
from plugins.marketing import tracking
from plugins.marketing.models import SCALES, SURVEY_KINDS, Survey, SurveyResponse
from plugins.marketing.views import bp


@bp.get("/surveys")
@requires("marketing.user")
def surveys():
    try:
        page = keyset_page(db.session, sa.select(Survey), [Survey.id], cursor=request.args.get("cursor"),
                           limit=current_app.config["PAGE_SIZE"], descending=True)
    except BadCursor:
        abort(400)
    from plugins.marketing.surveys import kind_label

    return render_template("marketing/surveys.html", page=page, kind_label=kind_label)


@bp.route("/surveys/new", methods=["GET", "POST"])
@requires("marketing.user")
def survey_new():
    from plugins.marketing.surveys import (
        SurveyInputError,
        clean_survey,
        kind_label,
        start_scan_at_now,
        trigger_choices,
    )

    errors, form = {}, request.form
    if request.method == "POST":
        try:
            survey = Survey(owner_id=current_user.id, **clean_survey(form.to_dict()))
        except SurveyInputError as exc:
            errors = exc.errors
        else:
            start_scan_at_now(survey)
            db.session.add(survey)
            db.session.commit()
            flash(_("Survey saved."), "success")
            return redirect(url_for("marketing.survey", survey_id=survey.id))
    return render_template("marketing/survey_form.html", form=form, errors=errors, kinds=SURVEY_KINDS,
                           kind_label=kind_label, triggers=trigger_choices(),
                           languages=current_app.config["LANGUAGES"]), (422 if errors else 200)


@bp.get("/surveys/<int:survey_id>")
@requires("marketing.user")
def survey(survey_id):
    from plugins.marketing.charts import trend_chart
    from plugins.marketing.surveys import kind_label, question, results, trend, trigger_choices

    survey = db.session.get(Survey, survey_id)
    if survey is None:
        abort(404)
    stmt = sa.select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                           SurveyResponse.answered_at.is_not(None), SurveyResponse.comment != "")
    try:
        comments = keyset_page(db.session, stmt.options(sa.orm.joinedload(SurveyResponse.customer)),
                               [SurveyResponse.answered_at, SurveyResponse.id], cursor=request.args.get("cursor"),
                               limit=current_app.config["PAGE_SIZE"], descending=True,
                               convert=cursor_of("datetime", "id"))
    except BadCursor:
        abort(400)
    months = trend(survey)
    return render_template("marketing/survey.html", survey=survey, figures=results(survey.id), comments=comments,
                           chart=trend_chart(survey, months), months=months, kind_label=kind_label,
                           question=question(survey, None), triggers=dict(trigger_choices()))


# -- the customer's side --------------------------------------------------------------------------


@bp.route("/s/<token>", methods=["GET", "POST"])
@public
def survey_answer(token):
    from plugins.marketing.surveys import SURVEY, SurveyInputError, answer, comment_prompt, question

    found = tracking.read_token(SURVEY, token)
    response = db.session.get(SurveyResponse, found[0]) if found else None
    if response is None:
        abort(404)
    survey = response.survey
    language = response.language or (response.customer.preferred_language if response.customer else None)
    language = language if language in current_app.config["LANGUAGES"] else None
    errors, done = {}, response.answered_at is not None
    if request.method == "POST" and not done:
        try:
            answer(response.id, request.form.get("score"), request.form.get("comment", ""))  # None: answered meanwhile
            done = True
        except SurveyInputError as exc:
            errors = exc.errors
        else:
            db.session.commit()
    low, high = SCALES[survey.kind]
    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        page = render_template("marketing/survey_answer.html", survey=survey, done=done, errors=errors,
                               question=question(survey, language), comment=comment_prompt(language),
                               scale=range(low, high + 1), form=request.form, lang=language)
    return page, (422 if errors else 200)
