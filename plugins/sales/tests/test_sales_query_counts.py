"""Sales pages run a fixed number of SQL statements, however many deals and orders they show
(``core.testing.assert_queries_constant``; issue 17)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.testing import ADMIN_EMAIL, assert_queries_constant
from plugins.sales.tests.sales_testdata import seed
from core.l10n import local_today

SALES = ("sam@example.com", "sara@example.com", "sven@example.com")


def _people(make_user):
    for email in SALES:
        make_user(email, roles=["Salesperson"])


def _add_deals(app, n: int, ids: dict, *, start: int = 0) -> None:
    """``n`` open deals spread over both open stages, every salesperson and two currencies,
    and ``n`` confirmed orders with two lines each."""
    from core.auth.models import User
    from core.customers.service import create_customer
    from core.db import db
    from plugins.sales.orders import confirm, create_quotation
    from plugins.sales.pipeline import create_opportunity

    with app.app_context():
        owners = db.session.execute(sa.select(User.id).where(User.email.in_((ADMIN_EMAIL, *SALES)))
                                    .order_by(User.id)).scalars().all()
        for i in range(start, start + n):
            owner = owners[i % len(owners)]
            customer = create_customer({"name": f"Πελάτης {i:03d}", "owner_id": owner})
            db.session.flush()
            opp = create_opportunity({"title": f"Deal {i}", "customer_id": customer.id,
                                "stage_id": ids["stages"][i % 2], "expected_revenue": Decimal(100 + i),
                                "currency": ("EUR", "USD")[i % 2],
                                "expected_close": local_today() + timedelta(days=20 * (i % 5))})
            opp.owner_id = owner
            order = create_quotation({"customer_id": customer.id, "lines": [
                {"product_id": ids["products"][0], "quantity": "1"},
                {"product_id": ids["products"][1], "quantity": "3"}]}, owner_id=owner)
            confirm(order)
        db.session.commit()


@pytest.fixture
def sales_data(app, make_user):
    _people(make_user)
    ids = seed(app)
    _add_deals(app, 3, ids)
    return ids


@pytest.mark.plugins("sales")
@pytest.mark.parametrize("who", [ADMIN_EMAIL, SALES[0]])
def test_kanban_has_a_fixed_query_count(app, client, login, query_counter, sales_data, who):
    login(who)
    assert_queries_constant(query_counter, lambda: client.get("/sales/"),
                            lambda: _add_deals(app, 27, sales_data, start=3), limit=9)


@pytest.mark.plugins("sales")
@pytest.mark.parametrize("who", [ADMIN_EMAIL, SALES[0]])
def test_orders_and_opportunities_lists_have_a_fixed_query_count(app, client, login, query_counter, sales_data,
                                                                  who):
    login(who)
    assert_queries_constant(query_counter, lambda: client.get("/sales/orders"),
                            lambda: _add_deals(app, 27, sales_data, start=3), limit=4)
    assert_queries_constant(query_counter, lambda: client.get("/sales/opportunities"),
                            lambda: _add_deals(app, 30, sales_data, start=30), limit=7)


@pytest.mark.plugins("sales")
def test_performance_page_has_a_fixed_query_count(app, client, login, query_counter, sales_data):
    login()
    assert_queries_constant(query_counter, lambda: client.get("/sales/performance"),
                            lambda: _add_deals(app, 27, sales_data, start=3), limit=10)
