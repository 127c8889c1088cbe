"""The durable event log: ``core_event`` and one ``core_event_delivery`` per listener.

``announce()`` writes an event row, and a delivery row for every plugin listening at
that moment, in the same transaction as the change it announces: if the change
commits, so does the promise to tell each listener; if it rolls back, nobody hears.
A delivery is ``pending`` until its listener ran and committed (``done``, written in
the listener's own transaction), ``failed`` while retries are due.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow

PENDING, DONE, FAILED = "pending", "done", "failed"
DELIVERY_STATUSES = (PENDING, DONE, FAILED)

# 64-bit ids on PostgreSQL (an event log outgrows 2**31); SQLite's INTEGER is 64-bit already
# and only autoincrements when the type is exactly INTEGER.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Event(db.Model):
    __tablename__ = "core_event"
    __table_args__ = (sa.Index("ix_core_event_name_id", "name", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Whose change announced it (no foreign key, like the audit log): the audit names them
    # beside the listener when a worker delivers the event later.
    user_id: Mapped[int | None] = mapped_column(sa.Integer)

    deliveries: Mapped[list[EventDelivery]] = relationship(back_populates="event", passive_deletes=True)


class EventDelivery(db.Model):
    __tablename__ = "core_event_delivery"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "plugin", name="uq_core_event_delivery_event_plugin"),
        sa.Index("ix_core_event_delivery_due", "status", "next_attempt_at", "id"),
        sa.Index("ix_core_event_delivery_plugin_status", "plugin", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("core_event.id", ondelete="CASCADE"))
    plugin: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship(back_populates="deliveries")
