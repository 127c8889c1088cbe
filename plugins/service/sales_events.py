"""Listening to the sales plugin: equipment from confirmed orders, retired on cancellation.

The work itself is ``service.register_from_order`` / ``service.retire_from_order``;
this module makes the listeners safe for durable delivery: idempotent per event
(``event_id``) and robust to a retried confirmation arriving after its cancellation,
using :class:`plugins.service.models.SalesOrderLink`.
"""
from __future__ import annotations

from core.db import db
from plugins.service.models import SalesOrderLink

CONFIRMED, CANCELLED = "confirmed", "cancelled"


def _seen(order_id, event_id) -> tuple[SalesOrderLink | None, bool]:
    """The order's link, and whether ``event_id`` is not newer than what was handled."""
    link = db.session.get(SalesOrderLink, order_id)
    stale = link is not None and event_id is not None and link.event_id >= event_id
    return link, stale


def _remember(link, order_id, state, event_id) -> None:
    if event_id is None:  # called directly (tests, scripts): nothing to order by
        return
    if link is None:
        db.session.add(SalesOrderLink(order_id=order_id, state=state, event_id=event_id))
    else:
        link.state, link.event_id = state, event_id


def order_confirmed(order: dict, event_id: int | None) -> None:
    from plugins.service.service import register_from_order

    order_id = order.get("id")
    link, stale = _seen(order_id, event_id)
    if stale or (link is not None and link.state == CANCELLED):
        return
    register_from_order(order)
    _remember(link, order_id, CONFIRMED, event_id)


def order_cancelled(order: dict, event_id: int | None) -> None:
    from plugins.service.service import retire_from_order

    order_id = order.get("id")
    link, stale = _seen(order_id, event_id)
    if stale:
        return
    retire_from_order(order)
    _remember(link, order_id, CANCELLED, event_id)
