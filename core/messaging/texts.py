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


def _isolated(text: str) -> str:
    """An address or a subject kept in its own direction inside a right-to-left sentence
    (Unicode isolates: a Greek subject after a Persian "To …:" keeps its order)."""
    from core.i18n import text_direction

    return f"\u2068{text}\u2069" if text and text_direction() == "rtl" else text


def _subject(p: dict) -> str:
    return _isolated(p.get("subject") or "") or _("(no subject)")


def text_kinds() -> list[TextKind]:
    return [
        TextKind(SENT, lambda p: _("To %(to)s: %(subject)s", to=_isolated(p.get("to", "")), subject=_subject(p))),
        TextKind(RECEIVED, lambda p: _("From %(sender)s: %(subject)s", sender=_isolated(p.get("from", "")),
                                       subject=_subject(p))),
        TextKind(BOUNCED, lambda p: _("Not delivered to %(to)s: %(subject)s", to=_isolated(p.get("to", "")),
                                      subject=_subject(p))),
    ]
