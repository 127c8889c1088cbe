"""One table for the whole contact history, so the timeline is one indexed query.

Staff-logged interactions have ``kind="interaction"``; plugins log typed events
(``kind="sales.order_confirmed"``, ``source="sales"``) through
:func:`core.history.service.log_event`, with their own details in ``data``.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audit
from core.db import db, utcnow

# ``subject_params`` of a message's entry hold its address and subject (core.messaging.texts).
MESSAGE_CONTENTS = ("subject", "subject_params", "body")


def message_contents(entry) -> tuple[str, ...]:
    """An email or SMS in the history (sent, received, bounced): its words stay out of the audit."""
    return MESSAGE_CONTENTS if (entry.kind or "").startswith("messaging.") else ()


CHANNELS = ("visit", "phone", "letter", "email", "video", "im", "sms", "portal", "note")
DIRECTIONS = ("inbound", "outbound")


class GuardColumns:
    """Who may see the row: the visibility of the record it is about (core/history/guards.py)."""

    record: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    visible_to: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    visible_with: Mapped[str | None] = mapped_column(sa.String(80))


class Interaction(GuardColumns, db.Model):
    __tablename__ = "core_interaction"
    __table_args__ = (
        sa.Index("ix_core_interaction_timeline", "customer_id", "occurred_at", "id"),
        sa.Index("ix_core_interaction_channel", "customer_id", "channel", "occurred_at", "id"),
    )
    __audit__ = Audit("interaction", label=_l("Interaction"), title="subject", customer="customer_id",
                      fields={"occurred_at": _l("When"), "user_id": _l("Staff member"), "data": _l("Details")},
                      values={"channel": "core.history.forms:CHANNEL_LABELS",
                              "direction": "core.history.forms:DIRECTION_LABELS"},
                      users=("user_id", "visible_to"), private=message_contents)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(60), default="interaction")
    source: Mapped[str] = mapped_column(sa.String(40), default="core")
    channel: Mapped[str] = mapped_column(sa.String(20), default="note")
    direction: Mapped[str | None] = mapped_column(sa.String(10))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    # A text the system wrote: its kind and parameters, rendered in the reader's language
    # (core.l10n.texts); ``subject`` then holds the English rendering for search and the API.
    subject_kind: Mapped[str | None] = mapped_column(sa.String(80))
    subject_params: Mapped[dict | None] = mapped_column(sa.JSON)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id])

    @property
    def display_subject(self) -> str:
        """The subject in the reader's language (a system text), else as typed."""
        from core.l10n.texts import render_text

        return render_text(self.subject_kind, self.subject_params, self.subject)

    def as_event(self) -> dict:
        return {
            "id": self.id,
            "customer_id": self.customer_id,
            "kind": self.kind,
            "source": self.source,
            "channel": self.channel,
            "direction": self.direction,
            "occurred_at": self.occurred_at.isoformat(),
            "user_id": self.user_id,
            "subject": self.subject,
        }


class Activity(GuardColumns, db.Model):
    """A scheduled follow-up: a to-do with a due date and an assignee."""

    __tablename__ = "core_activity"
    __table_args__ = (sa.Index("ix_core_activity_assignee_open", "assignee_id", "done_at", "due_date", "id"),)
    __audit__ = Audit("activity", label=_l("Follow-up"), title="summary", customer="customer_id",
                      fields={"assignee_id": _l("Assignee"), "summary": _l("Follow-up"), "due_date": _l("Due"),
                              "done_at": _l("Done"), "ref": _l("Reference"), "created_by_id": _l("Created by")},
                      users=("assignee_id", "created_by_id", "visible_to"))

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(sa.String(300))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    due_date: Mapped[date]
    done_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(sa.String(40), default="core")
    ref: Mapped[str | None] = mapped_column(sa.String(80))  # e.g. "sales.opportunity:12"
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer = relationship("Customer")
    assignee = relationship("User", foreign_keys=[assignee_id])
