"""How the history entries the outbox and the inbound mail write read, in the reader's language.

Stored as a kind and parameters (``core.l10n.texts``): the address and the message's own
subject as they were (a subject is the sender's words, never translated); the sentence
around them follows whoever opens the customer.
"""
from __future__ import annotations

from flask_babel import gettext as _

from core.contrib import TextKind

SENT, RECEIVED, BOUNCED = "messaging.sent", "messaging.received", "messaging.bounced"


def sent_params(row) -> dict:
    """Parameters of a sent email or SMS (an ``OutboxMessage``): an SMS has no subject, its text stands in."""
    subject = row.subject if row.channel == "email" else (row.body_text or "").replace("\n", " ")[:80]
    return {"to": row.recipient, "subject": subject or ""}


def _subject(p: dict) -> str:
    return p.get("subject") or _("(no subject)")


def text_kinds() -> list[TextKind]:
    return [
        TextKind(SENT, lambda p: _("To %(to)s: %(subject)s", to=p.get("to", ""), subject=_subject(p))),
        TextKind(RECEIVED, lambda p: _("From %(sender)s: %(subject)s", sender=p.get("from", ""),
                                       subject=_subject(p))),
        TextKind(BOUNCED, lambda p: _("Not delivered to %(to)s: %(subject)s", to=p.get("to", ""),
                                      subject=_subject(p))),
    ]
