"""Small fixtures shared by the sales tests (imported by name; not a test module)."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from core.db import db


def seed(app, *, owner_email=None):
    """Stages, lost reasons, two products and two customers; returns their ids."""
    from core.auth.models import User
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from plugins.sales.models import LostReason, Stage

    with app.app_context():
        # Replace the defaults that enabling sales created with these known stages.
        db.session.execute(sa.delete(Stage))
        db.session.execute(sa.delete(LostReason))
        stages = [Stage(name="Lead", position=10, probability=10), Stage(name="Proposal", position=20, probability=50),
                  Stage(name="Won", position=90, probability=100, is_won=True),
                  Stage(name="Lost", position=95, probability=0, is_lost=True)]
        db.session.add_all(stages)
        reason = LostReason(name="Price")
        db.session.add(reason)
        p1 = Product(sku="LAP-1", name="Laptop", name_key="laptop", unit_price=Decimal("899.00"), warranty_months=24)
        p2 = Product(sku="INK-1", name="Ink", name_key="ink", unit_price=Decimal("19.99"), warranty_months=0)
        db.session.add_all([p1, p2])
        c1 = create_customer({"name": "Alice Example"})
        c2 = create_customer({"name": "Bob Example"})
        if owner_email:
            c2.owner_id = db.session.execute(sa.select(User.id).where(User.email == owner_email)).scalar_one()
        db.session.commit()
        return {"stages": [s.id for s in stages], "reason": reason.id, "products": [p1.id, p2.id],
                "customers": [c1.id, c2.id]}


def make_order(app, customer_id, product_id, *, qty="1", owner_email="admin@example.com", confirmed=False):
    from core.auth.models import User
    from plugins.sales.models import Order
    from plugins.sales.orders import confirm, create_quotation

    with app.app_context():
        uid = db.session.execute(sa.select(User.id).where(User.email == owner_email)).scalar_one()
        order = create_quotation({"customer_id": customer_id, "lines": [{"product_id": product_id, "quantity": qty}]},
                                 owner_id=uid)
        if confirmed:
            confirm(order)
        db.session.commit()
        return order.id if isinstance(order, Order) else None
