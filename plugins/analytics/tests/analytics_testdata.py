"""Purchases for the analytics tests (imported by name; not a test module).

Orders are made with sales' own services, as a salesperson would, and confirmed at a
given date: the analytics plugin itself never imports sales, but its tests need real
confirmed orders behind sales' query hook.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

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


# -- the "Today" card ----------------------------------------------------------------------

SALES = "sales@example.com"
SALES_PERMISSIONS = ["analytics.view", "customers.view", "history.log", "sales.user"]


def user_id(email):
    """The id of the user with this email."""
    from core.auth.models import User

    return db.session.execute(sa.select(User.id).where(User.email == email)).scalar_one()


def quote(customer_id, product_ids, owner_email):
    from plugins.sales.orders import create_quotation

    order = create_quotation({"customer_id": customer_id,
                              "lines": [{"product_id": pid, "quantity": "1"} for pid in product_ids]},
                             owner_id=user_id(owner_email))
    db.session.flush()
    return order.number


def _set_p_alive(snapshot_id, values):
    """Probability alive and monetary score of given customers in one snapshot: the model's fit is
    tested elsewhere (test_analytics_clv); here the card's choice among known figures is."""
    from plugins.analytics.models import CustomerFigures

    for cid, (p_alive, m_score) in values.items():
        db.session.execute(sa.update(CustomerFigures).where(CustomerFigures.snapshot_id == snapshot_id,
                                                            CustomerFigures.customer_id == cid)
                           .values(p_alive=p_alive, m_score=m_score))


def today_world(app, make_user):
    """For the "Today" card tests (test_analytics_today.py): one of each kind for the salesperson, and look-alikes that are not theirs."""
    from plugins.analytics.compute import recompute
    from plugins.analytics.models import latest_snapshot
    from plugins.analytics.movement import previous_snapshot

    make_user(SALES, permissions=SALES_PERMISSIONS, name="Sales Person")
    today = date.today()
    w = {"today": today}
    with app.app_context():
        # Overdue: every 20 days, last order 30 days ago (10 days overdue); the same, someone else's.
        w["overdue"] = customer("Ελένη Παπαδοπούλου", owner_email=SALES)
        w["overdue_other"] = customer("Not mine, overdue")
        for cid in (w["overdue"], w["overdue_other"]):
            for k in range(4):
                buy(cid, today - timedelta(days=30 + 20 * (3 - k)), "30.00")
        # Slipping: bought twice, 59 days apart, last 31 days ago (not overdue); probabilities set below.
        w["falling"] = customer("שרה כהן", owner_email=SALES)
        w["falling_small"] = customer("Small spender", owner_email=SALES)
        w["steady"] = customer("Steady", owner_email=SALES)
        for cid in (w["falling"], w["falling_small"], w["steady"]):
            buy(cid, today - timedelta(days=90), "500.00")
            buy(cid, today - timedelta(days=31), "500.00")
        # Cross-sell: four kettle buyers then bought the filter, two bought cups only → kettle → filter,
        # confidence 4/4, lift 1 / (4/6) = 1.5.
        kettle, filt, cups = product("KET-1", "Kettle"), product("FIL-1", "מסנן מים"), product("CUP-1", "Cups")
        for i in range(4):
            cid = customer(f"Kettle buyer {i}")
            buy_products(cid, today - timedelta(days=400 - 9 * i), [kettle])
            buy_products(cid, today - timedelta(days=380 - 9 * i), [filt])
        for i in range(2):
            buy_products(customer(f"Cups buyer {i}"), today - timedelta(days=300), [cups])
        w["quoted"] = customer("Šarūnas Jonaitis", owner_email=SALES)
        w["quote"] = quote(w["quoted"], [kettle, cups], SALES)
        quote(customer("Full quotation", owner_email=SALES), [kettle, filt], SALES)  # filter already on it
        quote(customer("Someone else's quotation"), [kettle], "admin@example.com")
        db.session.commit()
        recompute(as_of=(today - timedelta(days=30)).isoformat())
        recompute(as_of=today.isoformat())
        latest = latest_snapshot()
        previous = previous_snapshot(latest)
        everyone = {w[k]: (0.9, 5) for k in ("falling", "falling_small", "steady", "overdue", "overdue_other")}
        _set_p_alive(previous.id, everyone)
        _set_p_alive(latest.id, {**everyone, w["falling"]: (0.5, 5), w["falling_small"]: (0.4, 2),
                                 w["steady"]: (0.85, 5), w["overdue_other"]: (0.2, 5)})
        db.session.commit()
        w["kettle"], w["filter"] = kettle, filt
    return w
