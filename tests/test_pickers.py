"""The pickers' JSON (``/lookup/<kind>``), the live search's JSON and phone search: what
they find, what they show to tell records apart, and what they must never reveal."""
from __future__ import annotations

import types

import pytest

from core.contrib import Lookup, LookupItem, Permission, RecordRule
from core.hooks import hookimpl
from core.plugins import PluginManifest


def _seed(app):
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.db import db
    from core.text import fold

    with app.app_context():
        acme = create_customer({"name": "Ακμή Α.Ε.", "kind": "company"})
        db.session.flush()
        a = create_customer({"name": "Παύλος Γεωργίου", "company_id": acme.id, "emails": ["pavlos@akmi.gr"],
                             "phones": ["+30 691 234 4691"], "addresses": [{"city": "Αθήνα"}]})
        b = create_customer({"name": "Παύλος Γεωργίου", "emails": ["pg@example.com"],
                             "addresses": [{"city": "Θεσσαλονίκη"}]})
        lt = create_customer({"name": "Jonas Jonaitis", "phones": ["+370 612 34567"]})
        db.session.add(Product(sku="LAP-14", name="Laptop 14", name_key=fold("Laptop 14"), unit_price=899, tax_rate=24))
        db.session.add(Product(sku="OLD-1", name="Laptop old", name_key=fold("Laptop old"), active=False))
        db.session.commit()
        return {"acme": acme.id, "a": a.id, "b": b.id, "lt": lt.id}


def _lookup(client, kind, q, **params):
    r = client.get(f"/lookup/{kind}", query_string={"q": q, **params})
    assert r.status_code == 200, r.status_code
    return r.get_json()["results"]


def test_customer_lookup_tells_namesakes_apart(app, client, login):
    ids = _seed(app)
    login()
    results = _lookup(client, "customer", "παυλος")
    assert {r["id"] for r in results} == {ids["a"], ids["b"]}
    details = {r["id"]: r["detail"] for r in results}
    assert details[ids["a"]] == "Ακμή Α.Ε. · Αθήνα · pavlos@akmi.gr"
    assert details[ids["b"]] == "Θεσσαλονίκη · pg@example.com"
    # By number ("reference"), and only companies for the company picker.
    assert [r["id"] for r in _lookup(client, "customer", f"#{ids['b']}")][0] == ids["b"]
    assert [r["label"] for r in _lookup(client, "company", "α")] == ["Ακμή Α.Ε."]
    assert all(r["id"] != ids["acme"] for r in _lookup(client, "contact", "α"))


@pytest.mark.parametrize("typed", ["691 234 4691", "+30 691 234 4691", "0030 691 234 4691", "(691) 234-4691",
                                   "6912344691", "234 469"])
def test_phone_found_in_the_forms_people_type(app, client, login, typed):
    ids = _seed(app)
    login()
    assert [r["id"] for r in _lookup(client, "customer", typed)] == [ids["a"]]
    html = client.get("/search", query_string={"q": typed}).get_data(as_text=True)
    assert f"/customers/{ids['a']}" in html and f"/customers/{ids['b']}" not in html


def test_phone_of_another_country_and_no_false_hits(app, client, login):
    ids = _seed(app)
    login()
    assert [r["id"] for r in _lookup(client, "customer", "+370 612 34567")] == [ids["lt"]]
    assert _lookup(client, "customer", "999 999 9999") == []


def test_product_lookup_carries_price_and_tax_rate(app, client, login):
    _seed(app)
    app.config["DEFAULT_TAX_RATE"] = "13"
    login()
    results = _lookup(client, "product", "lap")
    assert [r["label"] for r in results] == ["Laptop 14"]  # inactive products are not offered
    data = results[0]["data"]
    assert data["unit_price"] == "899.00" and data["tax_rate"] == "24.00" and data["sku"] == "LAP-14"
    # A product without its own rate takes the business's default.
    from core.catalog.models import Product
    from core.db import db

    with app.app_context():
        db.session.query(Product).filter_by(sku="LAP-14").one().tax_rate = None
        db.session.commit()
    assert _lookup(client, "product", "lap")[0]["data"]["tax_rate"] == "13"


