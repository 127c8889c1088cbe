"""Queuing messages: the one way anything in Rapport sends an email or an SMS.

Callers write the message into the outbox in the *same transaction* as the change that
causes it and commit; a worker sends it afterwards (:mod:`core.messaging.tasks`: a
background call queued by the commit, and an every-minute sweep). So a rolled-back change
sends nothing, and a committed one is never lost. Callers never talk
SMTP or to an SMS gateway themselves::

    from core.messaging import queue_message

    queue_message(channel="email", customer=customer, template="service.repair_done",
                  variables={"repair": {"number": "R-12"}}, purpose="service", source="service",
                  ref=f"service.request:{request.id}")
    db.session.commit()

Consent depends on ``purpose``: ``marketing`` needs the customer's consent for the channel
to have been given; ``personal`` (staff writing to a customer, the default) is refused when
the customer withdrew it; ``service`` (notices about something the customer asked for: a
repair, an order, a password) does not depend on marketing consent.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from core.audit import record_event
from core.audit.models import UPDATE
from core.customers.models import Customer
from core.customers.service import normalise_email, normalise_phone
from core.db import db, utcnow
from core.messaging.models import (
    BOUNCED,
    CANCELLED,
    CHANNELS,
    EMAIL,
    FAILED,
    PURPOSES,
    QUEUED,
    SMS,
    UNKNOWN,
    OutboxMessage,
)
from core.messaging.sms import count_segments
from core.messaging.tasks import kick
from core.messaging.smtp import make_message_id
from core.messaging.templates import TemplateError, get_template, render_message

SUBJECT_MAX, TEXT_MAX, HTML_MAX = 500, 100_000, 500_000
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,76}$")
# Headers the outbox writes itself; a caller may not set them.
RESERVED_HEADERS = frozenset({
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
    "content-transfer-encoding", "sender", "return-path", "received",
})
RETRYABLE = (FAILED, UNKNOWN, BOUNCED)


class MessageInputError(ValueError):
    """The message cannot be queued; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def consent_problem(customer: Customer, channel: str, purpose: str) -> str | None:
    """Why ``customer``'s consent forbids this message, or ``None`` when it may go."""
    consent = customer.consent_for(channel)
    if purpose == "marketing" and not (consent and consent.granted):
        return _("The customer has not agreed to marketing by email.") if channel == EMAIL \
            else _("The customer has not agreed to marketing by SMS.")
    if purpose == "personal" and consent is not None and not consent.granted:
        return _("The customer withdrew consent to be contacted by email.") if channel == EMAIL \
            else _("The customer withdrew consent to be contacted by SMS.")
    return None


def recipients_of(customer: Customer, channel: str) -> list[str]:
    """The addresses (email) or numbers (SMS) the customer has on file, primary first."""
    return [e.email for e in customer.emails] if channel == EMAIL else [p.number for p in customer.phones]


def _recipient(channel: str, to: str | None, customer: Customer | None, errors: dict) -> str:
    if to:
        try:
            value = normalise_email(to) if channel == EMAIL else normalise_phone(to)
        except ValueError as exc:
            errors.setdefault("to", []).append(str(exc))
            return ""
        if customer is not None and value not in recipients_of(customer, channel):
            errors.setdefault("to", []).append(
                _("“%(to)s” is not one of this customer's email addresses.", to=to) if channel == EMAIL
                else _("“%(to)s” is not one of this customer's phone numbers.", to=to))
        return value
    if customer is None:
        errors.setdefault("to", []).append(_("Give a recipient or a customer."))
        return ""
    found = recipients_of(customer, channel)
    if not found:
        errors.setdefault("to", []).append(
            _("The customer has no email address.") if channel == EMAIL else _("The customer has no phone number."))
        return ""
    return found[0]


def _headers(headers: dict | None, errors: dict) -> dict:
    clean = {}
    for name, value in (headers or {}).items():
        value = str(value)
        if not isinstance(name, str) or not HEADER_NAME.match(name) or name.lower() in RESERVED_HEADERS:
            errors.setdefault("headers", []).append(_("“%(name)s” cannot be set.", name=str(name)[:80]))
        elif "\r" in value or "\n" in value or len(value) > 2000:
            errors.setdefault("headers", []).append(_("The value of “%(name)s” is not a single line.", name=name))
        else:
            clean[name] = value
    return clean


