"""What sales offers the complaints plugin: a customer's confirmed orders, as things a
complaint may be about (``complaint_subjects``, declared by complaints; sales never
imports it). The label names the order as the customer knows it (number, date,
total); the order page itself stays behind the sales record rule."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from core.db import db, parse_id
from plugins.sales.models import CONFIRMED, Order, OrderLine

LIMIT = 50
REF = "sales.order:order_id="


def complaint_subjects(customer, ref: str | None = None) -> list[dict]:
    """The newest confirmed orders, or (``ref`` given) that one order if it is the customer's and confirmed."""
    stmt = sa.select(Order).where(Order.customer_id == customer.id, Order.state == CONFIRMED)
    if ref is not None:
        order_id = parse_id(ref[len(REF):]) if ref.startswith(REF) else None
        if order_id is None:
            return []
        stmt = stmt.where(Order.id == order_id)
    orders = db.session.execute(stmt.order_by(Order.confirmed_at.desc(), Order.id.desc()).limit(LIMIT)).scalars().all()
    if not orders:
        return []
    first_product = dict(db.session.execute(
        sa.select(OrderLine.order_id, sa.func.min(OrderLine.product_id))
        .where(OrderLine.order_id.in_([o.id for o in orders]), OrderLine.product_id.is_not(None))
        .group_by(OrderLine.order_id)).all())
    return [{"ref": f"{REF}{o.id}", "label": _("Order %(number)s", number=o.number or o.id),
             "detail": f"{o.confirmed_at.date().isoformat()} · {o.total} {o.currency}", "group": _("Orders"),
             "product_id": first_product.get(o.id)} for o in orders]
