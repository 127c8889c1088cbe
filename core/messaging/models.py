"""Tables of the messaging services: the outbox, inbound mail, templates, send rates.

* ``core_outbox_message`` — every email or SMS the system sends, written in the same
  transaction as the change that causes it and sent later by a worker. ``status`` moves
  queued → sending → sent | failed | unknown (| bounced when a delivery report comes back),
  or queued → cancelled when its sender withdraws it before a worker claimed it;
  the claim is a conditional update, so two workers never send one message twice.
* ``core_inbound_mail`` / ``core_inbound_attachment`` — mail received by ``rapport mail-in``;
  the raw message and attachments live as files in the instance folder, named by their
  SHA-256, so a message delivered twice is stored once.
* ``core_message_template`` / ``core_message_template_text`` — personal templates, one text
  per language.
* ``core_message_rate`` — the next free sending slot per channel, shared by every worker so
  the configured rate holds across processes and hosts.

Audit (core.audit): templates and their texts are audited — who changed which wording is
worth knowing, and they hold no customer's data. Outbox messages and inbound mail are not:
their bodies are private correspondence and their status moves with every send; staff
decisions about them (sending a failed message again, assigning unmatched mail) are
recorded by :func:`core.audit.record_event`, without subject or body.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audit
from core.db import db, utcnow

EMAIL, SMS = "email", "sms"
CHANNELS = (EMAIL, SMS)
QUEUED, SENDING, SENT, FAILED, BOUNCED, UNKNOWN = "queued", "sending", "sent", "failed", "bounced", "unknown"
CANCELLED = "cancelled"  # withdrawn while still queued (a cancelled campaign's messages); never sent
STATUSES = (QUEUED, SENDING, SENT, FAILED, BOUNCED, UNKNOWN, CANCELLED)
# Why a message is sent decides which consent it needs (see core.messaging.outbox).
PURPOSES = ("personal", "service", "marketing")


class OutboxMessage(db.Model):
    __tablename__ = "core_outbox_message"
    __table_args__ = (
        # The claim: "queued messages of this channel that are due, oldest first".
        sa.Index("ix_core_outbox_message_due", "status", "channel", "next_attempt_at", "id"),
        sa.Index("ix_core_outbox_message_status_id", "status", "id"),
        sa.Index("ix_core_outbox_message_customer_id_id", "customer_id", "id"),
        sa.Index("ix_core_outbox_message_ref", "ref", "id"),
        sa.Index("ix_core_outbox_message_recipient_id", "recipient", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default=QUEUED)
    purpose: Mapped[str] = mapped_column(sa.String(20), default="personal")
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    recipient_name: Mapped[str] = mapped_column(sa.String(200), default="")
    subject: Mapped[str] = mapped_column(sa.String(500), default="")
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    headers: Mapped[dict | None] = mapped_column(sa.JSON)
    template_key: Mapped[str | None] = mapped_column(sa.String(80))
    language: Mapped[str | None] = mapped_column(sa.String(10))
    segments: Mapped[int] = mapped_column(default=0)  # SMS parts (0 for email)
    # RFC 5322 Message-ID (email), made when queued so replies can be threaded to it.
    message_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    # Who asked for it: "core" or a plugin name, and the caller's own reference.
    source: Mapped[str] = mapped_column(sa.String(40), default="core")
    ref: Mapped[str | None] = mapped_column(sa.String(120))
    # Idempotency: a caller queuing the same key twice gets the first message back.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.String(1000), default="")
    provider_id: Mapped[str | None] = mapped_column(sa.String(255))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    customer = relationship("Customer")
    created_by = relationship("User")

    def as_event(self) -> dict:
        """Plain data for ``message_status_changed`` listeners."""
        return {
            "id": self.id, "channel": self.channel, "status": self.status, "purpose": self.purpose,
            "customer_id": self.customer_id, "recipient": self.recipient, "subject": self.subject,
            "template": self.template_key, "source": self.source, "ref": self.ref,
            "message_id": self.message_id, "provider_id": self.provider_id, "attempts": self.attempts,
            "error": self.last_error or None, "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }


class MessageRate(db.Model):
    """The next free sending slot of a channel (the shared throttle)."""

    __tablename__ = "core_message_rate"

    channel: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMail(db.Model):
    __tablename__ = "core_inbound_mail"
    __table_args__ = (
        sa.Index("ix_core_inbound_mail_customer_id_id", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(sa.String(10), default="smtp")  # smtp / imap / api
    raw_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    raw_size: Mapped[int] = mapped_column(default=0)
    raw_stored: Mapped[bool] = mapped_column(default=True)  # False when over the size limit
    message_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(255))
    references: Mapped[str] = mapped_column(sa.Text, default="")
    from_address: Mapped[str] = mapped_column(sa.String(254), default="", index=True)
    from_name: Mapped[str] = mapped_column(sa.String(200), default="")
    to_addresses: Mapped[str] = mapped_column(sa.Text, default="")
    cc_addresses: Mapped[str] = mapped_column(sa.Text, default="")
    subject: Mapped[str] = mapped_column(sa.String(500), default="")
    sent_date: Mapped[datetime | None]
    text_body: Mapped[str] = mapped_column(sa.Text, default="")
    html_body: Mapped[str] = mapped_column(sa.Text, default="")  # as received; sanitised when shown
    problems: Mapped[list | None] = mapped_column(sa.JSON)  # what was wrong with it, for staff
    is_bounce: Mapped[bool] = mapped_column(default=False)
    # The Auto-Submitted header (RFC 3834), lower-cased: "" or "no" from a person; "auto-replied" for
    # out-of-office answers. Kept so a mail assigned later still tells listeners it came from a robot.
    auto_submitted: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="SET NULL"))
    matched_by: Mapped[str | None] = mapped_column(sa.String(10))  # thread / address / staff
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_outbox_message.id", ondelete="SET NULL"),
                                                  index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))

    customer = relationship("Customer")
    attachments: Mapped[list["InboundAttachment"]] = relationship(
        back_populates="mail", cascade="all, delete-orphan", order_by="InboundAttachment.id"
    )


class InboundAttachment(db.Model):
    __tablename__ = "core_inbound_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_id: Mapped[int] = mapped_column(sa.ForeignKey("core_inbound_mail.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    content_type: Mapped[str] = mapped_column(sa.String(120), default="application/octet-stream")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    stored: Mapped[bool] = mapped_column(default=True)  # False when over the size limit

    mail: Mapped[InboundMail] = relationship(back_populates="attachments")


class MessageTemplate(db.Model):
    __tablename__ = "core_message_template"
    __audit__ = Audit("message_template", label=_l("Message template"), title="name",
                      fields={"key": _l("Key"), "channel": _l("Channel"), "sample_variables": _l("Sample values")},
                      values={"channel": "core.messaging.forms:CHANNEL_LABELS"})

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    channel: Mapped[str] = mapped_column(sa.String(10), default=EMAIL)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Example values for the variables a plugin passes, so previews show something real.
    sample_variables: Mapped[dict | None] = mapped_column(sa.JSON)
    source: Mapped[str] = mapped_column(sa.String(40), default="core")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    texts: Mapped[list["MessageTemplateText"]] = relationship(
        back_populates="template", cascade="all, delete-orphan", order_by="MessageTemplateText.language"
    )

    def text_for(self, language: str | None) -> "MessageTemplateText | None":
        return next((t for t in self.texts if t.language == language), None)


class MessageTemplateText(db.Model):
    __tablename__ = "core_message_template_text"
    __audit__ = Audit("message_template_text", label=_l("Template text"), title="language",
                      fields={"template_id": _l("Template"), "language": _l("Language"), "subject": _l("Subject"),
                              "body": _l("Text"), "html": _l("HTML")})

    template_id: Mapped[int] = mapped_column(sa.ForeignKey("core_message_template.id", ondelete="CASCADE"),
                                             primary_key=True)
    language: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(500), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    html: Mapped[str] = mapped_column(sa.Text, default="")  # optional; derived from body when empty

    template: Mapped[MessageTemplate] = relationship(back_populates="texts")
