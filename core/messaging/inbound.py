"""Received mail: store it, find whose it is, log it, tell plugins.

:func:`receive_email` is what ``rapport mail-in`` (SMTP or IMAP) calls for each message.
It stores the raw message and the attachments as files in the instance folder, named by
their SHA-256 (``mail/raw/ab/ab12….eml``, ``mail/attachments/…``) so a message fetched
twice is stored once, and a row in ``core_inbound_mail``. The customer is found

1. by threading — ``In-Reply-To`` / ``References`` naming a message we sent (or a mail we
   received and attributed earlier);
2. else by the sender's address, normalised, when exactly one customer has it.

A delivery report about one of our messages marks that message ``bounced``. Mail nobody
matches waits on the *Unmatched mail* page. After the commit, plugins hear
``email_received(message)`` with plain data.
"""
from __future__ import annotations

import hashlib
import os
import tempfile

import sqlalchemy as sa
from flask import current_app

from core.audit import record_event
from core.audit.models import UPDATE
from core.customers.models import Customer, CustomerEmail
from core.customers.service import create_customer, normalise_email
from core.db import announce, db, utcnow
from core.history.service import log_event
from core.messaging import texts
from core.messaging.models import BOUNCED, SENDING, SENT, UNKNOWN, InboundAttachment, InboundMail, OutboxMessage
from core.messaging.parse import ParsedMail, parse_mail, sanitise_html

MB = 1024 * 1024


def mail_folder(kind: str) -> str:
    return os.path.join(current_app.instance_path, "mail", kind)


def stored_path(kind: str, sha256: str) -> str:
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256")
    return os.path.join(mail_folder(kind), sha256[:2], sha256 + (".eml" if kind == "raw" else ""))


