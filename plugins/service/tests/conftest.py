"""Helpers shared by the service tests: a service app, a customer, products, users."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.testing import ADMIN_EMAIL, PASSWORD  # noqa: F401

TECH_EMAIL, TECH2_EMAIL, MANAGER_EMAIL = "tech@example.com", "tech2@example.com", "boss@example.com"


def sales_extra() -> tuple:
    """Extra plugin modules needed so that the sales events have hookspecs."""
    from importlib import metadata

    names = {ep.name for ep in metadata.entry_points(group="rapport.plugins")}
    try:
        import plugins.sales.hookspecs  # noqa: F401

        has_specs = "sales" in names
    except Exception:  # sales not installed or broken right now
        has_specs = False
    return () if has_specs else ("plugins.service.tests.fake_sales",)


@pytest.fixture
def svc_app(make_app):
    app = make_app("service", extra=sales_extra())
    assert hasattr(app.extensions["rapport"].plugins.pm.hook, "sales_order_confirmed")
    return app


@pytest.fixture
def svc_client(svc_app):
    return svc_app.test_client()


@pytest.fixture
def ids(svc_app):
    """A customer, two products (one with a 24-month warranty), a service line, and staff users."""
    from core.auth.models import Role, User
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.db import db
    from core.text import fold

    with svc_app.app_context():
        customer = create_customer({"name": "Ελένη Παπαδοπούλου"})
        other = create_customer({"name": "Jonas Jonaitis"})
        washer = Product(sku="WM-1", name="Washer WM-1", name_key=fold("Washer WM-1"), unit_price=Decimal("500"),
                         warranty_months=24)
        dryer = Product(sku="DR-1", name="Dryer DR-1", name_key=fold("Dryer DR-1"), unit_price=Decimal("400"),
                        warranty_months=0)
        labour = Product(sku="LAB", name="Labour hour", name_key="labour hour", kind="service",
                         unit_price=Decimal("50"))
        db.session.add_all([washer, dryer, labour])
        db.session.flush()
        users = {}
        for email, role in ((TECH_EMAIL, "Technician"), (TECH2_EMAIL, "Technician"), (MANAGER_EMAIL, "Service manager")):
            r = db.session.execute(sa.select(Role).where(Role.name == role)).scalar_one()
            u = User(email=email, name=email.split("@")[0].title(), roles=[r])
            u.set_password(PASSWORD)
            db.session.add(u)
            db.session.flush()
            users[email] = u.id
        db.session.commit()
        return {"customer": customer.id, "other": other.id, "washer": washer.id, "dryer": dryer.id,
                "labour": labour.id, "tech": users[TECH_EMAIL], "tech2": users[TECH2_EMAIL],
                "manager": users[MANAGER_EMAIL]}


def login(client, email=ADMIN_EMAIL):
    client.post("/logout")
    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302, f"login as {email} failed"
    return client


def api_headers(app, email=ADMIN_EMAIL):
    from core.auth.models import ApiToken, User
    from core.db import db

    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one()
        _row, clear = ApiToken.issue(user, "test")
        db.session.commit()
        return {"Authorization": f"Bearer {clear}"}


def make_equipment(app, customer_id, product_id=None, serial=None, installed=date(2024, 1, 1), **kw):
    from core.db import db
    from plugins.service import service as svc

    with app.app_context():
        eq = svc.create_equipment(customer_id=customer_id, product_id=product_id, serial=serial,
                                  install_date=installed, model_name=kw.pop("model_name", "" if product_id else "Model X"),
                                  **kw)
        db.session.commit()
        return eq.id
