"""The cross-customer test over every portal URL of every installed plugin at once: customer A,
logged into the portal, tries each /portal route that takes an argument with the ids of customer
B's records in every table (orders, equipment, requests, photos, history, follow-ups, changes...)
by GET and POST, and must get 404 every time. Routes are read from the URL map, so a page a
plugin adds later is tried without anyone listing it here."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.db import db
from core.testing import portal_account, portal_login, portal_probe, portal_routes
from core.l10n import local_today

pytestmark = pytest.mark.plugins("sales", "service", extra=["portaltest_plugin"])


def _records_for(customer_id: int, product_id: int, *, label: str) -> None:
    """One of everything a customer can have: orders in each state, equipment with a warranty,
    a request with a photo, a visit, history, a follow-up and a pending details change."""
    from werkzeug.datastructures import FileStorage

    from core.customers.models import Customer
    from core.history.service import log_event, schedule_activity
    from core.portal.changes import submit
    from plugins.sales.orders import confirm, create_quotation, mark_sent
    from plugins.service import photos, service as svc

    for state in ("draft", "sent", "confirmed"):
        order = create_quotation({"customer_id": customer_id, "lines": [{"product_id": product_id, "quantity": "1"}]},
                                 owner_id=1)
        if state in ("sent",):
            mark_sent(order)
        if state == "confirmed":
            confirm(order)
    eq = svc.create_equipment(customer_id=customer_id, product_id=product_id, serial=f"SN-{label}",
                              install_date=local_today() - timedelta(days=10))
    svc.add_warranty(eq, start_date=local_today() - timedelta(days=10), months=12)
    req = svc.open_request(equipment_id=eq.id, problem=f"broken {label}", channel="portal")
    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(data, "PNG")
    data.seek(0)
    photos.attach(req, [FileStorage(stream=data, filename=f"{label}.png")])
    svc.schedule_visit(eq, due_date=local_today() + timedelta(days=30))
    log_event(customer_id, "portaltest.note", source="portaltest", subject=f"note {label}")
    schedule_activity(customer_id, summary=f"call {label}", due_date=local_today(), assignee_id=None)
    submit(db.session.get(Customer, customer_id), {"name": f"{label} renamed", "emails": [f"{label}@example.com"],
                                                   "phones": [], "addresses": []}, account_id=None)
    db.session.commit()


def test_every_portal_url_of_every_plugin_answers_404_with_another_customers_ids(app, client):
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.plugin_ops import enable_plugin

    with app.app_context():
        enable_plugin("portaltest")
        product = Product(sku="P-1", name="Pump", name_key="pump", unit_price=Decimal("10"), warranty_months=12)
        db.session.add(product)
        a = create_customer({"name": "Alpha", "emails": ["alpha@example.com"]})
        b = create_customer({"name": "Beta", "emails": ["beta@example.com"]})
        db.session.commit()
        a_id, b_id, product_id = a.id, b.id, product.id
        _records_for(a_id, product_id, label="alpha")
        for n in range(2):  # twice, so B's ids run past A's in every table
            _records_for(b_id, product_id, label=f"beta{n}")
    portal_login(client, portal_account(app, a_id))
    owners = {r.endpoint.split(".")[0] for r in portal_routes(app) if r.arguments}
    assert {"sales_portal", "service_portal", "portaltest_portal"} <= owners
    assert portal_probe(client, app, a_id, b_id) == []
