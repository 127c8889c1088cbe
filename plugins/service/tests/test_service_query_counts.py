"""Service pages and the equipment API run a fixed number of SQL statements, however many
units and requests they list (``core.testing.assert_queries_constant``; issue 17)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.testing import assert_queries_constant, count_queries
from plugins.service.tests.conftest import api_headers, login


@pytest.fixture
def query_counter(svc_app):
    """Count on the service app of these tests (the ``app`` fixture is another, core-only app)."""
    return lambda: count_queries(svc_app)


def _add_units(app, ids, n: int, *, start: int = 0) -> None:
    """``n`` units, each of its own catalog model and at a customer of its own, each with a
    request assigned to one of the two technicians: every row of a list has other related rows."""
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.db import db
    from core.text import fold
    from plugins.service import service as svc

    with app.app_context():
        for i in range(start, start + n):
            name = f"Πλυντήριο M{i:03d}"
            product = Product(sku=f"M-{i:03d}", name=name, name_key=fold(name), unit_price=Decimal("300"),
                              warranty_months=24)
            db.session.add(product)
            customer = create_customer({"name": f"Πελάτης {i:03d}"})
            db.session.flush()
            eq = svc.create_equipment(customer_id=customer.id, product_id=product.id, serial=f"SN{i:05d}",
                                      install_date=date(2024, 1, 1 + i % 28))
            db.session.flush()
            svc.open_request(equipment_id=eq.id, problem=f"Διαρροή νερού {i}", reported_on=date(2026, 3, 1),
                             technician_id=(ids["tech"], ids["tech2"])[i % 2])
        db.session.commit()


def test_request_queue_and_equipment_list_have_a_fixed_query_count(svc_app, svc_client, ids, query_counter):
    _add_units(svc_app, ids, 3)
    login(svc_client)
    assert_queries_constant(query_counter, lambda: svc_client.get("/service/?status=all"),
                            lambda: _add_units(svc_app, ids, 27, start=3), limit=4)
    assert_queries_constant(query_counter, lambda: svc_client.get("/service/equipment"),
                            lambda: _add_units(svc_app, ids, 30, start=30), limit=5)


def test_equipment_and_requests_api_have_a_fixed_query_count(svc_app, svc_client, ids, query_counter):
    _add_units(svc_app, ids, 3)
    headers = api_headers(svc_app)
    count = assert_queries_constant(query_counter, lambda: svc_client.get("/api/v1/service/equipment",
                                                                           headers=headers),
                                    lambda: _add_units(svc_app, ids, 27, start=3), limit=5)
    body = svc_client.get("/api/v1/service/equipment?limit=50", headers=headers).get_json()
    assert {item["model"] for item in body["items"]} >= {"Πλυντήριο M000", "Πλυντήριο M029"}, count
    assert_queries_constant(query_counter, lambda: svc_client.get("/api/v1/service/requests", headers=headers),
                            lambda: _add_units(svc_app, ids, 30, start=30), limit=6)


def test_reliability_page_and_manager_dashboard_have_a_fixed_query_count(svc_app, svc_client, ids, query_counter):
    from plugins.service.tests.conftest import MANAGER_EMAIL

    _add_units(svc_app, ids, 3)
    login(svc_client, MANAGER_EMAIL)
    assert_queries_constant(query_counter, lambda: svc_client.get("/service/reliability"),
                            lambda: _add_units(svc_app, ids, 27, start=3), limit=4)
    assert_queries_constant(query_counter, lambda: svc_client.get("/"),
                            lambda: _add_units(svc_app, ids, 30, start=30), limit=8)