def _prepare(channel, customer, to, subject, body, html, template, variables, language, headers, purpose):
    """Validate and render one message; returns its fields or raises MessageInputError."""
    errors: dict[str, list[str]] = {}
    if channel not in CHANNELS:
        raise MessageInputError({"channel": [_("Not one of: %(c)s.", c=", ".join(CHANNELS))]})
    if purpose not in PURPOSES:
        raise MessageInputError({"purpose": [_("Not one of: %(c)s.", c=", ".join(PURPOSES))]})
    if isinstance(customer, int):
        customer_obj = db.session.get(Customer, customer)
        if customer_obj is None:
            raise MessageInputError({"customer": [_("No such customer.")]})
        customer = customer_obj
    if customer is None and purpose == "marketing":
        errors.setdefault("customer", []).append(_("Marketing messages go to customers only."))
    recipient = _recipient(channel, to, customer, errors)
    if customer is not None:
        problem = consent_problem(customer, channel, purpose)
        if problem:
            errors.setdefault("consent", []).append(problem)
    template_key, used_language = None, language
    if template is not None and template != "":
        if subject or body or html:
            errors.setdefault("template", []).append(_("Give either a template or a text, not both."))
        try:
            tpl = get_template(template)
            if tpl.channel != channel:
                raise TemplateError(_("The template “%(key)s” is for another channel.", key=tpl.key))
            rendered = render_message(tpl, customer, variables, language=language)
            subject, body, html = rendered.subject, rendered.text, rendered.html
            template_key, used_language = rendered.template_key, rendered.language
        except TemplateError as exc:
            errors.setdefault("template", []).append(str(exc))
    subject, html = (subject or "").strip(), html or ""
    body = (body or "").replace("\r\n", "\n").strip()
    if channel == EMAIL:
        if not subject:
            errors.setdefault("subject", []).append(_("An email needs a subject."))
        if "\n" in subject or "\r" in subject or len(subject) > SUBJECT_MAX:
            errors.setdefault("subject", []).append(_("One line of at most %(n)d characters.", n=SUBJECT_MAX))
    if not body:
        errors.setdefault("body", []).append(_("Write the message."))
    if len(body) > TEXT_MAX:
        errors.setdefault("body", []).append(_("At most %(n)d characters.", n=TEXT_MAX))
    if len(html) > HTML_MAX:
        errors.setdefault("html", []).append(_("At most %(n)d characters.", n=HTML_MAX))
    segments = 0
    if channel == SMS:
        segments = count_segments(body).parts
        limit = current_app.config["SMS_MAX_SEGMENTS"]
        if segments > limit:
            errors.setdefault("body", []).append(
                _("This SMS needs %(n)d parts; at most %(max)d are allowed.", n=segments, max=limit))
        subject, html = "", ""
    clean_headers = _headers(headers, errors) if channel == EMAIL else {}
    if errors:
        raise MessageInputError(errors)
    return customer, recipient, subject, body, html, template_key, used_language, segments, clean_headers


def _row(prepared, *, channel, purpose, source, ref, dedupe_key, user_id) -> dict:
    """The outbox row's values for one prepared message."""
    customer, recipient, subject, body, html, template_key, used_language, segments, clean_headers = prepared
    return dict(
        channel=channel, status=QUEUED, purpose=purpose, customer_id=customer.id if customer else None,
        recipient=recipient, recipient_name=(customer.name if customer else "")[:200], subject=subject,
        body_text=body, body_html=html, headers=clean_headers or None, template_key=template_key,
        language=used_language, segments=segments, source=source, ref=ref, dedupe_key=dedupe_key,
        created_by_id=user_id, next_attempt_at=utcnow(),
        message_id=make_message_id(current_app.config["MAIL_FROM"]) if channel == EMAIL else None,
    )


