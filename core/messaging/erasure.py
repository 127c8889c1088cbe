"""GDPR erasure of what the messaging services hold about one person.

``erase_customer`` (core.customers.deletion) calls :func:`erase_messages` in its
transaction: the outbox rows to the customer lose recipient, subject and bodies (a
message still queued is not sent: its address and text are gone), received mail
loses sender, recipients, subject and bodies, and the contact history's messaging
entries their subject, body and addresses. The rows stay (counts, statuses, dates:
what happened, not to whom). Raw messages and attachments are files: they are removed
by a background call after the commit (``core.forget_mail_files``), and only when no
remaining row still refers to them, so a rolled-back erasure removes nothing.
"""
from __future__ import annotations

import os

import sqlalchemy as sa

from core.db import db
from core.messaging.models import FAILED, QUEUED, InboundAttachment, InboundMail, OutboxMessage

# The contact-history entries the messaging services write (core.messaging.sending/inbound).
HISTORY_KINDS = ("messaging.sent", "messaging.bounced", "messaging.received")
ERASED = "personal data erased"


def erase_messages(customer_id: int) -> None:
    from core.history.models import Interaction
    from core.jobs import run_soon

    db.session.execute(sa.update(OutboxMessage)
                       .where(OutboxMessage.customer_id == customer_id, OutboxMessage.status == QUEUED)
                       .values(status=FAILED, last_error=ERASED))
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.customer_id == customer_id)
                       .values(recipient="", recipient_name="", subject="", body_text="", body_html="",
                               headers=None))
    mails = sa.select(InboundMail.id).where(InboundMail.customer_id == customer_id)
    raw = db.session.execute(sa.select(InboundMail.raw_sha256)
                             .where(InboundMail.customer_id == customer_id, InboundMail.raw_stored)).scalars().all()
    attachments = db.session.execute(sa.select(InboundAttachment.sha256)
                                     .where(InboundAttachment.mail_id.in_(mails), InboundAttachment.stored)
                                     ).scalars().all()
    db.session.execute(sa.update(InboundAttachment).where(InboundAttachment.mail_id.in_(mails))
                       .values(filename="", stored=False))
    db.session.execute(sa.update(InboundMail).where(InboundMail.customer_id == customer_id)
                       .values(from_address="", from_name="", to_addresses="", cc_addresses="", subject="",
                               text_body="", html_body="", references="", problems=None, raw_stored=False))
    db.session.execute(sa.update(Interaction)
                       .where(Interaction.customer_id == customer_id, Interaction.kind.in_(HISTORY_KINDS))
                       .values(subject="", subject_kind=None, subject_params=None, body="", data=None))
    if raw or attachments:
        run_soon("core.forget_mail_files", {"raw": sorted(set(raw)), "attachments": sorted(set(attachments))})


def forget_mail_files(raw: list[str], attachments: list[str]) -> None:
    """Remove stored mail files no row refers to any more (safe to run twice)."""
    from core.messaging.inbound import stored_path

    for kind, model, column, names in (("raw", InboundMail, InboundMail.raw_sha256, raw),
                                       ("attachments", InboundAttachment, InboundAttachment.sha256, attachments)):
        for sha in names:
            in_use = db.session.execute(sa.select(sa.func.count()).select_from(model)
                                        .where(column == sha, model.raw_stored if kind == "raw" else model.stored)
                                        ).scalar()
            path = stored_path(kind, sha)
            if not in_use and os.path.exists(path):
                os.remove(path)
