"""Retention per salesperson, worked out by hand: of the customers who bought in the earlier
period, the share who bought again in this one, per customer owner; periods chosen by the user;
salespeople see their own row; sales' performance page links here through its
``sales_performance_links`` hook."""
from datetime import date

import pytest
import sqlalchemy as sa

from core.db import db

from analytics_testdata import buy, customer

S1, S2 = "s1@example.com", "s2@example.com"


def _seed(app, make_user, s1_permissions=("analytics.view", "customers.view", "sales.user")):
    make_user(S1, permissions=list(s1_permissions), name="Ρένα Σαλέα")
    make_user(S2, permissions=["analytics.view", "customers.view"], name="שרה כהן")
    with app.app_context():
        from plugins.sales.models import Order
        from plugins.sales.orders import cancel

        c = {k: customer(k, owner_email=owner) for k, owner in (
            ("a1", S1), ("a2", S1), ("a3", S1), ("a4", S1), ("b1", S2), ("b2", S2), ("b3", S2), ("n1", None))}
        for key, days in {
            "a1": [(1, 10), (5, 5)],                # Q1 and Q2: retained
            "a2": [(2, 1), (3, 3)],                 # twice in Q1 (one customer), not in Q2
            "a3": [(3, 31), (4, 1)],                # last day of Q1, first of Q2: retained
            "a4": [(5, 20)],                        # new in Q2: not counted
            "b1": [(1, 15), (6, 30)],               # retained on Q2's last day
            "b2": [(2, 20), (7, 1)],                # back only in Q3
            "b3": [(-12, 31), (5, 1)],              # 31 Dec 2025 and May: not a Q1 buyer
            "n1": [(3, 1)],                         # no owner
        }.items():
            for month, day in days:
                when = date(2025, 12, day) if month < 0 else date(2026, month, day)
                buy(c[key], when, "20.00")
        # n1's April order was cancelled: it does not count as buying again.
        order = db.session.get(Order, buy(c["n1"], date(2026, 4, 10), "20.00"))
        cancel(order)
        db.session.commit()
        from core.auth.models import User

        users = dict(db.session.execute(sa.select(User.email, User.id)).all())
    return c, users


def _rows(html):
    """{owner id or '': (bought before, bought again, rate text)} from the table."""
    import re

    found = {}
    for owner, body in re.findall(r'<tr data-owner="(\d*)">(.*?)</tr>', html, flags=re.S):
        cells = re.findall(r'<td class="text-end num[^"]*">([^<]*)</td>', body)
        found[owner] = tuple(cells[:3])
    return found


@pytest.mark.plugins("sales", "analytics")
def test_retention_per_owner_by_hand(app, client, login, make_user):
    from plugins.analytics.retention import parse_period, retention

    c, users = _seed(app, make_user)
    with app.app_context():
        rows = retention(parse_period("2026-Q2"), parse_period("2026-Q1"))
        got = {r.owner_id: (r.customers, r.returned) for r in rows}
        # S1: a1, a2, a3 bought in Q1; a1 and a3 again → 2/3. S2: b1, b2 → b1 → 1/2. No owner: n1 → 0/1.
        assert got == {users[S1]: (3, 2), users[S2]: (2, 1), None: (1, 0)}
        assert [r.owner_id for r in rows] == [users[S1], users[S2], None]   # best first, nobody's last
        # June against January: a1 (Jan) did not buy in June, b1 (Jan) did.
        got = {r.owner_id: (r.customers, r.returned) for r in retention(parse_period("2026-06"), parse_period("2026-01"))}
        assert got == {users[S1]: (1, 0), users[S2]: (1, 1)}
        # The year against the year before: b3 (31 Dec 2025) bought again in 2026.
        got = {r.owner_id: (r.customers, r.returned) for r in retention(parse_period("2026"), parse_period("2025"))}
        assert got == {users[S2]: (1, 1)}
    login()
    html = client.get("/analytics/retention?period=2026-Q2").get_data(as_text=True)
    assert _rows(html) == {str(users[S1]): ("3", "2", "67%"), str(users[S2]): ("2", "1", "50%"), "": ("1", "0", "0%")}
    assert 'js-total-rate">50%<' in html                                  # 3 of 6 over everyone
    assert "Ρένα Σαλέα" in html and "No owner" in html and 'value="2026-Q1"' in html   # earlier period filled in


