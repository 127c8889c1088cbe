"""Surveys: CSAT (1–5) and NPS (0–10) with a free-text comment, in every language.

Invitations go out three ways, each making one ``marketing_survey_response`` row (unique per
survey, customer and ``ref``, so a retried event or job invites once):

* **by campaign** — a campaign with a survey gives every recipient a signed link
  (``{{ survey_url }}`` in its template, else appended);
* **by trigger** — a survey bound to a history kind (``service.request_done``, a closed
  complaint) is sent when such an entry is logged (a worker reads the history every minute,
  :func:`send_triggered_surveys`); plugins list the kinds worth offering with the
  ``survey_triggers`` hook;
* by hand, for a customer (``invite``).

The customer answers through a signed link without logging in (``/marketing/s/<token>``),
in their language; one answer per invitation (a conditional update). A score at or below the
survey's threshold creates a follow-up for the customer's owner in the contact history.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.db import db, utcnow
from plugins.marketing.models import CSAT, NPS, SCALES, SURVEY_KINDS, Survey, SurveyResponse
from plugins.marketing import validation
from plugins.marketing.tracking import make_token
from plugins.marketing.validation import InputError

SURVEY = "marketing.survey"
COMMENT_MAX = 5000

DEFAULT_QUESTION = {
    CSAT: _l("How satisfied are you with our service?"),
    NPS: _l("How likely are you to recommend us to a friend or colleague?"),
}
DEFAULT_COMMENT = _l("Is there anything you would like to tell us?")


SurveyInputError = InputError


def kind_label(kind: str) -> str:
    return {CSAT: _("Satisfaction (CSAT, 1–5)"), NPS: _("Recommendation (NPS, 0–10)")}.get(kind, kind)


def trigger_choices() -> list[tuple[str, str]]:
    """``(history kind, label)`` offered by enabled plugins through ``survey_triggers``."""
    registry = current_app.extensions["rapport"].plugins
    found = {}
    for _plugin, items in registry.call("survey_triggers"):
        for item in items or ():
            found.setdefault(item["kind"], str(item["label"]))
    return sorted(found.items(), key=lambda kv: kv[1])


def clean_survey(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    out: dict = {}
    out["name"] = validation.name(errors, data)
    kind = data.get("kind") or CSAT
    if kind not in SURVEY_KINDS:
        errors.setdefault("kind", []).append(_("Either CSAT or NPS."))
    out["kind"] = kind
    trigger = (data.get("trigger_kind") or "").strip() or None
    if trigger and trigger not in dict(trigger_choices()):
        errors.setdefault("trigger_kind", []).append(_("Not one of the choices."))
    out["trigger_kind"] = trigger
    low, high = SCALES.get(kind, (0, 10))
    out["follow_up_below"] = validation.whole_number(errors, data, "follow_up_below", max(low - 1, 0), high,
                                                     default=2 if kind == CSAT else 6)
    out["ask_comment"] = str(data.get("ask_comment", "1")).lower() in ("1", "true", "on", "yes", "y")
    texts = {}
    for language in current_app.config["LANGUAGES"]:
        question = (data.get(f"question_{language}") or "").strip()
        if len(question) > 300:
            errors.setdefault(f"question_{language}", []).append(_("At most %(n)d characters.", n=300))
        if question:
            texts[language] = {"question": question}
    out["texts"] = texts or None
    if errors:
        raise SurveyInputError(errors)
    return out


def question(survey: Survey, language: str | None) -> str:
    """The question in ``language``: the survey's own wording, else the translated default."""
    own = ((survey.texts or {}).get(language or "") or {}).get("question")
    if own:
        return own
    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(DEFAULT_QUESTION[survey.kind])


def comment_prompt(language: str | None) -> str:
    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(DEFAULT_COMMENT)


def survey_url(response: SurveyResponse) -> str:
    from plugins.marketing.sending import public_url

    return public_url("marketing.survey_answer", token=make_token(SURVEY, response.id))


def response_for(survey: Survey, customer_id: int, ref: str, language: str | None) -> SurveyResponse:
    """The invitation for (survey, customer, ref), made once."""
    existing = db.session.execute(sa.select(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.customer_id == customer_id,
        SurveyResponse.ref == ref)).scalar()
    if existing is not None:
        return existing
    response = SurveyResponse(survey_id=survey.id, customer_id=customer_id, ref=ref[:120], language=language)
    db.session.add(response)
    db.session.flush()
    return response


