"""The customers API list reads a page in a fixed number of statements, as rows (issue 17).

``GET /api/v1/customers`` used to load ``Customer`` objects with seven eager loads (eight
statements for the page); it now reads the page's columns and one ``UNION ALL`` of what
the shown customers refer to (:mod:`core.api.customer_rows`). Both checks run on SQLite and
PostgreSQL: the statement count stays put as customers grow, and every document of the
list is exactly what the item endpoint answers for that customer.
"""
from __future__ import annotations

import pytest

from core.testing import assert_queries_constant

pytestmark = pytest.mark.plugins()

API = "/api/v1/customers"


def _add(app, n: int, start: int = 0, company_id=None) -> list[int]:
    """``n`` customers each with two emails and phones, tags, addresses, needs and both consents."""
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        ids = []
        for i in range(start, start + n):
            c = create_customer({
                "name": f"Ελένη Δοκιμή {i:03d}", "company_id": company_id,
                "emails": [f"z{i}@example.com", f"a{i}@example.com"],
                "phones": [f"+30 210 555 {i:04d}", f"+30 210 444 {i:04d}"],
                "tags": ["vip", f"t{i % 4}", "ακίνητα"],
                "addresses": [{"label": "home", "street": f"Οδός {i}", "city": "Αθήνα", "country": "gr"},
                              {"label": "work", "city": "Vilnius", "postcode": f"0{i}", "country": "LT"}],
                "needs": [{"description": f"Χαμηλή {i}", "priority": 3},
                          {"description": f"Υψηλή {i}", "priority": 1, "source": "interview"}],
                "consents": {"sms": i % 2 == 0, "email": True},
            })
            ids.append(c.id)
        db.session.commit()
        return ids


def _company(app) -> int:
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        c = create_customer({"name": "Ακμή Α.Ε.", "kind": "company"})
        db.session.commit()
        return c.id


def test_the_api_list_has_a_fixed_query_count(app, client, token_for, query_counter):
    auth = token_for()
    cid = _company(app)
    _add(app, 3, company_id=cid)
    count = assert_queries_constant(query_counter, lambda: client.get(f"{API}?limit=100", headers=auth),
                                    lambda: _add(app, 27, start=3, company_id=cid), limit=5)
    # plugins, token + user, roles, the page, what the page refers to (before: 11, with 7 eager loads)
    assert count == 5
    assert_queries_constant(query_counter, lambda: client.get(f"{API}?q=Δοκιμή&limit=100", headers=auth),
                            lambda: _add(app, 30, start=30), limit=5)


def test_the_api_list_documents_equal_the_item_documents(app, client, token_for):
    auth = token_for()
    cid = _company(app)
    ids = _add(app, 4, company_id=cid) + _add(app, 2, start=10)
    items, cursor = [], None
    while True:
        r = client.get(f"{API}?limit=3" + (f"&cursor={cursor}" if cursor else ""), headers=auth)
        assert r.status_code == 200, r.get_json()
        items += r.json["items"]
        cursor = r.json["next_cursor"]
        if not cursor:
            break
    assert [d["id"] for d in items] == [cid, *ids]  # A→Z: "Ακμή" before "Ελένη …"
    for doc in items:
        one = client.get(f"{API}/{doc['id']}", headers=auth)
        assert one.status_code == 200
        assert doc == one.json
    first = items[1]
    assert first["company_name"] == "Ακμή Α.Ε."
    assert first["emails"] == ["z0@example.com", "a0@example.com"]  # in the order given, not sorted
    assert [n["priority"] for n in first["needs"]] == [1, 3]
    assert first["consents"] == {"email": True, "sms": True} and items[2]["consents"]["sms"] is False
    assert first["addresses"][1] == {"label": "work", "street": "", "city": "Vilnius", "postcode": "00",
                                     "region": "", "country": "LT"}
    assert first["tags"] == sorted(first["tags"]) and len(first["tags"]) == 3


def test_one_customer_reads_its_collections_in_one_statement(app, client, token_for, query_counter):
    auth = token_for()
    cid = _company(app)
    one = _add(app, 1, company_id=cid)[0]
    client.get(f"{API}/{one}", headers=auth)
    with query_counter() as q:
        r = client.get(f"{API}/{one}", headers=auth)
    assert r.status_code == 200 and r.json["company_name"] == "Ακμή Α.Ε." and len(r.json["needs"]) == 2
    # plugins, token + user, roles, the customer, its six collections (one UNION ALL), its company
    assert len(q) == 6, q  # before: 11, a lazy load per collection