@pytest.mark.plugins("sales", "analytics")
def test_salesperson_sees_own_row_unless_manager(app, client, login, make_user):
    c, users = _seed(app, make_user)
    login(S1)
    html = client.get("/analytics/retention?period=2026-Q2").get_data(as_text=True)
    assert _rows(html) == {str(users[S1]): ("3", "2", "67%")}
    assert "שרה כהן" not in html and "js-total-rate" not in html
    make_user("boss@example.com", permissions=["analytics.view", "analytics.manager", "customers.view"])
    login("boss@example.com")
    html = client.get("/analytics/retention?period=2026-Q2").get_data(as_text=True)
    assert set(_rows(html)) == {str(users[S1]), str(users[S2]), ""}
    make_user("nobody@example.com", permissions=["customers.view"])
    login("nobody@example.com")
    assert client.get("/analytics/retention").status_code == 403


@pytest.mark.plugins("sales", "analytics")
def test_periods_are_checked(app, client, login, make_user):
    _seed(app, make_user)
    login()
    bad = client.get("/analytics/retention?period=2026-13")
    assert bad.status_code == 400 and "A month (\u20662026-03\u2069), a quarter (\u20662026-Q1\u2069)" in bad.get_data(as_text=True)
    overlap = client.get("/analytics/retention?period=2026-Q2&previous=2026-05")
    assert overlap.status_code == 400 and "must end before this one starts" in overlap.get_data(as_text=True)
    assert "js-retention" not in overlap.get_data(as_text=True)
    ok = client.get("/analytics/retention?period=2026-q2&previous=2025")
    text = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "js-retention" in text and 'value="2026-Q2"' in text and 'value="2025"' in text
    # Hebrew: translated, percentages in the reader's conventions.
    client.post("/language", data={"lang": "he", "next": "/"})
    html = client.get("/analytics/retention?period=2026-Q2").get_data(as_text=True)
    assert "שימור" in html and "Retention per salesperson" not in html


def test_period_keys():
    from plugins.analytics.retention import parse_period, previous_period

    assert parse_period("2026-Q1").start == date(2026, 1, 1) and parse_period("2026-Q4").end == date(2027, 1, 1)
    assert parse_period("2026-12").end == date(2027, 1, 1) and parse_period("2026").end == date(2027, 1, 1)
    assert [parse_period(k) for k in ("2026-Q5", "2026-00", "1999", "x", "", None, "2026-1")] == [None] * 7
    assert previous_period(parse_period("2026-Q1")).key == "2025-Q4"
    assert previous_period(parse_period("2026-01")).key == "2025-12"
    assert previous_period(parse_period("2026")).key == "2025"


@pytest.mark.plugins("sales", "analytics")
def test_sales_performance_page_links_to_retention(app, client, login, make_user):
    """sales_performance_links: analytics offers the link, for the page's period, to users who may open it."""
    _seed(app, make_user)
    login()
    html = client.get("/sales/performance?period=2026-Q2").get_data(as_text=True)
    assert 'href="/analytics/retention?period=2026-Q2"' in html and "Retention per salesperson" in html
    login(S1)
    assert 'href="/analytics/retention?period=2026-03"' in client.get("/sales/performance?period=2026-03").get_data(as_text=True)


@pytest.mark.plugins("sales", "analytics")
def test_no_link_without_analytics_permission_or_plugin(app, client, login, make_user):
    _seed(app, make_user, s1_permissions=("customers.view", "sales.user"))
    login(S1)
    html = client.get("/sales/performance?period=2026-Q2").get_data(as_text=True)
    assert "Salespeople" in html and "/analytics/retention" not in html
    with app.app_context():
        from core.plugin_ops import disable_plugin

        disable_plugin("analytics")
        db.session.commit()
    login()
    html = client.get("/sales/performance?period=2026-Q2").get_data(as_text=True)
    assert "Salespeople" in html and "/analytics/retention" not in html and "js-performance-links" not in html
