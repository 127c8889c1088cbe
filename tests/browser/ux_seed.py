"""Data the staff-UX browser tests share: two people of the same name told apart by their
company, city and email; products with their own tax rate; equipment (with service)."""
from __future__ import annotations

from decimal import Decimal


def seed(app) -> dict:
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.db import db
    from core.text import fold

    with app.app_context():
        plugins = app.extensions["rapport"].plugins
        acme = create_customer({"name": "Ακμή Α.Ε.", "kind": "company", "emails": ["info@akmi.gr"]})
        olympos = create_customer({"name": "Όλυμπος Ο.Ε.", "kind": "company"})
        db.session.flush()
        pavlos1 = create_customer({"name": "Παύλος Γεωργίου", "company_id": acme.id, "emails": ["pavlos@akmi.gr"],
                                   "phones": ["+30 691 234 4691"],
                                   "addresses": [{"city": "Αθήνα", "country": "GR"}]})
        pavlos2 = create_customer({"name": "Παύλος Γεωργίου", "company_id": olympos.id,
                                   "emails": ["p.georgiou@olympos.gr"],
                                   "addresses": [{"city": "Θεσσαλονίκη", "country": "GR"}]})
        rachel = create_customer({"name": "רחל כהן", "emails": ["rachel@example.co.il"]})
        laptop = Product(sku="LAP-14", name="Laptop 14", name_key=fold("Laptop 14"), unit_price=Decimal("899.00"),
                         tax_rate=Decimal("24"), warranty_months=24)
        ink = Product(sku="INK-1", name="Ink cartridge", name_key=fold("Ink cartridge"), unit_price=Decimal("19.99"),
                      tax_rate=Decimal("13"))
        setup = Product(sku="SETUP", name="On-site setup", name_key=fold("On-site setup"), kind="service",
                        unit_price=Decimal("120.00"))
        db.session.add_all([laptop, ink, setup])
        db.session.commit()
        ids = {"acme": acme.id, "olympos": olympos.id, "pavlos1": pavlos1.id, "pavlos2": pavlos2.id,
               "rachel": rachel.id, "laptop": laptop.id, "ink": ink.id, "setup": setup.id}
        if plugins.is_enabled("service"):
            from plugins.service.service import create_equipment

            eq = create_equipment(customer_id=pavlos1.id, product_id=laptop.id, serial="SN-4471-A",
                                  location="Αθήνα, γραφείο 2")
            db.session.commit()
            ids["equipment"] = eq.id
        return ids


def seed_opportunities(app, ids) -> None:
    """Three open opportunities owned by the admin (the pipeline has something to show)."""
    import sqlalchemy as sa
    from flask_login import login_user

    from core.auth.models import User
    from core.db import db
    from core.testing import ADMIN_EMAIL
    from plugins.sales.pipeline import create_opportunity

    with app.test_request_context():
        login_user(db.session.execute(sa.select(User).where(User.email == ADMIN_EMAIL)).scalar_one())
        for title, customer, revenue in (("Ανανέωση γραφείου", ids["pavlos1"], "12000"),
                                         ("Laptop fleet", ids["rachel"], "45000"),
                                         ("Εκτυπωτές", ids["pavlos2"], "3000")):
            create_opportunity({"title": title, "customer_id": str(customer), "expected_revenue": revenue,
                                "currency": "EUR", "source": "phone"})
        db.session.commit()


def start(live_server, page, lang: str, *, opportunities: bool = False):
    """Seed, watch the page for breakage, log in and switch language: ``(ids, problems)``."""
    from core.testing import browser_login, choose_language, watch_page

    ids = seed(live_server.app)
    if opportunities:
        seed_opportunities(live_server.app, ids)
    problems = watch_page(page)
    browser_login(page, live_server)
    choose_language(page, lang)
    return ids, problems