def _write(kind: str, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    path = stored_path(kind, sha)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    return sha


def _no_nul(value: str) -> str:
    """Mail may carry NUL bytes; PostgreSQL text cannot hold them (and nobody reads them)."""
    return value.replace("\x00", "") if value else value


def normalised_address(address: str) -> str:
    try:
        return normalise_email(address)
    except ValueError:
        return (address or "").strip().lower()


def _by_thread(ids: list[str]) -> tuple[int | None, int | None]:
    """(customer id, outbox id) of the first of ``ids`` that is ours."""
    if not ids:
        return None, None
    rows = db.session.execute(
        sa.select(OutboxMessage.message_id, OutboxMessage.id, OutboxMessage.customer_id)
        .where(OutboxMessage.message_id.in_(ids))
    ).all()
    found = {r.message_id: r for r in rows}
    for mid in ids:
        if mid in found and found[mid].customer_id is not None:
            return found[mid].customer_id, found[mid].id
    earlier = db.session.execute(
        sa.select(InboundMail.customer_id).where(InboundMail.message_id.in_(ids), InboundMail.customer_id.is_not(None))
        .order_by(InboundMail.id.desc()).limit(1)
    ).scalar()
    return earlier, None


def _by_address(address: str) -> int | None:
    if not address:
        return None
    ids = db.session.execute(
        sa.select(CustomerEmail.customer_id).where(CustomerEmail.email == normalised_address(address))
        .distinct().limit(2)
    ).scalars().all()
    return ids[0] if len(ids) == 1 else None


def _apply_bounce(mail: InboundMail, parsed: ParsedMail) -> None:
    bounce = parsed.bounce
    if bounce is None or not bounce.original_message_id:
        return
    outbox = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.message_id == bounce.original_message_id)
    ).scalar()
    if outbox is None:
        return
    mail.outbox_id, mail.customer_id, mail.matched_by = outbox.id, outbox.customer_id, "bounce"
    if bounce.action != "failed":
        return
    reason = _no_nul(f"bounced: {bounce.status} {bounce.diagnostic}".strip()[:1000])
    done = db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id == outbox.id,
                                       OutboxMessage.status.in_((SENT, UNKNOWN, SENDING)))
        .values(status=BOUNCED, last_error=reason, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if done:
        db.session.refresh(outbox)
        announce("message_status_changed", message=outbox.as_event())
        if outbox.customer_id is not None:
            log_event(outbox.customer_id, "messaging.bounced", source="core", channel="email", direction="outbound",
                      subject_kind=texts.BOUNCED, subject_params={"to": outbox.recipient, "subject": outbox.subject},
                      body=_no_nul(bounce.diagnostic),
                      data={"outbox_id": outbox.id, "to": outbox.recipient, "status": _no_nul(bounce.status)})


def _log_received(mail: InboundMail, user_id: int | None = None) -> None:
    log_event(mail.customer_id, "messaging.received", source="core", channel="email", direction="inbound",
              subject_kind=texts.RECEIVED, subject_params={"from": mail.from_address, "subject": mail.subject},
              body=mail.text_body, user_id=user_id, occurred_at=mail.received_at,
              data={"inbound_id": mail.id, "from": mail.from_address,
                    "attachments": len(mail.attachments)})


def as_event(mail: InboundMail, parsed: ParsedMail | None = None) -> dict:
    """The plain-data payload of ``email_received``."""
    bounce = parsed.bounce if parsed else None
    return {
        "id": mail.id, "source": mail.source, "message_id": mail.message_id, "in_reply_to": mail.in_reply_to,
        "references": mail.references.split() if mail.references else [], "from_address": mail.from_address,
        "from_name": mail.from_name, "to": [a for a in mail.to_addresses.split(", ") if a],
        "cc": [a for a in mail.cc_addresses.split(", ") if a], "subject": mail.subject,
        "date": mail.sent_date.isoformat() if mail.sent_date else None,
        "received_at": mail.received_at.isoformat(), "text": mail.text_body,
        "html": sanitise_html(mail.html_body) if mail.html_body else "",
        "customer_id": mail.customer_id, "matched_by": mail.matched_by, "outbox_id": mail.outbox_id,
        "auto_submitted": mail.auto_submitted or "",
        "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                         "stored": a.stored} for a in mail.attachments],
        "bounce": None if bounce is None else {
            "original_message_id": bounce.original_message_id, "recipient": bounce.recipient,
            "action": bounce.action, "status": bounce.status, "diagnostic": bounce.diagnostic},
        "problems": list(mail.problems or []),
    }


def receive_email(raw: bytes, *, source: str = "smtp") -> InboundMail:
    """Store, match and log one received message; commits. Never raises for bad mail.

    Receiving the same bytes again returns the stored row (nothing is logged twice).
    """
    config = current_app.config
    sha = hashlib.sha256(raw).hexdigest()
    existing = db.session.execute(sa.select(InboundMail).where(InboundMail.raw_sha256 == sha)).scalar()
    if existing is not None:
        return existing
    too_big = len(raw) > config["MAIL_MAX_BYTES"]
    parsed = parse_mail(raw, headers_only=too_big)
    if too_big:
        parsed.problems.append(f"larger than {config['MAIL_MAX_BYTES'] // MB} MB: only the headers were kept")
    else:
        _write("raw", raw)
    c = _no_nul
    mail = InboundMail(
        source=source, raw_sha256=sha, raw_size=len(raw), raw_stored=not too_big, message_id=c(parsed.message_id),
        in_reply_to=c(parsed.in_reply_to), references=c(" ".join(parsed.references)),
        from_address=c(parsed.from_address), from_name=c(parsed.from_name), to_addresses=c(", ".join(parsed.to)),
        cc_addresses=c(", ".join(parsed.cc)), subject=c(parsed.subject), sent_date=parsed.date,
        text_body=c(parsed.text[:1_000_000]), html_body=c(parsed.html[:2_000_000]),
        is_bounce=parsed.bounce is not None, auto_submitted=c(parsed.auto_submitted), received_at=utcnow(),
    )
    limit = config["MAIL_ATTACHMENT_MAX_BYTES"]
    for part in parsed.attachments[:100]:
        stored = len(part.data) <= limit
        if not stored:
            parsed.problems.append(f"attachment {part.filename} is larger than {limit // MB} MB and was not kept")
        mail.attachments.append(InboundAttachment(
            filename=c(part.filename), content_type=c(part.content_type), size=len(part.data), stored=stored,
            sha256=_write("attachments", part.data) if stored else hashlib.sha256(part.data).hexdigest()))
    mail.problems = [c(p) for p in parsed.problems[:20]] or None
    db.session.add(mail)
    db.session.flush()
    if parsed.bounce is not None:
        _apply_bounce(mail, parsed)
    else:
        customer_id, outbox_id = _by_thread(([parsed.in_reply_to] if parsed.in_reply_to else []) + parsed.references)
        if customer_id is not None:
            mail.customer_id, mail.outbox_id, mail.matched_by = customer_id, outbox_id, "thread"
        else:
            mail.customer_id = _by_address(parsed.from_address)
            mail.matched_by = "address" if mail.customer_id else None
        if mail.customer_id is not None:
            _log_received(mail)
    announce("email_received", message=as_event(mail, parsed))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the same message arrived twice at the same moment
        db.session.rollback()
        return db.session.execute(sa.select(InboundMail).where(InboundMail.raw_sha256 == sha)).scalar_one()
    return mail


class AlreadyAssigned(Exception):
    pass


def assign_mail(mail: InboundMail, customer: Customer, user_id: int | None) -> None:
    """Attribute unmatched ``mail`` to ``customer`` and log it in their history (caller
    commits). A conditional update: if someone else assigned it meanwhile, AlreadyAssigned."""
    done = db.session.execute(
        sa.update(InboundMail).where(InboundMail.id == mail.id, InboundMail.customer_id.is_(None))
        .values(customer_id=customer.id, matched_by="staff", assigned_by_id=user_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise AlreadyAssigned()
    # The audit says who put which mail in whose history, never the mail's subject or body.
    record_event(UPDATE, record_type="inbound_mail", record_id=mail.id, customer_id=customer.id,
                 changes={"customer_id": [None, customer.id], "matched_by": [None, "staff"]})
    db.session.refresh(mail)
    _log_received(mail, user_id=user_id)
    # Plugins that act on mail as it arrives (complaints opens one from its intake address) hear
    # of it now that it has a customer, as if it had been matched on arrival.
    announce("email_assigned", message={**as_event(mail), "assigned_by_id": user_id})


def customer_from_mail(mail: InboundMail, user_id: int | None) -> Customer:
    """Create a customer from the sender (name and address) and assign the mail to it."""
    address = normalised_address(mail.from_address)
    customer = create_customer({"kind": "person", "name": mail.from_name or address or "?",
                                "emails": [address] if address else []})
    db.session.flush()
    assign_mail(mail, customer, user_id)
    return customer
