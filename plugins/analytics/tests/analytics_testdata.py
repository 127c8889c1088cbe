"""Purchases for the analytics tests (imported by name; not a test module).

Orders are made with sales' own services, as a salesperson would, and confirmed at a
given date: the analytics plugin itself never imports sales, but its tests need real
confirmed orders behind sales' query hook.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from core.db import db


def customer(name: str, owner_email: str | None = None) -> int:
    from core.auth.models import User
    from core.customers.service import create_customer

    c = create_customer({"name": name})
    if owner_email:
        c.owner_id = db.session.execute(sa.select(User.id).where(User.email == owner_email)).scalar_one()
    db.session.flush()
    return c.id


def buy(customer_id: int, day: date, amount: str, *, currency: str | None = None) -> int:
    """One confirmed order of one free-text line worth ``amount`` (net), confirmed at noon on ``day``."""
    from plugins.sales.orders import confirm, create_quotation

    data = {"customer_id": customer_id, "lines": [{"description": "Goods", "unit_price": amount, "quantity": "1"}]}
    if currency:
        data["currency"] = currency
    order = create_quotation(data, owner_id=1)
    db.session.flush()
    confirm(order, when=datetime(day.year, day.month, day.day, 12, 0))
    return order.id


def product(sku: str, name: str, price: str = "10.00", cost: str | None = None) -> int:
    """A catalog product (cross-sell rules are between catalog products, not free-text lines);
    ``cost``: what one unit costs the business (order lines copy it, for profit)."""
    from core.catalog.service import create_product

    data = {"sku": sku, "name": name, "unit_price": price}
    if cost is not None:
        data["unit_cost"] = cost
    p = create_product(data)
    db.session.flush()
    return p.id


def buy_products(customer_id: int, day: date, product_ids) -> int:
    """One confirmed order with one line per product (catalog price), confirmed at noon on ``day``."""
    from plugins.sales.orders import confirm, create_quotation

    order = create_quotation({"customer_id": customer_id,
                              "lines": [{"product_id": pid, "quantity": "1"} for pid in product_ids]}, owner_id=1)
    db.session.flush()
    confirm(order, when=datetime(day.year, day.month, day.day, 12, 0))
    return order.id
