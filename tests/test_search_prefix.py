"""Searches of one or two characters match the beginning of the name through an index,
instead of scanning every customer for the substring (issue 17)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.plugins()

NAMES = ("Abbott Ltd", "Ábel Nagy", "Nabil Haddad", "Ab", "Αβραάμ Κ.", "Μαρία Αβέρωφ", "Zed")


@pytest.fixture
def people(app):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        for name in NAMES:
            create_customer({"name": name})
        db.session.commit()


def _names(client, q, auth):
    r = client.get("/api/v1/customers", query_string={"q": q, "limit": 50}, headers=auth)
    assert r.status_code == 200, r.get_json()
    return [c["name"] for c in r.get_json()["items"]]


def test_short_terms_match_the_start_of_the_name(app, client, login, people, token_for):
    login()
    token = token_for()  # {"Authorization": "Bearer …"}
    assert _names(client, "ab", token) == ["Ab", "Abbott Ltd", "Ábel Nagy"]  # not "Nabil"
    assert _names(client, "A", token) == ["Ab", "Abbott Ltd", "Ábel Nagy"]
    assert _names(client, "αβ", token) == ["Αβραάμ Κ."]  # not "Μαρία Αβέρωφ"
    assert _names(client, "%", token) == [] and _names(client, "_", token) == []  # wildcards are plain characters
    assert _names(client, "abi", token) == ["Nabil Haddad"]  # three characters: anywhere, as before
    page = client.get("/customers/", query_string={"q": "Ab"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Abbott Ltd" in text and "Ábel Nagy" in text and "Nabil Haddad" not in text


def test_short_terms_page_through_every_match(app, client, token_for):
    """Keyset pages of a prefix search, in the index's order, each match once."""
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        for i in range(7):
            create_customer({"name": f"Ka {i}"})
            create_customer({"name": f"Ok {i}"})
        db.session.commit()
    auth = token_for()
    seen, cursor = [], None
    while True:
        r = client.get("/api/v1/customers", query_string={"q": "ka", "limit": 3, **({"cursor": cursor} if cursor else {})},
                       headers=auth)
        body = r.get_json()
        seen += [c["name"] for c in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Ka {i}" for i in range(7)]


def test_a_short_search_reads_the_name_index_in_order(app):
    """The list's statement for a two-letter search: a range on the name index, already in
    list order — no scan of the table, no sort — on SQLite and PostgreSQL."""
    from core.customers.models import Customer
    from core.customers.search import sort_key, where_matches
    from core.db import db

    with app.app_context():
        stmt = where_matches(sa.select(Customer), "ab").order_by(sort_key("ab"), Customer.id).limit(51)
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        with db.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                plan = " | ".join(row[-1] for row in conn.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))
                assert "SEARCH core_customer USING INDEX ix_core_customer_name_key_id (name_key>? AND name_key<?)" \
                    in plan, plan
                assert "TEMP B-TREE" not in plan, plan
            else:
                conn.execute(sa.text("SET LOCAL enable_seqscan = off"))  # an empty table is not what we ask about
                plan = " | ".join(row[0] for row in conn.execute(sa.text(f"EXPLAIN {sql}")))
                assert "Index Scan using ix_core_customer_name_prefix" in plan, plan
                assert "Index Cond" in plan and "Sort" not in plan, plan
