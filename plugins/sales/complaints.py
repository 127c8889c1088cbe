"""What sales offers the complaints plugin: a customer's confirmed orders, as things a
complaint may be about (``complaint_subjects``, declared by complaints; sales never
imports it). The label names the order as the customer knows it (number, date,
total); the order page itself stays behind the sales record rule."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from core.db import db
from plugins.sales.models import CONFIRMED, Order, OrderLine

LIMIT = 50


def complaint_subjects(customer) -> list[dict]:
    orders = db.session.execute(
        sa.select(Order).where(Order.customer_id == customer.id, Order.state == CONFIRMED)
        .order_by(Order.confirmed_at.desc(), Order.id.desc()).limit(LIMIT)).scalars().all()
    if not orders:
        return []
    first_product = dict(db.session.execute(
        sa.select(OrderLine.order_id, sa.func.min(OrderLine.product_id))
        .where(OrderLine.order_id.in_([o.id for o in orders]), OrderLine.product_id.is_not(None))
        .group_by(OrderLine.order_id)).all())
    return [{"ref": f"sales.order:order_id={o.id}", "label": _("Order %(number)s", number=o.number or o.id),
             "detail": f"{o.confirmed_at.date().isoformat()} · {o.total} {o.currency}", "group": _("Orders"),
             "product_id": first_product.get(o.id)} for o in orders]