def test_user_lookup_and_permission_filter(app, client, login, make_user):
    make_user("zoe@example.com", permissions=["customers.view"], name="Zoë Brontë")
    make_user("sam@example.com", permissions=["catalog.view"], name="Sam Smith")
    login()
    assert [r["label"] for r in _lookup(client, "user", "zoe")] == ["Zoë Brontë"]
    assert [r["label"] for r in _lookup(client, "user", "", perm="customers.view")] == ["Admin", "Zoë Brontë"]


def test_lookups_need_the_permission_and_a_known_kind(app, client, login, make_user):
    _seed(app)
    make_user("cat@example.com", permissions=["catalog.view"])
    assert client.get("/lookup/customer?q=x").status_code == 302  # not logged in: to the login page
    login("cat@example.com")
    assert client.get("/lookup/customer?q=παυλος").status_code == 403
    assert client.get("/lookup/product?q=lap").status_code == 200
    assert client.get("/lookup/nothing?q=x").status_code == 404
    r = client.get("/search.json?q=παυλος")
    assert r.get_json()["groups"] == []  # no customers for someone who may not see them


def _own_customers_plugin():
    from core.customers.models import Customer

    module = types.ModuleType("own_customers_lookup")
    module.__file__ = __file__
    module.manifest = PluginManifest(name="own_customers_lookup", label="Own customers",
                                     permissions=(Permission("customers.all", "See every customer"),))

    @hookimpl
    def record_rules():
        return [RecordRule(Customer, "owner_id", "customers.all")]

    @hookimpl
    def lookups():
        return [Lookup("shout", lambda term, limit, params: [LookupItem(1, term.upper(), "", (("n", limit),))],
                       lambda i: LookupItem(i, "ONE"), "customers.view")]

    module.record_rules = record_rules
    module.lookups = lookups
    return module


OWN = _own_customers_plugin()


@pytest.mark.plugins("own_customers_lookup", extra=[OWN])
def test_lookups_apply_record_rules_and_plugins_add_kinds(app, client, login, make_user):
    from core.customers.models import Customer
    from core.db import db

    ids = _seed(app)
    anna = make_user("anna@example.com", permissions=["customers.view"])
    with app.app_context():
        db.session.get(Customer, ids["a"]).owner_id = anna
        db.session.commit()
    login("anna@example.com")
    assert [r["id"] for r in _lookup(client, "customer", "παυλος")] == [ids["a"]]
    assert _lookup(client, "customer", f"#{ids['b']}") == []  # not even by number
    groups = client.get("/search.json?q=παυλος").get_json()["groups"]
    assert [r["url"] for g in groups for r in g["results"]] == [f"/customers/{ids['a']}"]
    # A plugin's own kind, through the lookups hook.
    assert _lookup(client, "shout", "hey") == [{"id": 1, "label": "HEY", "detail": "", "data": {"n": 12}}]


def test_search_json_groups_by_kind_with_details(app, client, login):
    ids = _seed(app)
    login()
    body = client.get("/search.json?q=lap").get_json()
    assert [g["kind"] for g in body["groups"]] == ["Products"]
    body = client.get("/search.json?q=γεωργιου").get_json()
    (group,) = body["groups"]
    assert group["kind"] == "Customers"
    assert {r["detail"] for r in group["results"]} == {"Ακμή Α.Ε. · Αθήνα · pavlos@akmi.gr",
                                                      "Θεσσαλονίκη · pg@example.com"}
    assert client.get("/search.json?q=").get_json()["groups"] == []
    assert ids


def test_picker_field_shows_the_saved_choice_by_name(app, client, login):
    ids = _seed(app)
    login()
    html = client.get(f"/customers/{ids['a']}/edit").get_data(as_text=True)
    assert f'name="company" id="company-value" value="{ids["acme"]}"' in html
    assert 'role="combobox"' in html and 'value="Ακμή Α.Ε."' in html
