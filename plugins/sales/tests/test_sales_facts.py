"""The query hooks other plugins read sales through (``core.query``), without importing sales."""
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core import query
from core.db import db
from sales_testdata import make_order, seed

pytestmark = pytest.mark.plugins("sales")


def test_sales_order_lines_are_confirmed_lines_with_cost(app):
    ids = seed(app)
    from core.catalog.models import Product

    with app.app_context():
        db.session.get(Product, ids["products"][0]).unit_cost = Decimal("600.00")
        db.session.commit()
    confirmed = make_order(app, ids["customers"][0], ids["products"][0], qty="2", confirmed=True)
    make_order(app, ids["customers"][1], ids["products"][1], qty="5")  # a draft quotation: not a fact
    with app.app_context():
        rows = db.session.execute(query("sales_order_lines")).mappings().all()
        assert len(rows) == 1
        row = rows[0]
        assert row["order_id"] == confirmed and row["customer_id"] == ids["customers"][0]
        assert row["sku"] == "LAP-1" and Decimal(row["quantity"]) == 2 and row["kind"] == "product"
        assert Decimal(row["net_amount"]) == Decimal("1798.00") and Decimal(row["unit_cost"]) == Decimal("600.00")
        assert Decimal(row["cost"]) == Decimal("1200.00") and row["currency"] == "EUR"
        assert isinstance(row["confirmed_at"], datetime) and row["order_date"] == row["confirmed_at"].date()
        assert isinstance(row["order_date"], date)
        # Aggregated in SQL by the reader: revenue per customer.
        sub = query("sales_order_lines").subquery()
        totals = db.session.execute(sa.select(sub.c.customer_id, sa.func.sum(sub.c.net_amount))
                                    .group_by(sub.c.customer_id)).all()
        assert [(c, Decimal(str(t)).quantize(Decimal("0.01"))) for c, t in totals] == \
            [(ids["customers"][0], Decimal("1798.00"))]
        orders = db.session.execute(query("sales_orders")).mappings().all()
        assert [o["order_id"] for o in orders] == [confirmed] and Decimal(orders[0]["total"]) == Decimal("1798.00")
        # Streamed for millions of rows: the caller chooses how.
        streamed = db.session.execute(query("sales_order_lines").execution_options(yield_per=1000)).all()
        assert len(streamed) == 1


def test_a_line_without_a_known_cost_has_none(app):
    ids = seed(app)
    make_order(app, ids["customers"][0], ids["products"][1], confirmed=True)
    with app.app_context():
        row = db.session.execute(query("sales_order_lines")).mappings().one()
        assert row["unit_cost"] is None and row["cost"] is None


@pytest.mark.plugins()
def test_no_answer_without_sales(app):
    with app.app_context():
        assert query("sales_order_lines") is None and query("no_such_hook") is None
