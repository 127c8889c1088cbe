"""Delivering events: each listener once, in its own transaction, retried until it succeeds.

One delivery = one transaction that (1) marks the delivery row ``done`` with a
conditional update, (2) runs the listener with the normal ``db.session``, and (3)
commits both together. So a listener's work and the record that it was done can
never be separated: a crash before the commit undoes both and the delivery stays
pending; two processes trying the same delivery cannot both commit (the loser's
conditional update matches no row — on PostgreSQL the row is locked with
``FOR UPDATE SKIP LOCKED`` first, so it does not even wait).

Fast path: the process that committed the event delivers it right away
(``EVENTS_DELIVERY = "inline"``, the default), so pages and tests see the effects
as before. A listener that raises is logged and retried by a worker with
exponential backoff (10 s, 20 s, 40 s … up to an hour); a delivery left pending by
a process that died is picked up by a worker after ``EVENTS_PICKUP_SECONDS``.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from core.db import db, utcnow
from core.events.log import Announced
from core.events.models import DONE, FAILED, PENDING, Event, EventDelivery

log = logging.getLogger(__name__)

DELIVERED, SKIPPED, FAILED_NOW = "delivered", "skipped", "failed"
BACKOFF_FIRST, BACKOFF_MAX = 10, 3600
BATCH = 200


def backoff_seconds(attempts: int) -> int:
    """Wait before the next try after ``attempts`` failed ones: 10 s, 20 s, 40 s … 1 h."""
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1))


def _registry():
    return current_app.extensions["rapport"].plugins


def deliver_committed(events: list[Announced]) -> None:
    """Right after a commit: deliver in this process, or hand the deliveries to the workers."""
    ids = [delivery_id for ev in events for delivery_id, _plugin in ev.deliveries]
    if not ids:
        return
    if current_app.config["EVENTS_DELIVERY"] == "worker":
        from core.jobs.queue import queue

        queue().enqueue_deliveries(ids)
        return
    for ev in events:
        for delivery_id, plugin in ev.deliveries:
            deliver_one(delivery_id, plugin, ev.event_id, ev.name, ev.payload, ev.user_id)


def _listener_context(plugin: str, event_id: int, name: str, user_id: int | None):
    """Where the listener's changes come from, for the audit log.

    Delivered right after the commit of a web or API request: from that request (its user
    and address), the event named. Inside a job (the catch-up) or a CLI command: from there,
    with the job's id. By a worker: from "job". Always on behalf of the user whose change
    announced the event, when there was one.
    """
    from core.audit import API, JOB, WEB, audit_context, current_context
    from core.audit.context import explicit_context

    detail = {"event": name, "event_id": event_id, "listener": plugin}
    outer = explicit_context()
    ctx = current_context()
    if outer is None and ctx.origin in (WEB, API):
        return audit_context(ctx.origin, user_id=ctx.user_id, actor=f"{plugin}: {name}",
                             remote_addr=ctx.remote_addr, detail=detail)
    if outer is not None and outer.detail:
        detail = {**outer.detail, **detail}
    return audit_context(outer.origin if outer is not None else JOB,
                         user_id=user_id if user_id is not None else (outer.user_id if outer else None),
                         actor=f"{plugin}: {name}", detail=detail)


def deliver_one(delivery_id: int, plugin: str, event_id: int, name: str, payload: dict,
                user_id: int | None = None) -> str:
    """Run ``plugin``'s listener for one event, at most once; returns what happened.

    ``user_id`` is whose change announced the event: the audit records the listener's
    changes on their behalf (see :func:`_listener_context`).
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        locked = session.execute(
            sa.select(EventDelivery.id).where(EventDelivery.id == delivery_id, EventDelivery.status != DONE)
            .with_for_update(skip_locked=True)
        ).first()
        if locked is None:  # done already, or another process is delivering it right now
            session.rollback()
            return SKIPPED
    claimed = session.execute(
        sa.update(EventDelivery)
        .where(EventDelivery.id == delivery_id, EventDelivery.status != DONE)
        .values(status=DONE, attempts=EventDelivery.attempts + 1, delivered_at=utcnow(), last_error="")
    ).rowcount
    if claimed != 1:
        session.rollback()
        return SKIPPED
    impl = _registry().listener(plugin, name)
    try:
        if impl is None:
            raise LookupError(f"plugin {plugin} is not installed or no longer listens to {name}")
        kwargs = dict(payload, event_id=event_id)
        with _listener_context(plugin, event_id, name, user_id):
            impl.function(*[kwargs[a] for a in impl.argnames])
            session.commit()  # the listener's work and "done", together (and its audit entries)
    except Exception as exc:
        session.rollback()
        log.exception("listener %s.%s failed for event %s (id %s)", plugin, name, name, event_id)
        _record_failure(delivery_id, exc)
        return FAILED_NOW
    return DELIVERED


def _record_failure(delivery_id: int, exc: Exception) -> None:
    session = db.session
    attempts = session.execute(sa.select(EventDelivery.attempts).where(EventDelivery.id == delivery_id)).scalar() or 0
    delay = backoff_seconds(attempts + 1)
    session.execute(
        sa.update(EventDelivery)
        .where(EventDelivery.id == delivery_id, EventDelivery.status != DONE)
        .values(status=FAILED, attempts=EventDelivery.attempts + 1, next_attempt_at=utcnow() + timedelta(seconds=delay),
                last_error=f"{type(exc).__name__}: {exc}"[:4000])
    )
    session.commit()
    try:
        from core.jobs.queue import queue

        queue().enqueue_deliveries([delivery_id], delay=delay)
    except Exception:  # the queue is down: the periodic sweep will find it
        log.exception("could not schedule the retry of event delivery %s", delivery_id)


def deliver_ids(ids: list[int]) -> int:
    """Deliver these deliveries (worker side), in event order; returns how many were delivered."""
    rows = db.session.execute(
        sa.select(EventDelivery.id, EventDelivery.plugin, Event.id, Event.name, Event.payload, Event.user_id)
        .join(Event, Event.id == EventDelivery.event_id)
        .where(EventDelivery.id.in_(ids), EventDelivery.status != DONE)
        .order_by(Event.id, EventDelivery.plugin)
    ).all()
    db.session.rollback()  # end the read; each delivery runs in a transaction of its own
    return sum(deliver_one(*row) == DELIVERED for row in rows)


def due_ids(now=None, limit: int = BATCH, plugin: str | None = None) -> list[int]:
    """Deliveries waiting for a worker: pending or failed, and due."""
    stmt = (sa.select(EventDelivery.id)
            .where(EventDelivery.status.in_((PENDING, FAILED)), EventDelivery.next_attempt_at <= (now or utcnow()))
            .order_by(EventDelivery.id).limit(limit))
    if plugin is not None:
        stmt = stmt.where(EventDelivery.plugin == plugin)
    return list(db.session.execute(stmt).scalars())


def deliver_due(now=None, limit: int = BATCH) -> int:
    """One batch of due deliveries (the workers' sweep); returns how many were tried."""
    ids = due_ids(now, limit)
    db.session.rollback()
    if ids:
        deliver_ids(ids)
    return len(ids)


def retry_now(delivery_ids: list[int] | None = None) -> int:
    """Make failed deliveries due now (all of them when ``delivery_ids`` is None) and
    hand them to the workers; the caller commits. Returns how many."""
    stmt = sa.update(EventDelivery).where(EventDelivery.status == FAILED).values(next_attempt_at=utcnow())
    if delivery_ids is not None:
        stmt = stmt.where(EventDelivery.id.in_(delivery_ids))
    return db.session.execute(stmt).rowcount or 0
