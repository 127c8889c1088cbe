"""``bench.full`` at a tiny size: the fill writes what it says through the bulk paths, and every
page it measures answers 200 with its SELECTs captured for the raw floor (issue 17).

Only that the bench works is checked here; its timings are measurements, never assertions.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.plugins("sales", "service")


def test_the_full_bench_fills_and_measures_every_page(app):
    from bench.full import measure_pages, pages, prepare
    from bench.full_fill import SALESPERSON_EMAIL, fill, filled
    from core.auth.models import User
    from core.customers.models import Customer
    from core.db import db
    from plugins.sales.models import Order, OrderLine

    prepare(app)
    fill(app, customers=120, lines=600, opportunities=40, units=20, echo=lambda *_a: None)
    assert filled(app) == {"customers": 120, "lines": 600, "opportunities": 40, "units": 20}
    with app.app_context():
        sums = {}
        for oid, net, tax in db.session.execute(sa.select(OrderLine.order_id, OrderLine.line_total,
                                                          OrderLine.tax_amount)):
            sums[oid] = sums.get(oid, 0) + net + tax
        totals = dict(db.session.execute(sa.select(Order.id, Order.total)).all())
        assert totals == sums  # every order's total is the sum of its lines
        busy = db.session.execute(sa.select(User.id).where(User.email == SALESPERSON_EMAIL)).scalar_one()
        owned = db.session.execute(sa.select(sa.func.count()).select_from(Customer)
                                   .where(Customer.owner_id == busy)).scalar()
        assert owned == 24  # every fifth customer
    rows = measure_pages(app, 1, echo=lambda *_a: None)
    assert {r["page"]: r["status"] for r in rows} == {r["page"]: 200 for r in rows}
    assert len(rows) >= 20 and all(r["statements"] > 0 for r in rows)
    assert {r["page"] for r in rows} >= {"dashboard", "customer list", "customer page (with orders)", "orders",
                                         "salesperson: pipeline (kanban)"}
    assert pages  # the list the README's table is built from

    from bench.full import plugin_cost
    from core.models import PluginState

    with app.app_context():
        enabled_before = set(db.session.execute(sa.select(PluginState.name).where(PluginState.enabled.is_(True))).scalars())
    assert enabled_before >= {"sales", "service"} and "marketing" not in enabled_before
    cost = plugin_cost(app, 1, echo=lambda *_a: None)  # every page answered 200 in both settings (else it exits)
    assert [r["page"] for r in cost] == ["customer list", "customer search (jonas)", "customer page (plugins add tabs)"]
    assert all(r["all"] > 0 and r["core"] > 0 for r in cost)
    with app.app_context():
        enabled = set(db.session.execute(sa.select(PluginState.name).where(PluginState.enabled.is_(True))).scalars())
        assert enabled == enabled_before  # the bench puts back the set it found
        installed = set(db.session.execute(sa.select(PluginState.name)).scalars())
        assert installed >= {"marketing", "complaints", "analytics"}  # enabled once for the comparison
