"""REST API: the product and service catalog."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.catalog.models import Product
from core.db import db

API = "/api/v1/products"
CHAIR = {"sku": "chair-1", "name": "Garden chair", "description": "Teak", "kind": "product",
         "unit_price": "129.90", "currency": "eur", "warranty_months": 24}


@pytest.fixture
def admin(token_for):
    return token_for()


def _count(app):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(Product)).scalar_one()


def _create(client, headers, **data):
    r = client.post(API, json={**CHAIR, **data}, headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def test_create_and_get(app, client, admin):
    p = _create(client, admin)
    assert p["sku"] == "CHAIR-1" and p["currency"] == "EUR" and p["active"] is True
    assert p["unit_price"] == "129.90"  # money is a decimal string
    assert p["warranty_months"] == 24 and p["kind"] == "product"
    assert client.get(f"{API}/{p['id']}", headers=admin).json == p
    with app.app_context():
        row = db.session.get(Product, p["id"])
        assert row.unit_price == Decimal("129.90") and row.name_key == "garden chair"


def test_price_as_number_and_defaults(client, admin):
    p = _create(client, admin, sku="S-1", unit_price=0.1, kind="service", currency="usd")
    assert p["unit_price"] == "0.10" and p["currency"] == "USD" and p["kind"] == "service"
    p = client.post(API, json={"sku": "MIN", "name": "Minimal", "unit_price": "5"}, headers=admin).json
    assert (p["unit_price"], p["currency"], p["warranty_months"], p["description"]) == ("5.00", "EUR", 0, "")


@pytest.mark.parametrize("payload, field", [
    ({"unit_price": "-1"}, "unit_price"),
    ({"unit_price": "1.999"}, "unit_price"),
    ({"unit_price": "abc"}, "unit_price"),
    ({"unit_price": "NaN"}, "unit_price"),
    ({"unit_price": "1e20"}, "unit_price"),
    ({"unit_price": None}, "unit_price"),
    ({"currency": "EURO"}, "currency"),
    ({"currency": "XYZ"}, "currency"),
    ({"currency": 978}, "currency"),
    ({"currency": None}, "currency"),
    ({"warranty_months": 601}, "warranty_months"),
    ({"warranty_months": -1}, "warranty_months"),
    ({"warranty_months": "12"}, "warranty_months"),
    ({"warranty_months": 1.5}, "warranty_months"),
    ({"kind": "gadget"}, "kind"),
    ({"name": "n" * 201}, "name"),
    ({"name": "  "}, "name"),
    ({"sku": "has space"}, "sku"),
    ({"sku": "s" * 65}, "sku"),
    ({"description": "d" * 5001}, "description"),
    ({"active": "perhaps"}, "active"),
    ({"colour": "red"}, "colour"),
    ({"unit_price": 1e30}, "unit_price"),
    ({"unit_price": "1000000000000.00"}, "unit_price"),
    ({"name": "nul\u0000"}, "name"),
])
def test_create_rejects_bad_input(app, client, admin, payload, field):
    r = client.post(API, json={**CHAIR, **payload}, headers=admin)
    assert r.status_code == 422, r.json
    assert r.json["errors"]["json"][field]
    assert _count(app) == 0


def test_missing_required_fields(app, client, admin):
    r = client.post(API, json={}, headers=admin)
    assert r.status_code == 422
    assert {"sku", "name", "unit_price"} <= set(r.json["errors"]["json"])
    assert _count(app) == 0


def test_duplicate_sku(app, client, admin):
    _create(client, admin)
    r = client.post(API, json={**CHAIR, "sku": " Chair-1 ", "name": "Another"}, headers=admin)
    assert r.status_code == 422
    assert r.json["errors"]["json"]["sku"] == ["Another product already has the SKU “CHAIR-1”."]
    assert _count(app) == 1


def test_patch(app, client, admin):
    p = _create(client, admin)
    other = _create(client, admin, sku="TABLE-1", name="Table")
    r = client.patch(f"{API}/{p['id']}", json={"unit_price": "119.00", "name": "Τραπέζι κήπου"}, headers=admin)
    assert r.status_code == 200, r.json
    assert r.json["unit_price"] == "119.00" and r.json["name"] == "Τραπέζι κήπου" and r.json["sku"] == "CHAIR-1"
    r = client.patch(f"{API}/{p['id']}", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json["active"] is False
    r = client.patch(f"{API}/{p['id']}", json={"sku": "table-1", "unit_price": "1"}, headers=admin)
    assert r.status_code == 422 and "TABLE-1" in r.json["errors"]["json"]["sku"][0]
    got = client.get(f"{API}/{p['id']}", headers=admin).json
    assert got["sku"] == "CHAIR-1" and got["unit_price"] == "119.00"  # nothing saved half-way
    assert client.patch(f"{API}/{other['id']}", json={"sku": "TABLE-1"}, headers=admin).status_code == 200
    r = client.patch(f"{API}/{p['id']}", json={"unit_price": "-5"}, headers=admin)
    assert r.status_code == 422 and r.json["errors"]["json"]["unit_price"] == ["The price cannot be negative."]
    r = client.patch(f"{API}/{p['id']}", data="{oops", headers={**admin, "Content-Type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json["message"]


def test_unknown_product_is_404(client, admin):
    for method in ("get", "patch"):
        r = getattr(client, method)(f"{API}/999", json={"name": "x"}, headers=admin)
        assert r.status_code == 404 and r.json["message"] == "No such product."
    assert client.delete(f"{API}/1", headers=admin).status_code in (404, 405)
    assert client.get(f"{API}/{10**30}", headers=admin).status_code == 404


def test_list_filters_search_and_pages(app, client, admin):
    _create(client, admin, sku="AC-9", name="Zoë air conditioner")
    _create(client, admin, sku="SRV-1", name="Installation", kind="service")
    old = _create(client, admin, sku="OLD-1", name="Old heater")
    client.patch(f"{API}/{old['id']}", json={"active": False}, headers=admin)
    for i in range(7):
        _create(client, admin, sku=f"P-{i}", name=f"Part {i}")

    def skus(**query):
        r = client.get(API, query_string=query, headers=admin)
        assert r.status_code == 200, r.json
        return [p["sku"] for p in r.json["items"]]

    assert skus(q="ZOË") == ["AC-9"]
    assert skus(q="srv") == ["SRV-1"]
    assert skus(kind="service") == ["SRV-1"]
    assert skus(active="false") == ["OLD-1"]
    assert "OLD-1" not in skus(active="true") and len(skus()) == 10
    seen, cursor = [], None
    while True:
        r = client.get(API, query_string={"limit": 3, "q": "part", **({"cursor": cursor} if cursor else {})},
                       headers=admin).json
        seen += [p["sku"] for p in r["items"]]
        cursor = r["next_cursor"]
        if not cursor:
            break
    assert seen == [f"P-{i}" for i in range(7)]


@pytest.mark.parametrize("query, field", [
    ({"limit": 0}, "limit"), ({"limit": 500}, "limit"), ({"cursor": "!!!"}, "cursor"),
    ({"kind": "gadget"}, "kind"), ({"active": "perhaps"}, "active"),
])
def test_list_bad_query(client, admin, query, field):
    r = client.get(API, query_string=query, headers=admin)
    assert r.status_code == 422 and r.json["errors"]["query"][field]


def test_auth_and_permissions(app, client, make_user, token_for):
    admin = token_for()
    p = _create(client, admin)
    make_user("viewer@example.com", permissions=["catalog.view"])
    make_user("sales@example.com", permissions=["customers.view"])
    viewer, sales = token_for("viewer@example.com"), token_for("sales@example.com")
    assert client.get(API).status_code == 401
    assert client.post(API, json=CHAIR).status_code == 401
    assert client.get(f"{API}/{p['id']}", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get(API, headers=sales).status_code == 403
    assert client.get(f"{API}/{p['id']}", headers=sales).status_code == 403
    assert client.get(API, headers=viewer).status_code == 200
    assert client.get(f"{API}/{p['id']}", headers=viewer).status_code == 200
    r = client.post(API, json={**CHAIR, "sku": "NEW"}, headers=viewer)
    assert r.status_code == 403 and "catalog.edit" in r.json["message"]
    assert client.patch(f"{API}/{p['id']}", json={"active": False}, headers=viewer).status_code == 403
    assert _count(app) == 1
    assert client.get(f"{API}/{p['id']}", headers=admin).json["active"] is True


def test_session_cookie_is_not_enough(client, login):
    login()
    assert client.get(API).status_code == 401
    assert client.post(API, json=CHAIR).status_code == 401


def test_openapi_documents_products(client):
    doc = client.get("/api/v1/openapi.json").json
    schemas = doc["components"]["schemas"]
    assert schemas["ProductInput"]["properties"]["unit_price"]["type"] == "string"
    assert set(schemas["ProductInput"]["required"]) == {"sku", "name", "unit_price"}
    assert "ProductPatch" in schemas
    params = {p["name"] for p in doc["paths"]["/api/v1/products"]["get"]["parameters"]}
    assert {"q", "kind", "active", "limit", "cursor"} <= params
