"""The core's background jobs about events: catching a plugin up, and forgetting old events."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import ngettext

from core.db import db, utcnow
from core.events.delivery import deliver_ids
from core.events.models import DONE, Event, EventDelivery

BATCH = 100


def catch_up(job, plugin: str) -> str:
    """Deliver to ``plugin``, in event order, what it missed while disabled (job task)."""
    ids = list(db.session.execute(
        sa.select(EventDelivery.id).where(EventDelivery.plugin == plugin, EventDelivery.status != DONE)
        .order_by(EventDelivery.event_id)
    ).scalars())
    db.session.rollback()
    delivered = 0
    for start in range(0, len(ids), BATCH):
        delivered += deliver_ids(ids[start:start + BATCH])
        job.progress(min(start + BATCH, len(ids)), total=len(ids))
    failed = len(ids) - delivered
    summary = ngettext("%(num)d missed event delivered.", "%(num)d missed events delivered.", delivered)
    if failed:
        summary += " " + ngettext("%(num)d failed and will be retried.", "%(num)d failed and will be retried.",
                                  failed)
    return summary


def purge_events(before=None, batch: int = 5000) -> int:
    """Delete events older than the retention whose deliveries are all done; returns how many."""
    before = before or utcnow() - timedelta(days=current_app.config["EVENTS_RETENTION_DAYS"])
    undelivered = sa.select(EventDelivery.id).where(EventDelivery.event_id == Event.id, EventDelivery.status != DONE)
    removed = 0
    while True:
        ids = list(db.session.execute(
            sa.select(Event.id).where(Event.created_at < before, ~sa.exists(undelivered)).order_by(Event.id)
            .limit(batch)
        ).scalars())
        if not ids:
            return removed
        db.session.execute(sa.delete(EventDelivery).where(EventDelivery.event_id.in_(ids)))
        db.session.execute(sa.delete(Event).where(Event.id.in_(ids)))
        db.session.commit()
        removed += len(ids)
