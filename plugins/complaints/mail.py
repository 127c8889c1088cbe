"""Mail around a complaint: the acknowledgement, staff replies, and the customer's mail coming back.

Everything leaves through the outbox (``queue_message``) with ``source="complaints"``
and ``ref="complaint:<id>"``, and every subject carries the complaint's reference
(``[C-000042]``). A reply comes back to the same complaint by its thread (In-Reply-To /
References naming one of our messages, which the core resolves to ``outbox_id``) or,
failing that, by the reference in its subject — then only from the complaint's own
customer, so guessing a number attaches nothing to someone else's complaint. Mail to
the intake address from a known customer that matches no complaint opens one; so does such
mail from an unknown sender once staff assign it to a customer (``email_assigned``).
"""
from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.db import db
from plugins.complaints import history
from plugins.complaints.models import Complaint, ComplaintMessage, Settings

log = logging.getLogger(__name__)

ACK_TEMPLATE = "complaints.acknowledgement"
RATING_TEMPLATE = "complaints.rating_request"
CANNED_PREFIX = "complaints.reply."
REFERENCE_RE = re.compile(r"\bC-(\d{6,9})\b")
REF_PREFIX = "complaint:"


def _ref(complaint: Complaint) -> str:
    return f"{REF_PREFIX}{complaint.id}"


def _variables(complaint: Complaint, **extra) -> dict:
    return {"complaint": {"reference": complaint.reference, "title": complaint.title, **extra}}


def _with_reference(subject: str, complaint: Complaint) -> str:
    subject = (subject or "").strip() or complaint.title
    return subject if complaint.reference in subject else f"[{complaint.reference}] {subject}"[:500]


def _record(complaint: Complaint, message, *, user=None) -> ComplaintMessage:
    row = ComplaintMessage(complaint_id=complaint.id, direction="out", subject=message.subject,
                           body=message.body_text, outbox_id=message.id, user_id=user.id if user else None)
    db.session.add(row)
    return row


def send_acknowledgement(complaint: Complaint) -> None:
    """The automatic "we received your complaint" in the customer's language, if they have an address."""
    from core.messaging import MessageInputError, TemplateError, queue_message, render_message

    customer = complaint.customer
    if customer is None or not customer.emails:
        return
    try:
        rendered = render_message(ACK_TEMPLATE, customer, _variables(complaint))
        message = queue_message(channel="email", customer=customer,
                                subject=_with_reference(rendered.subject, complaint), body=rendered.text,
                                html=rendered.html, language=rendered.language, purpose="service",
                                source="complaints", ref=_ref(complaint),
                                dedupe_key=f"complaints:ack:{complaint.id}")
    except (MessageInputError, TemplateError, LookupError) as exc:  # no address, consent, template removed
        log.info("no acknowledgement for complaint %s: %s", complaint.id, exc)
        return
    _record(complaint, message)


def canned_replies() -> list:
    """The canned-reply templates (personal templates whose key starts with ``complaints.reply.``)."""
    from core.messaging.models import MessageTemplate

    return list(db.session.execute(sa.select(MessageTemplate).where(MessageTemplate.key.startswith(CANNED_PREFIX))
                                   .order_by(MessageTemplate.name)).scalars())


def reply(complaint: Complaint, *, body: str = "", subject: str = "", template: str | None = None,
          user=None) -> ComplaintMessage:
    """Write to the customer (free text, or a canned reply rendered in their language)."""
    from core.messaging import MessageInputError, TemplateError, queue_message, render_message
    from plugins.complaints.workflow import ComplaintInputError, record_first_response

    body = (body or "").strip()
    html = ""
    language = None
    if template:
        if not template.startswith(CANNED_PREFIX):
            raise ComplaintInputError({"template": [_l_invalid()]})
        try:
            rendered = render_message(template, complaint.customer, _variables(complaint))
        except (TemplateError, LookupError) as exc:
            raise ComplaintInputError({"template": [str(exc) or _l_invalid()]}) from exc
        subject, body, html, language = subject or rendered.subject, body or rendered.text, rendered.html, \
            rendered.language
    if not body:
        raise ComplaintInputError({"body": [_l("Write the reply or choose a canned reply.")]})
    if len(body) > 20000 or "\x00" in body or "\x00" in subject:
        raise ComplaintInputError({"body": [_l("At most %(max)d characters.", max=20000)]})
    try:
        message = queue_message(channel="email", customer=complaint.customer,
                                subject=_with_reference(subject, complaint), body=body, html=html,
                                language=language, purpose="service", source="complaints", ref=_ref(complaint),
                                user_id=user.id if user else None)
    except MessageInputError as exc:
        raise ComplaintInputError({k: [str(m) for m in v] for k, v in exc.errors.items()}) from exc
    row = _record(complaint, message, user=user)
    record_first_response(complaint)
    history.log(complaint, "replied", user=user, channel="email", direction="outbound")
    return row


