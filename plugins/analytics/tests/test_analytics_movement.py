"""Movement between RFM classes from one snapshot to the next, and the overdue-customers list."""
import re
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.db import db

from analytics_testdata import buy, customer

AS_OF = date(2026, 6, 30)
SALES = "sales@example.com"


def _buy_every(cid, interval, last_days_ago, times=4, as_of=AS_OF):
    last = as_of - timedelta(days=last_days_ago)
    for k in range(times):
        buy(cid, last - timedelta(days=interval * (times - 1 - k)), "30.00")


def _overdue_data(make_user):
    """Three overdue customers (10, 25 and 70 days) and one who is not; see the assertions."""
    make_user(SALES, permissions=["analytics.view", "customers.view"])
    ten = customer("Δέκα ημέρες", owner_email=SALES)
    _buy_every(ten, 20, 30)           # expected 20 days after the last purchase, 30 days ago → 10 overdue
    twenty_five = customer("עשרים וחמישה")
    _buy_every(twenty_five, 10, 35)   # 25 overdue
    seventy = customer("Septyniasdešimt", owner_email=SALES)
    _buy_every(seventy, 30, 100)      # 70 overdue
    fine = customer("On time")
    _buy_every(fine, 50, 10)          # next purchase expected in 40 days
    db.session.commit()
    from plugins.analytics.compute import recompute

    recompute(as_of=AS_OF.isoformat())
    return ten, twenty_five, seventy, fine


def _links(html):
    return [int(n) for n in re.findall(r'href="/customers/(\d+)"', html)]


@pytest.mark.plugins("sales", "analytics")
def test_overdue_list_least_overdue_first_in_keyset_pages(app, client, login, make_user):
    app.config["PAGE_SIZE"] = 2
    with app.app_context():
        ten, twenty_five, seventy, fine = _overdue_data(make_user)
    login()
    first = client.get("/analytics/overdue").get_data(as_text=True)
    assert "Jun 30, 2026" in first  # the snapshot date
    assert _links(first) == [ten, twenty_five]
    assert "10 days" in first and "25 days" in first
    cursor = re.search(r'rel="next" href="[^"]*cursor=([\w-]+)', first).group(1)
    second = client.get(f"/analytics/overdue?cursor={cursor}").get_data(as_text=True)
    assert _links(second) == [seventy] and "70 days" in second and 'rel="next"' not in second
    assert client.get("/analytics/overdue?cursor=bm90LWpzb24").status_code == 400
    # A salesperson sees their own overdue customers only.
    login(SALES)
    assert _links(client.get("/analytics/overdue").get_data(as_text=True)) == [ten, seventy]


@pytest.mark.plugins("sales", "analytics")
def test_overdue_list_needs_the_permission(app, client, login, make_user):
    make_user("clerk@example.com", permissions=["customers.view"])
    login("clerk@example.com")
    assert client.get("/analytics/overdue").status_code == 403


def _classes(snapshot_id):
    from plugins.analytics.models import CustomerFigures

    return dict(db.session.execute(sa.select(CustomerFigures.customer_id, CustomerFigures.rfm_class)
                                   .where(CustomerFigures.snapshot_id == snapshot_id)).all())


@pytest.mark.plugins("sales", "analytics")
def test_movement_between_classes_since_the_previous_snapshot(app, client, login, make_user):
    from plugins.analytics.compute import recompute
    from plugins.analytics.models import latest_snapshot

    with app.app_context():
        ids = _overdue_data(make_user)
        login()
        html = client.get("/analytics/").get_data(as_text=True)
        assert "The movement appears after the next recomputation" in html
        first = latest_snapshot().id
        # Two months later: two customers bought again, one newcomer; the rest did nothing.
        later = AS_OF + timedelta(days=60)
        buy(ids[2], later - timedelta(days=3), "300.00")
        buy(ids[3], later - timedelta(days=1), "80.00")
        newcomer = customer("Νέος πελάτης")
        buy(newcomer, later - timedelta(days=2), "45.00")
        db.session.commit()
        recompute(as_of=later.isoformat())
        second = latest_snapshot().id
        before, after = _classes(first), _classes(second)
    want = Counter((before.get(c), after[c]) for c in after)
    stayed = sum(n for (old, new), n in want.items() if old == new)
    moves = {(old, new): n for (old, new), n in want.items() if old != new}
    assert moves and (None, after[newcomer]) in moves  # the data does move
    html = client.get("/analytics/").get_data(as_text=True)
    assert "Since the figures of Jun 30, 2026." in html
    assert f"{stayed} customer" in html
    table = re.search(r'<table class="table table-sm align-middle mb-0 js-movement">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r'<tr data-from="(\w*)" data-to="(\w+)">.*?<td class="text-end num">(\d+)</td>', table, re.S)
    assert {(old or None, new): int(n) for old, new, n in rows} == moves
    assert "New customer" in table


@pytest.mark.plugins("sales", "analytics")
def test_movement_counts_only_the_salespersons_customers(app, client, login, make_user):
    from plugins.analytics.compute import recompute

    with app.app_context():
        _overdue_data(make_user)
        recompute(as_of=(AS_OF + timedelta(days=90)).isoformat())
    login(SALES)
    html = client.get("/analytics/").get_data(as_text=True)
    table = re.search(r'js-movement">(.*?)</table>', html, re.S)
    counted = sum(int(n) for n in re.findall(r'<td class="text-end num">(\d+)</td>', table.group(1))) if table else 0
    kept = int(re.search(r"(\d+) customers? kept their class", html).group(1))
    assert counted + kept == 2  # their two customers, not four