def queue_message(*, channel: str, customer: Customer | int | None = None, to: str | None = None,
                  subject: str = "", body: str = "", html: str = "", template=None, variables: dict | None = None,
                  language: str | None = None, headers: dict | None = None, purpose: str = "personal",
                  source: str = "core", ref: str | None = None, dedupe_key: str | None = None,
                  user_id: int | None = None) -> OutboxMessage:
    """Put one email or SMS into the outbox (the caller commits); returns the row.

    Give either ``subject``/``body`` (and optionally ``html``) or a ``template`` (key or
    :class:`~core.messaging.models.MessageTemplate`) with its ``variables``. ``to``
    defaults to the customer's first address or number and must be one of theirs when a
    customer is given. ``dedupe_key``: queuing the same key again returns the first
    message instead of a second one (for jobs that may run twice). ``headers`` are extra
    email headers such as ``List-Unsubscribe``. Raises :class:`MessageInputError`.
    """
    if dedupe_key:
        existing = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).scalar()
        if existing is not None:
            return existing
    with db.session.no_autoflush:  # reading the customer must not flush earlier messages one by one
        prepared = _prepare(channel, customer, to, subject, body, html, template, variables, language, headers,
                            purpose)
    row = OutboxMessage(**_row(prepared, channel=channel, purpose=purpose, source=source, ref=ref,
                               dedupe_key=dedupe_key, user_id=user_id))
    db.session.add(row)
    kick(channel)  # a worker sends it once the caller commits (the every-minute sweep, should this call be lost)
    return row


def queue_messages(messages: list[dict], *, with_ids: bool = False) -> list:
    """Queue many messages at once — a campaign's batch — in the caller's transaction.

    Each item takes the keyword arguments of :func:`queue_message` (``customer`` must be a
    loaded ``Customer``, with its emails, phones and consents, or an
    :class:`~core.messaging.addressee.Addressee` from ``load_addressees`` — one query for a
    whole batch — to avoid a query per message)
    and the same checks apply to it; every item needs a ``dedupe_key``. One query finds the
    keys queued before (those items are skipped: a job that runs twice sends once) and one
    ``INSERT`` writes the rest, instead of an ORM object and a flush per message. Returns,
    per item, ``None`` (queued now or before) or the :class:`MessageInputError` that refused it.

    ``with_ids=True``: an item queued now gets the new outbox row's id instead of ``None``
    (``None`` then means "queued before under this key"), so a caller can keep the id
    without looking the rows up again — :func:`new_outbox_ids` says how it is had cheaply.
    """
    keys = [m["dedupe_key"] for m in messages]
    if any(not k for k in keys):
        raise ValueError("queue_messages: every message needs a dedupe_key")
    known = set()
    for start in range(0, len(keys), 500):
        known.update(db.session.execute(sa.select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.in_(keys[start:start + 500]))).scalars())
    results: list = []
    rows, positions = [], []
    with db.session.no_autoflush:
        for m in messages:
            if m["dedupe_key"] in known:
                results.append(None)
                continue
            known.add(m["dedupe_key"])
            try:
                prepared = _prepare(m["channel"], m.get("customer"), m.get("to"), m.get("subject", ""),
                                    m.get("body", ""), m.get("html", ""), m.get("template"), m.get("variables"),
                                    m.get("language"), m.get("headers"), m.get("purpose", "personal"))
            except MessageInputError as exc:
                results.append(exc)
                continue
            rows.append(_row(prepared, channel=m["channel"], purpose=m.get("purpose", "personal"),
                             source=m.get("source", "core"), ref=m.get("ref"), dedupe_key=m["dedupe_key"],
                             user_id=m.get("user_id")))
            positions.append(len(results))
            results.append(None)
    if rows:
        ids = new_outbox_ids(rows) if with_ids else None
        if ids is not None:  # PostgreSQL, ids known: no RETURNING needed, so COPY can write the rows
            _copy_rows(rows)
        else:
            db.session.execute(sa.insert(OutboxMessage.__table__), rows)  # Core: no ORM bulk bookkeeping per row
        if with_ids:
            ids = ids or _ids_by_key(rows)
            for position, row in zip(positions, rows):
                results[position] = ids[row["dedupe_key"]]
        for channel in sorted({row["channel"] for row in rows}):
            kick(channel)  # one background call per channel and transaction, however many rows
    return results


