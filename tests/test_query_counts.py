"""The core staff pages run a fixed number of SQL statements, however many rows they show.

Each test opens a page with a few rows, adds many more, opens it again and checks the
statement count did not move (``core.testing.assert_queries_constant``): a page that
loads a related row per shown row (an N+1) fails here long before anyone notices it
at a million customers. The bounds are today's counts (2026-11-27, after the N+1 fixes
of issue 17); raise one only for a deliberate, fixed extra statement, and lower it when
a page gets cheaper.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.testing import ADMIN_EMAIL, assert_queries_constant
from core.l10n import local_today


def _add_customers(app, n: int, *, company_id=None, owner_email=ADMIN_EMAIL, start: int = 0) -> list[int]:
    """``n`` customers with an email, a phone and a tag each (what the list shows per row)."""
    from core.auth.models import User
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        owner = db.session.execute(sa.select(User.id).where(User.email == owner_email)).scalar_one()
        ids = []
        for i in range(start, start + n):
            c = create_customer({"name": f"Ελένη Δοκιμή {i:03d}", "emails": [f"c{i}@example.com"],
                                 "phones": [f"+30 210 555 {i:04d}"], "tags": ["vip", f"t{i % 4}"],
                                 "company_id": company_id, "owner_id": owner})
            ids.append(c.id)
        db.session.commit()
        return ids


def _add_history(app, customer_id: int, n: int) -> None:
    from core.auth.models import User
    from core.db import db
    from core.history.service import log_interaction, schedule_activity

    with app.app_context():
        uid = db.session.execute(sa.select(User.id).where(User.email == ADMIN_EMAIL)).scalar_one()
        for i in range(n):
            log_interaction(customer_id, channel="phone", direction="inbound", subject=f"Κλήση {i}", user_id=uid)
            schedule_activity(customer_id, summary=f"Follow-up {i}", due_date=local_today() + timedelta(days=i),
                              assignee_id=uid, created_by_id=uid)
        db.session.commit()


@pytest.mark.plugins()
def test_customer_list_and_search_have_a_fixed_query_count(app, client, login, query_counter):
    login()
    _add_customers(app, 3)
    assert_queries_constant(query_counter, lambda: client.get("/customers/"),
                            lambda: _add_customers(app, 27, start=3), limit=5)
    assert_queries_constant(query_counter, lambda: client.get("/customers/?q=Δοκιμή"),
                            lambda: _add_customers(app, 30, start=30), limit=5)


@pytest.mark.plugins()
def test_customer_page_has_a_fixed_query_count(app, client, login, query_counter):
    from core.customers.service import create_customer
    from core.db import db

    login()
    with app.app_context():
        company = create_customer({"name": "Ακμή Α.Ε.", "kind": "company"})
        db.session.commit()
        cid = company.id
    _add_customers(app, 3, company_id=cid)
    _add_history(app, cid, 3)

    def grow():
        _add_customers(app, 27, company_id=cid, start=3)
        _add_history(app, cid, 27)

    # 26 before the customer's collections and the duplicate finder's probes became one
    # UNION ALL each (core.customers.related.preload, find_duplicates), 2026-11-28
    assert_queries_constant(query_counter, lambda: client.get(f"/customers/{cid}"), grow, limit=17)


@pytest.mark.plugins("sales", "service", "marketing", "complaints", "analytics")
def test_dashboard_with_every_plugin_has_a_fixed_query_count(app, client, login, query_counter):
    login()
    _add_customers(app, 3)
    _add_history(app, _add_customers(app, 1, start=99)[0], 3)
    assert_queries_constant(query_counter, lambda: client.get("/"),
                            lambda: (_add_customers(app, 27, start=3), _add_history(app, 1, 27)), limit=17)


@pytest.mark.plugins()
def test_query_counter_sees_an_n_plus_one(app, client, login, query_counter):
    """The helper itself: a loop loading one row per customer is caught."""
    from core.customers.models import Customer
    from core.db import db

    ids = _add_customers(app, 3)

    def per_row():
        with app.app_context():
            for i in db.session.execute(sa.select(Customer.id)).scalars().all():
                db.session.get(Customer, i)
                db.session.expunge_all()

    with query_counter() as q:
        per_row()
    assert len(q) == len(ids) + 1, q
    with pytest.raises(AssertionError, match="grew with the rows"):
        assert_queries_constant(query_counter, per_row, lambda: _add_customers(app, 2, start=3))


@pytest.mark.plugins()
def test_company_people_come_from_the_index_in_order(app):
    """The customer page's people of a company: read from (company_id, name_key, id) in order,
    with no sort of every member (issue 17), on SQLite and PostgreSQL."""
    from core.customers.views import company_people
    from core.db import db

    with app.app_context():
        sql = str(company_people(42).compile(db.engine, compile_kwargs={"literal_binds": True}))
        with db.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                plan = " | ".join(row[-1] for row in conn.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))
                assert "USING INDEX ix_core_customer_company_name" in plan, plan
                assert "TEMP B-TREE" not in plan, plan
            else:
                conn.execute(sa.text("SET LOCAL enable_seqscan = off"))  # an empty table is not what we ask about
                plan = " | ".join(row[0] for row in conn.execute(sa.text(f"EXPLAIN {sql}")))
                assert "ix_core_customer_company_name" in plan, plan
                assert "Sort" not in plan, plan