def invite(survey: Survey, customer, ref: str):
    """Send the survey to ``customer`` about ``ref`` by email, in their language (the caller
    commits). Uses the ``marketing.survey`` template; refused (MessageInputError) when the
    customer withdrew consent to be contacted by email or has no address."""
    from core.messaging import queue_message

    response = response_for(survey, customer.id, ref, customer.preferred_language)
    if response.outbox_id is not None:
        return response
    message = queue_message(
        channel="email", customer=customer, template="marketing.survey", purpose="personal",
        variables={"survey_url": survey_url(response), "question": question(survey, customer.preferred_language)},
        source="marketing", ref=f"survey:{survey.id}:{response.id}",
        dedupe_key=f"marketing:survey:{survey.id}:response:{response.id}")
    db.session.flush()
    response.outbox_id = message.id
    return response


SCAN_BATCH = 1000
SETTLE_SECONDS = 60


def send_triggered_surveys(now=None) -> int:
    """Every minute: send each active survey bound to a history kind to the customers whose
    history got such an entry since the last look (once per entry).

    Read from the contact history by id — an indexed range per survey — rather than by
    listening to ``interaction_logged``: a listener would add an event delivery to every
    history entry the whole system writes (every email sent, every call logged) to find the
    few that matter. Entries younger than a minute wait for the next look, so one written by
    a transaction that committed late (after a newer one) is not passed over.
    """
    from core.customers.models import Customer
    from core.history.models import Interaction
    from core.messaging import MessageInputError

    now = now or utcnow()
    settled = now - timedelta(seconds=SETTLE_SECONDS)
    sent = 0
    surveys = db.session.execute(sa.select(Survey).where(Survey.active.is_(True),
                                                         Survey.trigger_kind.is_not(None))).scalars().all()
    for survey in surveys:
        rows = db.session.execute(
            sa.select(Interaction.id, Interaction.customer_id).where(
                Interaction.id > survey.scanned_to, Interaction.kind == survey.trigger_kind,
                Interaction.created_at <= settled).order_by(Interaction.id).limit(SCAN_BATCH)).all()
        for entry_id, customer_id in rows:
            customer = db.session.get(Customer, customer_id)
            if customer is None:
                continue
            try:
                with db.session.begin_nested():
                    invite(survey, customer, f"interaction:{entry_id}")
                    sent += 1
            except MessageInputError:
                continue  # no address or consent withdrawn: nobody to ask
        if len(rows) == SCAN_BATCH:
            survey.scanned_to = rows[-1][0]  # more to read: the next look goes on from here
        else:  # all read up to the settled horizon, matching or not: never scan those ids again
            horizon = db.session.execute(sa.select(sa.func.max(Interaction.id)).where(
                Interaction.id > survey.scanned_to, Interaction.created_at <= settled)).scalar()
            survey.scanned_to = max(survey.scanned_to, horizon or 0, rows[-1][0] if rows else 0)
        db.session.commit()
    return sent


def start_scan_at_now(survey: Survey) -> None:
    """A new survey looks at history written from now on, not at years of old entries."""
    from core.history.models import Interaction

    survey.scanned_to = db.session.execute(sa.select(sa.func.max(Interaction.id))).scalar() or 0