def new_outbox_ids(rows: list[dict]) -> dict[str, int] | None:
    """On PostgreSQL, draw the rows' ids from the outbox's sequence (one query) and write them
    into ``rows`` before the ``INSERT``; returns ``{dedupe_key: id}``. Elsewhere ``None``: the
    ids are read back after the ``INSERT`` (:func:`_ids_by_key`).

    Why not ``INSERT … RETURNING``: for a list of rows SQLAlchemy (2.1, psycopg 3) then sends
    multi-row ``VALUES`` statements that psycopg parses again on the client for each batch —
    measured at twice the client CPU of a campaign's queuing. And reading the new rows back by
    key costs PostgreSQL a lookup per row on a table that grew inside the same job, with
    statistics from before it grew. A sequence hands out ids that no other transaction gets,
    whether this one commits or not."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    ids = db.session.execute(sa.text(
        "SELECT nextval(pg_get_serial_sequence('core_outbox_message', 'id')) FROM generate_series(1, :n)"),
        {"n": len(rows)}).scalars().all()
    for row, new_id in zip(rows, ids):
        row["id"] = new_id
    return {row["dedupe_key"]: row["id"] for row in rows}


def _copy_rows(rows: list[dict]) -> None:
    """PostgreSQL: write the outbox rows with one ``COPY … FROM STDIN`` in the session's
    transaction, instead of an ``executemany`` that psycopg runs as one ``INSERT`` per row
    (per-statement work on the server, per-row parameter handling on the client).

    Each value goes through the column type's own bind processor and the columns' Python
    defaults are applied, exactly as ``sa.insert`` would; the columns and their order are
    the table's."""
    connection = db.session.connection()
    dialect = connection.dialect
    table = OutboxMessage.__table__
    columns = [c for c in table.columns if c.name in rows[0] or c.default is not None]
    if any(c.name not in rows[0] and not (c.default.is_scalar or c.default.is_callable) for c in columns):
        raise TypeError("_copy_rows: a column default that is not a value or a Python function")
    plan = []
    for column in columns:
        default = column.default
        processor = column.type._cached_bind_processor(dialect)
        plan.append((column.name, default, processor))
    names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in columns)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            values = []
            for name, default, processor in plan:
                if name in row:
                    value = row[name]
                else:
                    value = default.arg(None) if default.is_callable else default.arg
                values.append(processor(value) if processor is not None else value)
            copy.write_row(values)


def _ids_by_key(rows: list[dict]) -> dict[str, int]:
    """The just-inserted rows' ids by their dedupe key (unique, indexed), 500 keys a query."""
    keys = [row["dedupe_key"] for row in rows]
    out = {}
    for start in range(0, len(keys), 500):
        out.update(db.session.execute(sa.select(OutboxMessage.dedupe_key, OutboxMessage.id).where(
            OutboxMessage.dedupe_key.in_(keys[start:start + 500]))).all())
    return out


def cancel_messages(ids) -> int:
    """Withdraw the still-queued messages among ``ids`` (a list, or a ``SELECT`` of ids such as
    a campaign's recipients' outbox ids) in the caller's transaction; returns how many.

    One conditional ``UPDATE … WHERE status = 'queued'``: a message a worker has already
    claimed (``sending``) or sent is left as it is, and a worker's claim, conditional on
    ``queued`` too, can no longer take a withdrawn one — so each message is either sent or
    withdrawn, never both. Withdrawn messages keep their row (status ``cancelled``)."""
    if isinstance(ids, (list, tuple, set)) and not ids:
        return 0
    return db.session.execute(
        sa.update(OutboxMessage.__table__).where(OutboxMessage.__table__.c.id.in_(ids),
                                                 OutboxMessage.__table__.c.status == QUEUED)
        .values(status=CANCELLED, claim_token=None)).rowcount


def retry_message(message_id: int) -> bool:
    """Queue a failed, bounced or unknown message again (staff decided it should go).

    A conditional update: of two clicks at once only one queues it. Returns whether it did.
    """
    before = db.session.execute(sa.select(OutboxMessage.status, OutboxMessage.channel, OutboxMessage.customer_id)
                                .where(OutboxMessage.id == message_id)).first()
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(RETRYABLE))
        .values(status=QUEUED, attempts=0, next_attempt_at=utcnow(), claim_token=None, claimed_at=None)
    )
    if result.rowcount != 1:
        return False
    # The audit names the message and its status, never its recipient, subject or body.
    record_event(UPDATE, record_type="outbox_message", record_id=message_id, customer_id=before.customer_id,
                 changes={"status": [before.status, QUEUED]}, detail={"channel": before.channel})
    kick(before.channel)
    return True
