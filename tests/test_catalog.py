"""Catalog pages: list, search, filters, paging, create, edit, duplicate SKU, deactivate, permissions."""
from decimal import Decimal

import sqlalchemy as sa

from core.catalog.models import Product
from core.db import db


def _product(app, sku, name, **kw):
    from core.catalog.service import commit_product, create_product

    with app.app_context():
        p = create_product({"sku": sku, "name": name, "unit_price": kw.pop("unit_price", "10.00"), **kw})
        commit_product(p)
        return p.id


def _get(app, product_id):
    with app.app_context():
        p = db.session.get(Product, product_id)
        db.session.expunge(p)
        return p


def _count(app):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(Product)).scalar_one()


FORM = {"sku": "chair-1", "name": "Garden chair", "description": "Teak", "kind": "product",
        "unit_price": "129.90", "currency": "eur", "warranty_months": "24", "active": "y"}


def test_list_search_and_filters(app, client, login):
    login()
    _product(app, "AC-9", "Zoë's air conditioner", unit_price="899.00")
    _product(app, "SRV-1", "Installation", kind="service", unit_price="50")
    old = _product(app, "OLD-1", "Old heater")
    with app.app_context():
        db.session.get(Product, old).active = False
        db.session.commit()
    r = client.get("/catalog/")
    assert r.status_code == 200
    assert "Zoë&#39;s air conditioner" in r.text and "Installation" in r.text
    assert "Old heater" not in r.text  # deactivated ones are hidden by default
    r = client.get("/catalog/?q=ZOE")
    assert "air conditioner" in r.text and "Installation" not in r.text
    r = client.get("/catalog/?q=srv")
    assert "Installation" in r.text and "air conditioner" not in r.text
    r = client.get("/catalog/?kind=service")
    assert "Installation" in r.text and "air conditioner" not in r.text
    r = client.get("/catalog/?status=inactive")
    assert "Old heater" in r.text and "Installation" not in r.text
    r = client.get("/catalog/?status=all")
    assert "Old heater" in r.text and "Installation" in r.text


def test_list_is_paged_by_keyset(make_app):
    app = make_app(PAGE_SIZE=3)
    client = app.test_client()
    from core.testing import login_client

    login_client(client)
    for i in range(7):
        _product(app, f"P-{i}", f"Item {i}")
    seen, url = [], "/catalog/"
    for _ in range(5):
        r = client.get(url)
        assert r.status_code == 200
        seen += [f"Item {i}" for i in range(7) if f">Item {i}<" in r.text or f"Item {i}\n" in r.text]
        if 'rel="next"' not in r.text:
            break
        url = r.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert sorted(seen) == [f"Item {i}" for i in range(7)]
    assert client.get("/catalog/?cursor=garbage").status_code == 400


def test_create(app, client, login):
    login()
    assert client.get("/catalog/new").status_code == 200
    r = client.post("/catalog/new", data=FORM)
    assert r.status_code == 302
    with app.app_context():
        p = db.session.execute(sa.select(Product)).scalar_one()
        assert (p.sku, p.name, p.currency, p.unit_price, p.warranty_months, p.active) == (
            "CHAIR-1", "Garden chair", "EUR", Decimal("129.90"), 24, True)
        assert p.name_key == "garden chair"


def test_create_bad_input_keeps_values_and_saves_nothing(app, client, login):
    login()
    bad = dict(FORM, unit_price="-3", currency="EURO", warranty_months="601", name="<b>x</b>" * 50)
    r = client.post("/catalog/new", data=bad)
    assert r.status_code == 422
    assert "The price cannot be negative." in r.text
    assert "ISO 4217" in r.text
    assert "Between 0 and 600 months." in r.text
    assert "At most 200 characters." in r.text
    assert "&lt;b&gt;x&lt;/b&gt;" in r.text and "<b>x</b>" not in r.text  # kept, escaped
    assert 'value="chair-1"' in r.text
    assert _count(app) == 0
    r = client.post("/catalog/new", data=dict(FORM, unit_price="1.234"))
    assert r.status_code == 422 and "At most two decimal places." in r.text
    r = client.post("/catalog/new", data=dict(FORM, unit_price="1e30"))  # people do not type exponents
    assert r.status_code == 422 and "Enter a number, such as 1,250.50." in r.text
    r = client.post("/catalog/new", data=dict(FORM, unit_price="1,000,000,000,000,000"))
    assert r.status_code == 422 and "The price is too large." in r.text
    r = client.post("/catalog/new", data=dict(FORM, name="nul\x00byte"))
    assert r.status_code == 422 and "NUL character" in r.text
    r = client.post("/catalog/new", data=dict(FORM, sku="has space", name=""))
    assert r.status_code == 422 and "A name is required." in r.text and "no spaces" in r.text
    assert _count(app) == 0


def test_duplicate_sku_is_a_field_error(app, client, login):
    login()
    _product(app, "CHAIR-1", "Existing chair")
    r = client.post("/catalog/new", data=FORM)  # "chair-1" folds to the same SKU
    assert r.status_code == 422
    assert "Another product already has the SKU “CHAIR-1”." in r.text
    assert _count(app) == 1


