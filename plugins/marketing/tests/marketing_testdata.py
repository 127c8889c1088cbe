"""Customers and templates shared by the marketing tests (imported by name; not a test module)."""
from __future__ import annotations

from core.db import db


def customer(name, email=None, *, phone=None, language="en", consent=None, tags=(), city=None, **extra):
    """A customer through the core's service; ``consent`` like ``{"email": True}``."""
    from core.customers.service import create_customer

    data = {"name": name, "emails": [email] if email else [], "preferred_language": language, "tags": list(tags),
            **extra}
    if phone:
        data["phones"] = [phone]
    if consent is not None:
        data["consents"] = consent
    if city:
        data["addresses"] = [{"city": city, "country": "GR"}]
    c = create_customer(data)
    db.session.flush()
    return c


def newsletter_template(key="marketing.test_newsletter", channel="email"):
    from core.messaging import ensure_template

    if channel == "sms":
        return ensure_template(key, name="Test SMS", channel="sms", source="marketing",
                               texts={"en": {"body": "Sale today, {{ customer.first_name }}!"},
                                      "el": {"body": "Εκπτώσεις σήμερα, {{ customer.first_name }}!"}})
    return ensure_template(
        key, name="Test newsletter", source="marketing",
        texts={"en": {"subject": "News for {{ customer.name }}",
                      "body": "Hello {{ customer.first_name }}, see https://shop.example.com/sale today.",
                      "html": '<p>Hello {{ customer.first_name }}, see <a href="https://shop.example.com/sale">'
                              "the sale</a>.</p>"},
               "el": {"subject": "Νέα για {{ customer.name }}",
                      "body": "Γεια σας {{ customer.first_name }}, δείτε https://shop.example.com/sale σήμερα."}})


def rules(*items, op="and"):
    return {"op": op, "items": list(items)}


def crit(key, **params):
    return {"criterion": key, "params": params}
