"""A customer's six collections read in one statement (``core.customers.related``, issue 17).

The customer page fills ``emails``, ``phones``, ``tags``, ``addresses``, ``needs`` and
``consents`` from one ``UNION ALL`` instead of six lazy loads. These tests check, on SQLite
and PostgreSQL, that what it fills is what the ORM would have loaded (values, types,
order), that an edit after it saves like an edit of loaded rows, and that the duplicate
finder (one statement for its probes now) still gives every reason in order.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.plugins()

DATA = {
    "name": "Ρūta Κωνσταντίνου", "emails": ["zeta@example.com", "Alpha@example.com"],
    "phones": ["+30 210 555 0102", "+370 612 34567"], "tags": ["ωμέγα", "alpha", "vip"],
    "addresses": [{"label": "σπίτι", "street": "Ερμού 1", "city": "Αθήνα", "country": "gr"},
                  {"city": "Vilnius", "postcode": "01100", "region": "Vilniaus", "country": "LT"}],
    "needs": [{"description": "low", "priority": 3}, {"description": "high", "priority": 1},
              {"description": "mid", "priority": 2, "source": "interview"}],
    "consents": {"sms": False, "email": True},
}


def _snapshot(c) -> dict:
    cols = {
        "emails": ("id", "customer_id", "email", "label"), "phones": ("id", "customer_id", "number", "label"),
        "tags": ("id", "name"), "addresses": ("id", "customer_id", "label", "street", "city", "postcode", "region",
                                              "country"),
        "needs": ("id", "customer_id", "description", "priority", "source", "created_at"),
        "consents": ("customer_id", "channel", "granted", "changed_at"),
    }
    return {name: [tuple((getattr(o, k), type(getattr(o, k))) for k in keys) for o in getattr(c, name)]
            for name, keys in cols.items()}


def test_preload_fills_what_the_orm_would_load_in_one_statement(app, query_counter):
    from core.customers.models import Customer
    from core.customers.related import preload
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        cid = create_customer(DATA).id
        create_customer({"name": "Άλλος", "emails": ["other@example.com"], "tags": ["vip"]})
        db.session.commit()
        db.session.expunge_all()
        lazy = _snapshot(db.session.get(Customer, cid))
        db.session.expunge_all()
        customer = db.session.get(Customer, cid)
        with query_counter() as q:
            preload(customer)
            loaded = _snapshot(customer)
            assert customer.emails[0].customer is customer
        assert len(q) == 1, q
        assert loaded == lazy
        assert [n.description for n in customer.needs] == ["high", "mid", "low"]
        assert [t.name for t in customer.tags] == sorted(["ωμέγα", "alpha", "vip"])


def test_an_edit_after_preload_saves_like_an_edit_of_loaded_rows(app):
    from core.customers.models import Customer, CustomerEmail
    from core.customers.related import preload
    from core.customers.service import create_customer, update_customer
    from core.db import db

    with app.app_context():
        cid = create_customer(DATA).id
        db.session.commit()
        db.session.expunge_all()
        customer = db.session.get(Customer, cid)
        preload(customer)
        assert not db.session.new and not db.session.dirty  # nothing pending: read only
        update_customer(customer, {"emails": ["alpha@example.com", "new@example.com"], "tags": ["vip", "νέο"],
                                   "consents": {"sms": True, "email": True}})
        customer.addresses[0].city = "Πειραιάς"
        db.session.commit()
        db.session.expunge_all()
        again = db.session.get(Customer, cid)
        assert [e.email for e in again.emails] == ["alpha@example.com", "new@example.com"]
        assert sorted(t.name for t in again.tags) == ["vip", "νέο"]
        assert {k.channel: k.granted for k in again.consents} == {"email": True, "sms": True}
        assert again.addresses[0].city == "Πειραιάς" and len(again.needs) == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerEmail)
                                 .where(CustomerEmail.customer_id == cid)) == 2


def test_the_customer_page_shows_every_collection(app, client, login):
    from core.customers.service import create_customer
    from core.db import db

    login()
    with app.app_context():
        cid = create_customer(DATA).id
        db.session.commit()
    html = client.get(f"/customers/{cid}").get_data(as_text=True)
    for text in ("zeta@example.com", "alpha@example.com", "+302105550102", "ωμέγα", "Ερμού 1", "Vilnius",
                 "high", "mid", "low"):
        assert text in html, text
    assert html.index("zeta@example.com") < html.index("alpha@example.com")  # in the order given


def test_the_duplicate_finder_gives_every_reason_in_order(app):
    from core.customers.models import Customer
    from core.customers.service import create_customer, find_duplicates
    from core.db import db

    with app.app_context():
        a = create_customer({"name": "Jonas Petraitis", "emails": ["j@example.com"], "phones": ["+370 612 34567"]})
        both = create_customer({"name": "Petraitis Jonas", "emails": ["j@example.com"],
                                "phones": ["+370 612 34567"]})
        name_only = create_customer({"name": "JONAS PETRAITIS"})
        phone_only = create_customer({"name": "Kitas", "phones": ["+370 612 34567"]})
        create_customer({"name": "Jonas Kitas"})  # shares a word only: not the same name
        create_customer({"name": "Jonas Petraitis", "kind": "company"})  # another kind
        db.session.commit()
        a, both, name_only, phone_only = a.id, both.id, name_only.id, phone_only.id
        db.session.expunge_all()
        found = find_duplicates(db.session.get(Customer, a))
        assert {c.id: reasons for c, reasons in found} == {
            both: ["same email", "same phone", "same name"], name_only: ["same name"], phone_only: ["same phone"]}
        assert found[0][0].id == both  # most reasons first
        lonely = create_customer({"name": "Ωραία Μοναδική"})
        db.session.commit()
        assert find_duplicates(lonely) == []