def _l_invalid():
    return _l("Not a valid choice.")


# -- inbound ------------------------------------------------------------------------------------


def _complaint_of_thread(message: dict) -> Complaint | None:
    """The complaint whose outgoing mail this answers (its outbox message, or any in References)."""
    from core.messaging.models import OutboxMessage

    conditions = []
    if message.get("outbox_id"):
        conditions.append(OutboxMessage.id == message["outbox_id"])
    ids = [m for m in [message.get("in_reply_to"), *(message.get("references") or [])] if m]
    if ids:
        conditions.append(OutboxMessage.message_id.in_(ids[:50]))
    if not conditions:
        return None
    ref = db.session.execute(sa.select(OutboxMessage.ref).where(
        sa.or_(*conditions), OutboxMessage.source == "complaints", OutboxMessage.ref.startswith(REF_PREFIX))
        .order_by(OutboxMessage.id.desc()).limit(1)).scalar()
    if not ref:
        return None
    try:
        return db.session.get(Complaint, int(ref[len(REF_PREFIX):]))
    except ValueError:
        return None


def _complaint_of_subject(message: dict) -> Complaint | None:
    """The complaint named in the subject, if it is the sender's own."""
    if not message.get("customer_id"):
        return None
    for match in REFERENCE_RE.finditer(message.get("subject") or ""):
        complaint_id = int(match.group(1))
        if complaint_id < 2 ** 31:
            complaint = db.session.get(Complaint, complaint_id)
            if complaint is not None and complaint.customer_id == message["customer_id"]:
                return complaint
    return None


def intake_address() -> str:
    return (db.session.execute(sa.select(Settings.intake_address).order_by(Settings.id).limit(1)).scalar()
            or "").strip().lower()


def _to_intake(message: dict) -> bool:
    address = intake_address()
    return bool(address) and address in {a.lower() for a in [*(message.get("to") or []), *(message.get("cc") or [])]}


def receive(message: dict) -> Complaint | None:
    """``email_received`` and ``email_assigned``: thread the mail into its complaint, or open one;
    idempotent per mail (complaints' own *Open a complaint* has already done it when it assigned)."""
    if message.get("bounce") or (message.get("auto_submitted") or "no") != "no":
        return None
    done = db.session.execute(sa.select(ComplaintMessage.complaint_id)
                              .where(ComplaintMessage.inbound_mail_id == message["id"])).scalar()
    if done is not None or db.session.execute(sa.select(Complaint.id).where(
            Complaint.inbound_mail_id == message["id"])).scalar() is not None:
        return None
    complaint = _complaint_of_thread(message) or _complaint_of_subject(message)
    if complaint is not None:
        db.session.add(ComplaintMessage(complaint_id=complaint.id, direction="in", subject=message.get("subject") or "",
                                        body=(message.get("text") or "")[:100000], inbound_mail_id=message["id"]))
        return complaint
    if message.get("customer_id") and _to_intake(message):
        return open_from_mail(message, message["customer_id"], user=_assigner(message))
    return None


def _assigner(message: dict):
    """Who assigned the mail to its customer (``email_assigned``), to be named as the opener."""
    from core.auth.models import User

    return db.session.get(User, message["assigned_by_id"]) if message.get("assigned_by_id") else None


def open_from_mail(message: dict, customer_id: int, *, user=None, **data) -> Complaint:
    """Open a complaint of ``customer_id`` from a received mail (``{"id", "subject", "text"}``):
    its subject is the title unless ``data`` gives one, its text the description and the first
    message of the conversation (the caller commits). Raises ComplaintInputError."""
    from plugins.complaints.workflow import create_complaint

    title = data.pop("title", None) or " ".join((message.get("subject") or "").split())[:200] or "—"
    complaint = create_complaint({**data, "customer_id": customer_id, "title": title,
                                  "description": (message.get("text") or "")[:20000]},
                                 user=user, channel="email", inbound_mail_id=message["id"])
    db.session.add(ComplaintMessage(complaint_id=complaint.id, direction="in", subject=message.get("subject") or "",
                                    body=(message.get("text") or "")[:100000], inbound_mail_id=message["id"]))
    return complaint