def test_edit(app, client, login):
    login()
    pid = _product(app, "AC-9", "Air conditioner", unit_price="899.00")
    other = _product(app, "AC-10", "Other")
    r = client.get(f"/catalog/{pid}")
    assert r.status_code == 200 and 'value="899.00"' in r.text
    r = client.post(f"/catalog/{pid}", data=dict(FORM, sku="AC-9", name="Άλφα κλιματιστικό", unit_price="950"))
    assert r.status_code == 302
    p = _get(app, pid)
    assert p.name == "Άλφα κλιματιστικό" and p.unit_price == Decimal("950.00") and p.name_key == "αλφα κλιματιστικο"
    r = client.post(f"/catalog/{pid}", data=dict(FORM, sku="ac-10"))
    assert r.status_code == 422 and "AC-10" in r.text
    assert _get(app, pid).sku == "AC-9"
    assert _get(app, other).sku == "AC-10"
    assert client.get("/catalog/9999").status_code == 404
    assert client.get(f"/catalog/{10**30}").status_code == 404


def test_deactivate_and_reactivate(app, client, login):
    login()
    pid = _product(app, "AC-9", "Air conditioner")
    page = client.get(f"/catalog/{pid}").text
    assert "js-confirm" in page and f"/catalog/{pid}/deactivate" in page
    assert client.get(f"/catalog/{pid}/deactivate").status_code == 405  # never by GET
    r = client.post(f"/catalog/{pid}/deactivate")
    assert r.status_code == 302 and _get(app, pid).active is False
    assert "is deactivated" in client.get(r.headers["Location"]).text  # the flash, shown once
    assert "Air conditioner" not in client.get("/catalog/").text
    assert f"/catalog/{pid}/reactivate" in client.get(f"/catalog/{pid}").text
    client.post(f"/catalog/{pid}/reactivate")
    assert _get(app, pid).active is True
    assert client.post("/catalog/9999/deactivate").status_code == 404


def test_permissions(app, client, login, make_user):
    pid = _product(app, "AC-9", "Air conditioner")
    make_user("viewer@example.com", permissions=["catalog.view"])
    make_user("nobody@example.com", permissions=["customers.view"])
    login("nobody@example.com")
    assert client.get("/catalog/").status_code == 403
    login("viewer@example.com")
    r = client.get("/catalog/")
    assert r.status_code == 200 and "Air conditioner" in r.text
    assert "/catalog/new" not in r.text and f"/catalog/{pid}" not in r.text
    assert client.get("/catalog/new").status_code == 403
    assert client.post("/catalog/new", data=FORM).status_code == 403
    assert client.post(f"/catalog/{pid}", data=dict(FORM, sku="AC-9")).status_code == 403
    assert client.post(f"/catalog/{pid}/deactivate").status_code == 403
    assert _get(app, pid).active is True and _count(app) == 1
    client.post("/logout")
    r = client.get("/catalog/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def _csrf(html):
    return html.split('name="csrf_token"')[1].split('value="')[1].split('"')[0]


def test_csrf_is_required(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = _csrf(client.get("/login").text)
    r = client.post("/login", data={"email": "admin@example.com", "password": "correct horse battery",
                                    "csrf_token": token})
    assert r.status_code == 302
    assert client.get("/catalog/").status_code == 200
    r = client.post("/catalog/new", data=FORM)  # no token
    assert r.status_code == 400
    assert _count(app) == 0
    token = _csrf(client.get("/catalog/new").text)
    assert client.post("/catalog/new", data=dict(FORM, csrf_token=token)).status_code == 302
    assert _count(app) == 1


def test_product_tax_rate_own_or_default(app, client, login):
    """A product may carry its own tax rate; empty means the business's default (RAPPORT_TAX_RATE)."""
    from decimal import Decimal

    from core.catalog.models import Product
    from core.db import db

    login()
    base = {"sku": "TX-1", "name": "Taxed", "kind": "product", "unit_price": "10.00", "currency": "EUR",
            "warranty_months": "0", "active": "y"}
    assert client.post("/catalog/new", data={**base, "tax_rate": "101"}).status_code == 422
    assert client.post("/catalog/new", data={**base, "tax_rate": "6,5"}).status_code == 302
    assert client.post("/catalog/new", data={**base, "sku": "TX-2", "tax_rate": ""}).status_code == 302
    app.config["DEFAULT_TAX_RATE"] = "24"
    with app.app_context():
        own = db.session.query(Product).filter_by(sku="TX-1").one()
        default = db.session.query(Product).filter_by(sku="TX-2").one()
        assert own.tax_rate == Decimal("6.50") and own.effective_tax_rate() == Decimal("6.50")
        assert default.tax_rate is None and default.effective_tax_rate() == Decimal("24")
        product_id = own.id
    assert 'value="6.5"' in client.get(f"/catalog/{product_id}").get_data(as_text=True)