def answer(response_id: int, score, comment: str) -> SurveyResponse | None:
    """Record the answer once; returns the response, or None when it was answered already.
    Raises SurveyInputError for a score off the scale."""
    from core.customers.models import Customer
    from core.history.service import log_event, schedule_activity

    response = db.session.get(SurveyResponse, response_id)
    survey = response.survey
    low, high = SCALES[survey.kind]
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:
        raise SurveyInputError({"score": [_("Choose a number from %(low)d to %(high)d.", low=low, high=high)]})
    comment = (comment or "").strip()[:COMMENT_MAX] if survey.ask_comment else ""
    won = db.session.execute(
        sa.update(SurveyResponse).where(SurveyResponse.id == response_id, SurveyResponse.answered_at.is_(None))
        .values(answered_at=utcnow(), score=value, comment=comment).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        return None
    db.session.refresh(response)
    _announce_answer(response, survey, low, high)
    label = "NPS" if survey.kind == NPS else "CSAT"
    log_event(response.customer_id, "marketing.survey_answered", source="marketing",
              subject_kind="marketing.survey_answered",
              subject_params={"scale": label, "score": value, "high": high, "survey": survey.name}, body=comment,
              data={"survey_id": survey.id, "score": value, "scale": [low, high]}, channel="email",
              direction="inbound")
    if value <= survey.follow_up_below:
        customer = db.session.get(Customer, response.customer_id)
        owner = customer.owner if customer else None
        # A to-do for one person: written in the owner's language.
        with force_locale(getattr(owner, "ui_language", None) or current_app.config["BABEL_DEFAULT_LOCALE"]):
            summary = _("Low score %(score)d of %(high)d in “%(survey)s”: call the customer back",
                        score=value, high=high, survey=survey.name)
        activity = schedule_activity(
            response.customer_id, summary=summary[:300], due_date=(utcnow() + timedelta(days=1)).date(),
            assignee_id=customer.owner_id if customer else None, notes=comment, source="marketing",
            ref=f"survey_response:{response.id}")
        response.activity_id = activity.id
    return response


def _announce_answer(response: SurveyResponse, survey: Survey, low: int, high: int) -> None:
    """``survey_answered`` for the plugin whose record the survey was about (hookspecs.py):
    the complaint a survey after closing was sent for keeps its score, without marketing
    knowing complaints."""
    from core.db import announce

    announce("survey_answered", answer={
        "response_id": response.id, "survey_id": survey.id, "survey": survey.name, "kind": survey.kind,
        "low": low, "high": high, "score": response.score, "comment": response.comment or "",
        "customer_id": response.customer_id, "ref": response.ref, "trigger_kind": survey.trigger_kind,
        "answered_at": response.answered_at.replace(microsecond=0).isoformat()})


def results(survey_id: int) -> dict:
    """NPS, CSAT %, counts — one aggregate query."""
    r = SurveyResponse
    answered, invited, promoters, detractors, satisfied, average = db.session.execute(sa.select(
        sa.func.count(r.answered_at), sa.func.count(),
        sa.func.count().filter(r.score >= 9), sa.func.count().filter(r.score <= 6),
        sa.func.count().filter(r.score >= 4), sa.func.avg(r.score),
    ).where(r.survey_id == survey_id)).one()
    out = {"invited": invited, "answered": answered, "average": float(average) if average is not None else None,
           "nps": None, "csat_percent": None, "promoters": promoters, "detractors": detractors}
    if answered:
        out["nps"] = round(100 * (promoters - detractors) / answered)
        out["csat_percent"] = round(100 * satisfied / answered)
    return out


def month_column(column):
    """``YYYY-MM`` of a datetime column, in SQL (SQLite and PostgreSQL)."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def trend(survey: Survey, months: int = 12) -> list[tuple[str, float | None, int]]:
    """Per month: the month's NPS (or CSAT %) and the number of answers, oldest first."""
    r = SurveyResponse
    month = month_column(r.answered_at)
    since = utcnow() - timedelta(days=31 * months)
    good = sa.func.count().filter(r.score >= 9) - sa.func.count().filter(r.score <= 6) if survey.kind == NPS \
        else sa.func.count().filter(r.score >= 4)
    rows = db.session.execute(sa.select(month, good, sa.func.count()).where(
        r.survey_id == survey.id, r.answered_at.is_not(None), r.answered_at >= since).group_by(month)
        .order_by(month)).all()
    return [(m, round(100 * g / n) if n else None, n) for m, g, n in rows]


def ensure_survey_template() -> None:
    """The email that carries a triggered survey, in all five languages (staff may edit it)."""
    from core.messaging import ensure_template

    texts = {}
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            texts[language] = {
                "subject": _("A quick question from us"),
                "body": _("Dear %(name)s,", name="{{ customer.first_name }}") + "\n\n{{ question }}\n\n"
                + _("Answer with one click: %(url)s", url="{{ survey_url }}") + "\n\n" + _("Thank you!"),
            }
    ensure_template("marketing.survey", name="Satisfaction survey", source="marketing", texts=texts,
                    sample_variables={"survey_url": "https://example.com/marketing/s/…",
                                      "question": str(DEFAULT_QUESTION[CSAT])})


def _low_score(customer_id, params):
    """Answered a survey in the last N days with a score at or below its follow-up threshold."""
    since = utcnow() - timedelta(days=params["days"])
    return sa.exists().where(SurveyResponse.customer_id == customer_id, SurveyResponse.answered_at >= since,
                             SurveyResponse.survey_id == Survey.id, SurveyResponse.score <= Survey.follow_up_below)


def segment_criteria() -> list[dict]:
    return [{"key": "marketing.low_survey_score", "label": _l("Gave a low survey score in the last days"),
             "compile": _low_score, "weight": 50, "params": [{"name": "days", "type": "int", "label": _l("Days")}]}]
