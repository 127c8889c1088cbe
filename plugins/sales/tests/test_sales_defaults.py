"""Enabling sales gives a new business stages and lost reasons, in the enabling admin's
language, so the first opportunity can be recorded at once; the quotation editor's tax
rates come from the product, else the business default."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.db import db


def _stages(app):
    from plugins.sales.models import LostReason, Stage

    with app.app_context():
        stages = db.session.execute(sa.select(Stage).order_by(Stage.position)).scalars().all()
        reasons = db.session.execute(sa.select(LostReason.name).order_by(LostReason.id)).scalars().all()
        return [(s.name, s.probability, s.is_won, s.is_lost) for s in stages], reasons


def test_enabling_sales_creates_default_stages_and_reasons(make_app):
    app = make_app("sales")
    stages, reasons = _stages(app)
    assert [s[0] for s in stages] == ["Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
    assert sum(1 for s in stages if s[2]) == 1 and sum(1 for s in stages if s[3]) == 1
    assert "Price too high" in reasons and len(reasons) == 5
    # A fresh business can record an opportunity straight away.
    client = app.test_client()
    client.post("/login", data={"email": "admin@example.com", "password": "correct horse battery"})
    r = client.post("/sales/opportunities/new", data={"title": "First deal", "prospect_name": "Ieva", "expected_revenue": "100",
                                                      "currency": "EUR", "source": "phone"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]


def test_defaults_follow_the_admins_language_and_are_not_doubled(make_app):
    from core.plugin_ops import disable_plugin, enable_plugin

    app = make_app()  # sales installed, not enabled
    client = app.test_client()
    client.post("/login", data={"email": "admin@example.com", "password": "correct horse battery"})
    client.post("/language", data={"lang": "el"})
    with app.test_request_context(headers={"Accept-Language": "el"}):
        from flask import session

        session["lang"] = "el"
        enable_plugin("sales")
    stages, reasons = _stages(app)
    assert stages[0][0] == "Υποψήφιος πελάτης" and stages[4][0] == "Κερδήθηκε"
    assert "Πολύ ακριβό" in reasons
    with app.test_request_context():
        disable_plugin("sales")
        enable_plugin("sales")  # enabled again: the business's own stages stay as they are
    assert _stages(app)[0] == stages


@pytest.mark.plugins("sales")
def test_quotation_lines_take_the_product_or_default_tax_rate(app, client, login):
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.text import fold
    from plugins.sales.models import Order

    app.config["DEFAULT_TAX_RATE"] = "24"
    with app.app_context():
        book = Product(sku="BOOK", name="Book", name_key=fold("Book"), unit_price=Decimal("10.00"),
                       tax_rate=Decimal("6"))
        db.session.add(book)
        cid = create_customer({"name": "Rūta"}).id
        db.session.commit()
        book_id = book.id
    login()
    page = client.get(f"/sales/orders/new?customer_id={cid}").get_data(as_text=True)
    assert 'placeholder="24"' in page and 'value="Rūta"' in page
    r = client.post("/sales/orders/new", data={
        "customer_id": str(cid), "currency": "EUR",
        "lines-0-product_id": str(book_id), "lines-0-quantity": "2", "lines-0-tax_rate": "",
        "lines-3-description": "Gift wrap", "lines-3-unit_price": "5", "lines-3-quantity": "1"})
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    with app.app_context():
        order = db.session.execute(sa.select(Order)).scalar_one()
        rates = [(line.description, line.tax_rate) for line in order.lines]
        assert rates == [("Book", Decimal("6.00")), ("Gift wrap", Decimal("24.00"))]
        assert order.total == Decimal("20.00") + Decimal("1.20") + Decimal("5.00") + Decimal("1.20")
