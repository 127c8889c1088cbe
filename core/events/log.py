"""Writing events: what ``core.db.announce`` does inside the announcing transaction.

The payload is stored as JSON and every listener gets that stored form, whether it
is called right after the commit or by a worker hours later: tuples arrive as
lists, and anything that is not plain data (an ORM object, a ``Decimal``, a
``date``) is refused at ``announce()`` time with a message naming the event, not
discovered later in a worker.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from core.db import utcnow
from core.events.models import DONE, PENDING, Event, EventDelivery


class EventPayloadError(TypeError):
    """An event payload that cannot be stored as JSON (a programming error)."""


@dataclass(frozen=True)
class Announced:
    """What the after-commit delivery needs about one event, taken before the commit."""

    event_id: int
    name: str
    payload: dict
    deliveries: tuple[tuple[int, str], ...]  # (delivery id, plugin)
    user_id: int | None = None  # whose change announced it


def plain_payload(event: str, payload: dict) -> dict:
    try:
        return json.loads(json.dumps(payload, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise EventPayloadError(
            f"event {event}: the payload must be plain JSON data (dicts, lists, strings, numbers, "
            f"ISO dates as strings), never ORM objects: {exc}") from exc


def record(session, name: str, payload: dict) -> Event | None:
    """Add the event and a pending delivery per enabled listener to ``session``.

    Listeners are chosen now, inside the transaction: the plugins enabled when the
    change happened are the ones that hear about it (a plugin being disabled in this
    very transaction still hears its own ``plugin_disabled``). An event that no enabled
    plugin listens to and that no installed plugin catches up on is checked, not stored.
    """
    registry = current_app.extensions["rapport"].plugins
    if "event_id" in payload:
        raise EventPayloadError(f"event {name}: 'event_id' is added by the core; do not pass it")
    # The web process delivers right after commit; a worker only takes over what is
    # still pending after the pick-up delay (the process died, or delivery is left to workers).
    data = plain_payload(name, payload)
    listeners = registry.listeners(name)
    if not listeners and name not in registry.catch_up_events:
        return None  # nobody hears it now, nobody would catch up on it later: nothing to keep
    pickup = utcnow() + timedelta(seconds=current_app.config["EVENTS_PICKUP_SECONDS"])
    from core.audit import current_context

    event = Event(name=name, payload=data, user_id=current_context().user_id)
    event.deliveries = [EventDelivery(plugin=plugin, status=PENDING, next_attempt_at=pickup) for plugin in listeners]
    session.add(event)
    session.info.setdefault("pending_events", []).append(event)
    return event


def snapshot(event: Event) -> Announced:
    """Plain data about a flushed event, usable after the commit expired the objects."""
    return Announced(event.id, event.name, event.payload, tuple((d.id, d.plugin) for d in event.deliveries),
                     event.user_id)


def last_event_id(session) -> int:
    return session.execute(sa.select(sa.func.max(Event.id))).scalar() or 0


def add_catch_up_deliveries(session, plugin: str, events: list[str], after_id: int, *, not_before) -> int:
    """Pending deliveries to ``plugin`` for ``events`` announced after event ``after_id``
    that it has none for (it was disabled then), in one INSERT … SELECT; returns how many
    deliveries of the plugin are now undelivered (the catch-up job's total)."""
    if not events:
        return 0
    now = utcnow()
    already = sa.select(EventDelivery.id).where(EventDelivery.event_id == Event.id, EventDelivery.plugin == plugin)
    missed = (
        sa.select(Event.id, sa.literal(plugin), sa.literal(PENDING), sa.literal(0), sa.literal(not_before),
                  sa.literal(""), sa.literal(now))
        .where(Event.name.in_(events), Event.id > after_id, ~sa.exists(already))
        .order_by(Event.id)
    )
    cols = ["event_id", "plugin", "status", "attempts", "next_attempt_at", "last_error", "created_at"]
    session.execute(sa.insert(EventDelivery).from_select(cols, missed))
    # What the catch-up job will deliver: these and any earlier undelivered ones of the plugin.
    # (Counted, not taken from the INSERT's rowcount, which PostgreSQL's driver leaves at -1 here.)
    return session.execute(sa.select(sa.func.count()).where(EventDelivery.plugin == plugin,
                                                           EventDelivery.status != DONE)).scalar() or 0
