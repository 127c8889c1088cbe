"""Sales integration through the hook bus only (this file never imports plugins.sales).

Behaviour while the service plugin is disabled: events are not delivered to it then;
its manifest asks to catch up on the sales events, so on re-enabling a job delivers
what it missed (tested below; cross-plugin cases in tests/test_durable_events.py).
"""
from datetime import date

import pytest
import sqlalchemy as sa

from .conftest import api_headers, make_equipment
from core.l10n import local_today


def _order(ids, *, order_id=77, confirmed="2026-03-15", quantity="2.00", months=24, **extra):
    return {"id": order_id, "number": f"SO-{order_id}", "customer_id": ids["customer"], "confirmed_at": confirmed,
            "currency": "EUR", "lines": [
                {"product_id": ids["washer"], "sku": "WM-1", "kind": "product", "quantity": quantity,
                 "unit_price": "500.00", "discount": "0", "line_total": "1000.00", "warranty_months": months},
                {"product_id": ids["dryer"], "sku": "DR-1", "kind": "product", "quantity": "1",
                 "unit_price": "400.00", "discount": "0", "line_total": "400.00", "warranty_months": 0},
                {"product_id": ids["labour"], "sku": "LAB", "kind": "service", "quantity": "3",
                 "unit_price": "50.00", "discount": "0", "line_total": "150.00", "warranty_months": 0},
            ], **extra}


def _emit(app, event, order):
    with app.app_context():
        app.extensions["rapport"].plugins.emit(event, order=order)


def _units(app, order_id=77):
    from core.db import db
    from plugins.service.models import Equipment

    with app.app_context():
        rows = db.session.execute(sa.select(Equipment).where(Equipment.order_id == order_id)
                                  .order_by(Equipment.id)).scalars().all()
        return [(e.id, e.status, e.product_id, [(w.kind, w.start_date, w.end_date) for w in e.warranties])
                for e in rows]


def test_confirmed_order_registers_one_unit_per_piece_with_warranty(svc_app, ids):
    _emit(svc_app, "sales_order_confirmed", _order(ids))
    units = _units(svc_app)
    assert len(units) == 2  # washer ×2; the dryer has no warranty and no plan; labour is a service
    for _id, status, product_id, warranties in units:
        assert (status, product_id) == ("in_service", ids["washer"])
        assert warranties == [("standard", date(2026, 3, 15), date(2028, 3, 15))]
    # Delivered twice (e.g. a retry): nothing is registered twice.
    _emit(svc_app, "sales_order_confirmed", _order(ids))
    assert len(_units(svc_app)) == 2
    from core.db import db
    from core.history.models import Interaction

    with svc_app.app_context():
        subjects = db.session.execute(sa.select(Interaction.subject).where(
            Interaction.kind == "service.equipment_registered")).scalars().all()
    assert subjects == ["2 units registered from order SO-77"]  # ngettext, stored as a text (kind + count)


def test_a_product_with_a_maintenance_plan_counts_as_tracked_equipment(svc_app, ids):
    from core.db import db
    from plugins.service import service as svc

    with svc_app.app_context():
        svc.create_plan(name="Dryer yearly", product_id=ids["dryer"], interval_months=12)
        db.session.commit()
    _emit(svc_app, "sales_order_confirmed", _order(ids))
    units = _units(svc_app)
    dryers = [u for u in units if u[2] == ids["dryer"]]
    assert len(units) == 3 and len(dryers) == 1 and dryers[0][3] == []  # tracked, no warranty


def test_cancel_retires_untouched_units_and_keeps_worked_ones(svc_app, ids):
    from core.db import db
    from plugins.service import service as svc

    _emit(svc_app, "sales_order_confirmed", _order(ids, confirmed=local_today().isoformat()))
    (first, *_), (second, *_) = _units(svc_app)
    with svc_app.app_context():
        svc.open_request(equipment_id=second, problem="Dead on arrival")
        db.session.commit()
    _emit(svc_app, "sales_order_cancelled", _order(ids))
    statuses = {u[0]: u[1] for u in _units(svc_app)}
    assert statuses == {first: "retired", second: "in_service"}


def test_orders_confirmed_while_disabled_are_caught_up_on_enable(svc_app, svc_client, ids):
    """Announced (durably) while service was disabled: delivered by a catch-up job on re-enabling."""
    from core.db import announce, db
    from core.jobs.queue import queue
    from core.plugin_ops import disable_plugin, enable_plugin

    with svc_app.app_context():
        disable_plugin("service")
        announce("sales_order_confirmed", order=_order(ids, order_id=1))
        db.session.commit()
    assert _units(svc_app, 1) == []  # nobody heard it
    with svc_app.app_context():
        enable_plugin("service")
    assert queue(svc_app).drain() == 1  # the catch-up job
    assert len(_units(svc_app, 1)) == 2
    # After enabling, new confirmations register equipment as usual.
    with svc_app.app_context():
        announce("sales_order_confirmed", order=_order(ids, order_id=2))
        db.session.commit()
    assert len(_units(svc_app, 2)) == 2


def test_unknown_customer_or_odd_lines_are_ignored_safely(svc_app, ids):
    _emit(svc_app, "sales_order_confirmed", {**_order(ids, order_id=5), "customer_id": 999999})
    assert _units(svc_app, 5) == []
    bad = _order(ids, order_id=6, quantity="lots")
    _emit(svc_app, "sales_order_confirmed", bad)
    assert _units(svc_app, 6) == []


def test_with_sales_plugin_enabled(make_app):
    """Cross-plugin: a real sales order confirmed through the sales API registers equipment."""
    from importlib import metadata

    if "sales" not in {ep.name for ep in metadata.entry_points(group="rapport.plugins")}:
        pytest.skip("the sales plugin is not installed")
    app = make_app("sales", "service")
    registry = app.extensions["rapport"].plugins
    if "sales" in registry.failed or "sales" not in registry.installed:
        pytest.skip(f"the sales plugin failed to load: {registry.failed.get('sales')}")
    rules = {r.rule for r in app.url_map.iter_rules()}
    if "/api/v1/sales/orders/<int:order_id>/confirm" not in rules or "/api/v1/sales/orders" not in rules:
        pytest.skip("the sales plugin has no order confirm API yet")
    from decimal import Decimal

    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        customer = create_customer({"name": "Cross Plugin Ltd"})
        product = Product(sku="XP-24", name="Heat pump XP", name_key="heat pump xp", unit_price=Decimal("1000"),
                          warranty_months=24)
        db.session.add(product)
        db.session.commit()
        customer_id, product_id = customer.id, product.id
    client = app.test_client()
    h = api_headers(app)
    r = client.post("/api/v1/sales/orders", json={"customer_id": customer_id, "currency": "EUR",
                                                  "lines": [{"product_id": product_id, "quantity": "3"}]}, headers=h)
    assert r.status_code == 201, r.json
    order_id = r.json["id"]
    r = client.post(f"/api/v1/sales/orders/{order_id}/confirm", headers=h)
    assert r.status_code == 200, r.json
    r = client.get(f"/api/v1/service/equipment?customer_id={customer_id}", headers=h)
    items = r.json["items"]
    assert len(items) == 3 and {i["product_id"] for i in items} == {product_id}
    eq = client.get(f"/api/v1/service/equipment/{items[0]['id']}", headers=h).json
    (w,) = eq["warranties"]
    start = date.fromisoformat(w["start_date"])
    from plugins.service.service import add_months

    assert w["end_date"] == add_months(start, 24).isoformat()
