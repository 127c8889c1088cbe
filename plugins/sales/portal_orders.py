"""What customers do with quotations and orders in the portal: accept (with their name),
decline, order again, and place an order from the catalog — each logged in the contact
history (channel portal) and handed to staff as a follow-up.

The portal pages (``plugins/sales/portal.py``) call these with records already loaded
through ``core.portal.scoped_to``; nothing here trusts an id from the request.
"""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from core.catalog.models import Product
from core.customers.models import Customer
from core.db import change_state, db, utcnow
from core.history.service import schedule_activity
from core.l10n.dates import format_date, local_today
from core.portal import record_portal_activity, staff_language
from plugins.sales.models import CANCELLED, DRAFT, PORTAL, SENT, Order
from plugins.sales.orders import SalesInputError, confirm, create_quotation
from core.l10n import local_today

MAX_PORTAL_LINES = 50


def _tell_staff(order: Order, summary: str) -> None:
    """A follow-up for the order's owner (or the customer's), due today, visible like the order."""
    customer = db.session.get(Customer, order.customer_id)
    schedule_activity(order.customer_id, summary=summary, due_date=local_today(),
                      assignee_id=order.owner_id or (customer.owner_id if customer else None), source="sales",
                      ref=f"sales.order:{order.id}", record=order)


def tell_customer_confirmed(order: Order) -> None:
    """Staff confirmed an order the customer placed in the portal: email them (in their
    language, through the core outbox; nothing when they have no portal account).
    :func:`plugins.sales.orders.confirm` calls this in the confirming transaction."""
    from core.portal import current_portal
    from core.portal.links import absolute_url
    from core.portal.notices import tell_customer

    if order.origin != PORTAL or current_portal:  # the customer's own acceptance needs no email
        return
    tell_customer(order.customer_id, "portal.order_confirmed", lambda: {
        "number": order.number, "link": absolute_url("sales_portal.order", order_id=order.id),
    }, ref=f"sales.order:{order.id}:confirmed")


def accept(order: Order, name: str) -> None:
    """The customer accepts a sent quotation by typing their name: it becomes a confirmed order
    (atomically; ``sales_order_confirmed`` is announced as for a staff confirmation)."""
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise SalesInputError({"name": [_("Type your full name (at most 200 characters).")]})
    if order.state != SENT:
        raise SalesInputError({"state": [_("This quotation can no longer be accepted.")]})
    if order.valid_until and order.valid_until < local_today():
        raise SalesInputError({"state": [_("This quotation expired on %(d)s; ask us for a new one.",
                                           d=format_date(order.valid_until))]})
    confirm(order, accepted_by=name, accepted_at=utcnow())
    record_portal_activity("sales.quotation_accepted", subject_kind="sales.quotation_accepted",
                           subject_params={"number": order.number, "name": name},
                           data={"order_id": order.id}, record=order)
    with staff_language():  # a follow-up's summary is plain text, for staff
        _tell_staff(order, _("Accepted in the portal: order %(n)s — prepare delivery", n=order.number))


def decline(order: Order, reason: str) -> None:
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise SalesInputError({"reason": [_("At most %(n)d characters.", n=500)]})
    if order.state != SENT or not change_state(order, "state", SENT, state=CANCELLED, cancelled_at=utcnow(),
                                               declined_at=utcnow(), decline_reason=reason):
        raise SalesInputError({"state": [_("This quotation can no longer be declined.")]})
    record_portal_activity("sales.quotation_declined", subject_kind="sales.quotation_declined",
                           subject_params={"number": order.number}, body=reason, data={"order_id": order.id},
                           record=order)
    with staff_language():
        _tell_staff(order, _("Declined in the portal: quotation %(n)s", n=order.number))


def orderable_products():
    """What the portal's catalog offers: active products and services."""
    return sa.select(Product).where(Product.active.is_(True))


def place_order(customer: Customer, quantities: dict[int, Decimal]) -> Order:
    """A portal order (a draft quotation marked ``portal``) for staff to confirm. ``quantities``
    maps product ids (active ones only) to positive quantities."""
    wanted = {pid: q for pid, q in quantities.items() if q and q > 0}
    if not wanted:
        raise SalesInputError({"lines": [_("Enter a quantity for at least one item.")]})
    if len(wanted) > MAX_PORTAL_LINES:
        raise SalesInputError({"lines": [_("At most %(n)d lines.", n=MAX_PORTAL_LINES)]})
    active = set(db.session.execute(orderable_products().with_only_columns(Product.id)
                                    .where(Product.id.in_(list(wanted)))).scalars())
    if set(wanted) - active:
        raise SalesInputError({"lines": [_("Unknown product.")]})
    currency = db.session.execute(sa.select(Product.currency).where(Product.id.in_(list(wanted)))).scalars().first()
    order = create_quotation({"customer_id": customer.id, "currency": currency,
                              "lines": [{"product_id": pid, "quantity": str(q)} for pid, q in sorted(wanted.items())]},
                             owner_id=customer.owner_id)
    order.origin = PORTAL
    db.session.flush()
    record_portal_activity("sales.portal_order", subject_kind="sales.portal_order",
                           subject_params={"number": order.number}, data={"order_id": order.id}, record=order)
    with staff_language():
        _tell_staff(order, _("Portal order %(n)s to confirm", n=order.number))
    return order


def order_again(order: Order, customer: Customer) -> Order:
    """A new portal order with the products and quantities of ``order`` (those still offered)."""
    quantities: dict[int, Decimal] = {}
    for line in order.lines:
        if line.product_id:
            quantities[line.product_id] = quantities.get(line.product_id, Decimal("0")) + line.quantity
    active = set(db.session.execute(orderable_products().with_only_columns(Product.id)
                                    .where(Product.id.in_(list(quantities) or [0]))).scalars())
    return place_order(customer, {pid: q for pid, q in quantities.items() if pid in active})


def visible_to_customer():
    """Orders a customer may see in the portal: everything but staff's unsent drafts."""
    return sa.or_(Order.state != DRAFT, Order.origin == PORTAL)
