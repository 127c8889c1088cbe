"""The global search (``/search``): customers and products from the core's
``search_results`` hook, each only for users allowed to see them."""
from __future__ import annotations

import pytest


def _seed(app):
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.db import db
    from core.text import fold

    with app.app_context():
        ids = {}
        for name, extra in (("Γιώργος Παπαδόπουλος", {}), ("Šarūnas Jonaitis", {"emails": ["sj@example.lt"]}),
                            ("Zoë Smith", {}), ("Unrelated Person", {})):
            ids[name] = create_customer({"name": name, **extra}).id
        for sku, name in (("CAR-ZOE-1", "Electric hatchback"), ("SRV-100", "Yearly service"), ("X-1", "Zoë mats")):
            db.session.add(Product(sku=sku, name=name, name_key=fold(name)))
        db.session.commit()
        return ids


@pytest.mark.parametrize("query, expected", [
    ("παπαδοπουλος", "Γιώργος Παπαδόπουλος"),
    ("sarunas", "Šarūnas Jonaitis"),
    ("ZOË", "Zoë Smith"),
    ("SJ@EXAMPLE", "Šarūnas Jonaitis"),
])
def test_customers_found_in_any_script(app, client, login, query, expected):
    ids = _seed(app)
    login()
    r = client.get("/search", query_string={"q": query})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert expected in html and f"/customers/{ids[expected]}" in html
    assert "Unrelated Person" not in html


def test_products_by_name_and_sku(app, client, login):
    _seed(app)
    login()
    html = client.get("/search?q=srv-1").get_data(as_text=True)
    assert "Yearly service" in html and "Electric hatchback" not in html
    html = client.get("/search?q=zoe").get_data(as_text=True)
    # One query, two kinds: the customer and both products (by SKU and by name).
    assert "Zoë Smith" in html and "Electric hatchback" in html and "Zoë mats" in html
    assert "Customers" in html and "Products" in html


def test_results_only_for_what_the_user_may_see(app, client, login, make_user):
    _seed(app)
    make_user("catalog@example.com", permissions=["catalog.view"])
    make_user("people@example.com", permissions=["customers.view"])
    login("catalog@example.com")
    html = client.get("/search?q=zoe").get_data(as_text=True)
    assert "Zoë mats" in html and "Zoë Smith" not in html
    # Without catalog.edit a product links to the catalog list, not to its edit page.
    assert "/catalog/?q=X-1" in html
    login("people@example.com")
    html = client.get("/search?q=zoe").get_data(as_text=True)
    assert "Zoë Smith" in html and "Zoë mats" not in html


def test_search_results_are_limited_and_wildcards_literal(app, client, login):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        for i in range(15):
            create_customer({"name": f"Common Name {i:02d}"})
        create_customer({"name": "Percent_Sign"})
        db.session.commit()
    login()
    html = client.get("/search?q=common").get_data(as_text=True)
    assert html.count("Common Name") == 10
    html = client.get("/search?q=t_s").get_data(as_text=True)
    assert "Percent_Sign" in html
    assert "Common Name" not in client.get("/search?q=_").get_data(as_text=True)


def _names_matching(app, term):
    import sqlalchemy as sa

    from core.customers.models import Customer
    from core.customers.search import where_matches
    from core.db import db
    from core.text import fold

    with app.app_context():
        stmt = where_matches(sa.select(Customer.name), fold(term))
        return sorted(db.session.execute(stmt).scalars())


def test_search_index_follows_creates_renames_and_deletes(app):
    """The trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL) stays in step with the rows."""
    from core.customers.models import Customer
    from core.customers.service import create_customer, update_customer
    from core.db import db

    with app.app_context():
        a = create_customer({"name": "Ελένη Κωνσταντίνου"}).id
        b = create_customer({"name": "Žemaitytė Rūta", "phones": ["+37061234567"]}).id
        db.session.commit()
    assert _names_matching(app, "κωνσταντ") == ["Ελένη Κωνσταντίνου"]
    assert _names_matching(app, "zemaityte") == ["Žemaitytė Rūta"]
    assert _names_matching(app, "61234") == ["Žemaitytė Rūta"]  # digits of the phone
    # One or two letters: no trigram; the start of the name, through the name index (issue 17)
    assert _names_matching(app, "že") == ["Žemaitytė Rūta"]
    assert _names_matching(app, "ze") == ["Žemaitytė Rūta"]
    with app.app_context():
        update_customer(db.session.get(Customer, a), {"name": "Ελένη Γεωργίου"})
        db.session.delete(db.session.get(Customer, b))
        db.session.commit()
    assert _names_matching(app, "κωνσταντ") == []
    assert _names_matching(app, "γεωργιου") == ["Ελένη Γεωργίου"]
    assert _names_matching(app, "zemaityte") == []


def test_search_terms_with_quotes_and_wildcards_are_literal(app):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": 'Taverna "Oasis" 100%_real'})
        create_customer({"name": "Taverna Oasis"})
        db.session.commit()
    assert _names_matching(app, '"oasis"') == ['Taverna "Oasis" 100%_real']
    assert _names_matching(app, "100%_") == ['Taverna "Oasis" 100%_real']
