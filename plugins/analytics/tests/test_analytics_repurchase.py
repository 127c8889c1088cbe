"""Per-product repurchase interval: the median days between one customer's purchases of the same
product, worked out by hand, through the snapshot job and on the page."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.db import db

from analytics_testdata import buy_products, customer, product

AS_OF = date(2026, 6, 30)
START = date(2026, 1, 1)


def _day(n):
    return START + timedelta(days=n)


def _seed():
    x, y = product("X", "Φίλτρο νερού", "8.00"), product("Y", "Kavos pupelės", "12.00")
    w, z = product("W", "נורה", "3.00"), product("Z", "Kettle", "40.00")
    c1, c2, c3, c4 = (customer(n) for n in ("C1", "C2", "C3", "C4"))
    for d in (0, 10, 30):
        buy_products(c1, _day(d), [x])
    buy_products(c1, _day(30), [x])              # a second order the same day: one purchase
    buy_products(c1, _day(0), [y, w, z])
    buy_products(c1, _day(7), [y])
    buy_products(c1, _day(9), [w])
    buy_products(c1, _day(30), [w])
    buy_products(c2, _day(0), [x, w])
    buy_products(c2, _day(40), [x])
    buy_products(c2, _day(3), [y])
    buy_products(c2, _day(103), [y])
    buy_products(c2, AS_OF + timedelta(days=2), [y])  # after the snapshot date: not counted
    buy_products(c2, _day(12), [w])
    buy_products(c3, _day(5), [x])
    for d in (1, 4, 8):
        buy_products(c3, _day(d), [y])
    buy_products(c4, _day(0), [x])
    buy_products(c4, _day(14), [x])
    db.session.commit()
    return x, y, w, z


@pytest.mark.plugins("sales", "analytics")
def test_repurchase_intervals_by_hand_and_on_the_page(app, client, login, make_user):
    from plugins.analytics.compute import recompute
    from plugins.analytics.models import ProductInterval, latest_snapshot

    make_user("sales@example.com", permissions=["analytics.view", "customers.view"])
    with app.app_context():
        x, y, w, z = _seed()
        recompute(as_of=AS_OF.isoformat())
        snapshot = latest_snapshot()
        rows = {r.product_id: r for r in db.session.execute(
            sa.select(ProductInterval).where(ProductInterval.snapshot_id == snapshot.id)).scalars()}
    # X: gaps 10, 20 (C1; the two day-30 orders are one purchase), 40 (C2), 14 (C4); C3 bought once.
    # Sorted 10, 14, 20, 40 → median (14 + 20) / 2 = 17.
    assert (rows[x].buyers, rows[x].repeat_customers, rows[x].intervals, rows[x].median_days) == (4, 3, 4, 17.0)
    # Y: 7 (C1), 100 (C2; the July order is after the snapshot date), 3 and 4 (C3) → (4 + 7) / 2 = 5.5.
    assert (rows[y].buyers, rows[y].repeat_customers, rows[y].intervals, rows[y].median_days) == (3, 3, 4, 5.5)
    # W: 9 and 21 (C1), 12 (C2) → the middle one, 12.
    assert (rows[w].buyers, rows[w].repeat_customers, rows[w].intervals, rows[w].median_days) == (2, 2, 3, 12.0)
    assert z not in rows  # bought once by one customer: no interval
    login("sales@example.com")  # product figures, no customer named: analytics.view is enough
    html = client.get("/analytics/products").get_data(as_text=True)
    assert "Jun 30, 2026" in html
    # Most repeat customers first; X and Y tie (3), the newer product id first; then W.
    order = [html.index(f'data-product="{p}"') for p in (y, x, w)]
    assert order == sorted(order) and f'data-product="{z}"' not in html
    assert "17 days" in html and "5.5 days" in html and "3 customers" in html
    assert client.get("/analytics/products?cursor=x").status_code == 400
    client.post("/language", data={"lang": "fa", "next": "/"})
    fa = client.get("/analytics/products").get_data(as_text=True)
    assert "Repurchase intervals" not in fa and "۱۷" in fa and "<bdi>Φίλτρο νερού</bdi>" in fa


@pytest.mark.plugins("sales", "analytics")
def test_repurchase_page_needs_the_permission(app, client, login, make_user):
    make_user("clerk@example.com", permissions=["customers.view"])
    login("clerk@example.com")
    assert client.get("/analytics/products").status_code == 403
