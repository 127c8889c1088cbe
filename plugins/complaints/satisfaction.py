"""Satisfaction after closing: marketing's survey when a plugin takes it, else a 1–5 rating link.

On closing, complaints asks the ``complaint_survey`` hook (declared in hookspecs.py):
an enabled plugin (marketing) that sends its own survey returns True. Otherwise the
customer gets the rating-request template with a signed link (itsdangerous, salted,
valid ``LINK_DAYS``); the link opens a public page that stores the rating on the
complaint once (a second answer is refused).
"""
from __future__ import annotations

import logging
import os

from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core.db import db, utcnow
from plugins.complaints.models import Complaint

log = logging.getLogger(__name__)

SALT = "complaints.rating"
LINK_DAYS = 30


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def rating_token(complaint: Complaint) -> str:
    return _serializer().dumps({"c": complaint.id})


def complaint_for_token(token: str) -> Complaint | None:
    """The complaint a rating link is for, or None when forged or expired."""
    try:
        data = _serializer().loads(token, max_age=LINK_DAYS * 86400)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        return None
    return db.session.get(Complaint, data["c"])


def rating_link(complaint: Complaint) -> str:
    """The absolute link for the customer: this request's host, or ``RAPPORT_PUBLIC_URL``
    (``PUBLIC_URL`` in the config) when closing happens outside a request (a job, the CLI)."""
    token = rating_token(complaint)
    if has_request_context():
        return url_for("complaints.rate", token=token, _external=True)
    base = current_app.config.get("PUBLIC_URL") or os.environ.get("RAPPORT_PUBLIC_URL") or "http://localhost:5000"
    with current_app.test_request_context(base_url=base):
        return url_for("complaints.rate", token=token, _external=True)


def request_rating(complaint: Complaint) -> None:
    """Ask the customer how we did (marketing's survey, or our own link through the outbox)."""
    from plugins.complaints.mail import RATING_TEMPLATE, _record, _ref, _variables, _with_reference
    from plugins.complaints.workflow import as_event

    registry = current_app.extensions["rapport"].plugins
    if any(result for _plugin, result in registry.call("complaint_survey", complaint=as_event(complaint))):
        return
    from core.messaging import MessageInputError, TemplateError, queue_message, render_message

    customer = complaint.customer
    if customer is None or not customer.emails:
        return
    link = rating_link(complaint)
    try:
        rendered = render_message(RATING_TEMPLATE, customer, _variables(complaint, rating_link=link))
        message = queue_message(channel="email", customer=customer,
                                subject=_with_reference(rendered.subject, complaint), body=rendered.text,
                                html=rendered.html, language=rendered.language, purpose="service",
                                source="complaints", ref=_ref(complaint),
                                dedupe_key=f"complaints:rating:{complaint.id}:{complaint.reopened_count}")
    except (MessageInputError, TemplateError, LookupError) as exc:
        log.info("no rating request for complaint %s: %s", complaint.id, exc)
        return
    _record(complaint, message)


def store_rating(complaint: Complaint, rating: int, comment: str = "", *, source: str) -> bool:
    """Store the rating once (one conditional UPDATE); False when it was already rated.
    ``source`` is where it came from (``labels.RATING_SOURCES``), shown on the complaint."""
    from plugins.complaints import history
    from plugins.complaints.workflow import update_if

    won = update_if(complaint, Complaint.rating.is_(None), rating=rating, rating_comment=comment[:1000],
                    rated_at=utcnow(), rating_source=source)
    if won:
        history.log(complaint, "rated", rating=rating)
    return won


def complaint_of_survey(answer: dict) -> Complaint | None:
    """The complaint a survey answer (marketing's ``survey_answered`` payload) is about, or None.

    A survey triggered by closing is about the ``complaints.close`` entry of the contact
    history (``ref`` ``interaction:<id>``), whose data names the complaint; the entry, the
    complaint and the answer must all be the same customer's."""
    from core.history.models import Interaction

    ref = answer.get("ref") or ""
    if answer.get("trigger_kind") != "complaints.close" or not ref.startswith("interaction:"):
        return None
    try:
        entry = db.session.get(Interaction, int(ref.split(":", 1)[1]))
    except ValueError:
        return None
    if entry is None or entry.kind != "complaints.close" or entry.customer_id != answer.get("customer_id"):
        return None
    complaint_id = (entry.data or {}).get("complaint_id")
    complaint = db.session.get(Complaint, complaint_id) if isinstance(complaint_id, int) else None
    if complaint is None or complaint.customer_id != entry.customer_id:
        return None
    return complaint


def store_survey_answer(answer: dict) -> bool:
    """Keep a satisfaction survey's score as the rating of the complaint it followed.

    Only a score on our own 1–5 scale (CSAT) is a rating; an NPS answer (0–10, "would you
    recommend us") is another question and stays in marketing's results. Once per complaint
    (a redelivered event, or a rating already given through the link, changes nothing)."""
    if (answer.get("low"), answer.get("high")) != (1, 5) or not isinstance(answer.get("score"), int):
        return False
    complaint = complaint_of_survey(answer)
    if complaint is None or complaint.rating is not None:
        return False
    return store_rating(complaint, answer["score"], answer.get("comment") or "", source="survey")
