"""The snapshot's per-owner counts (owner_counts.py): the overview, the clusters page, the classes
and clusters API and retention read them, and must say exactly what counting live says —
checked by rendering each page from the counts and again with the snapshot marked as having
none (the live path), as admin and as each salesperson, before and after a customer changes
hands and after a second run (movement between classes). The record rule on the new rows: a
salesperson's figures are their own customers' only."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from core.db import db

from analytics_testdata import buy, customer

S1, S2, BOSS = "s1@example.com", "s2@example.com", "boss@example.com"
AS_OF = date(2026, 7, 15)

# customer → (owner, purchase days): a spread of classes, clusters and periods (2025-Q4 … 2026-Q3).
HISTORY = {
    "a1": (S1, [(2025, 11, 3), (2026, 1, 10), (2026, 5, 5), (2026, 7, 1)]),
    "a2": (S1, [(2026, 2, 1), (2026, 3, 3)]),
    "a3": (S1, [(2026, 3, 31), (2026, 4, 1), (2026, 6, 2)]),
    "a4": (S1, [(2026, 5, 20)]),
    "a5": (S1, [(2025, 12, 30), (2026, 7, 14)]),
    "b1": (S2, [(2026, 1, 15), (2026, 6, 30)]),
    "b2": (S2, [(2026, 2, 20), (2026, 7, 1)]),
    "b3": (S2, [(2025, 12, 31), (2026, 5, 1)]),
    "b4": (S2, [(2025, 10, 5), (2025, 11, 5), (2025, 12, 5), (2026, 1, 5), (2026, 2, 5)]),
    "n1": (None, [(2026, 3, 1)]),
    "n2": (None, [(2025, 10, 20), (2026, 4, 20), (2026, 6, 20)]),
    "n3": (None, [(2026, 1, 2), (2026, 1, 20), (2026, 2, 9)]),
}
PERIODS = [("2026-Q2", None), ("2026-Q1", None), ("2026-Q3", None), ("2026", "2025"), ("2026-06", "2026-01"),
           ("2026-Q2", "2025-12"), ("2026-07", "2026-Q1"), ("2026-Q1", "2025-Q4")]


def _seed(app, make_user):
    make_user(S1, permissions=["analytics.view", "customers.view"], name="Ρένα Σαλέα")
    make_user(S2, permissions=["analytics.view", "customers.view"], name="שרה כהן")
    make_user(BOSS, permissions=["analytics.view", "analytics.manager", "customers.view"])
    with app.app_context():
        ids = {}
        for key, (owner, days) in HISTORY.items():
            ids[key] = customer(key, owner_email=owner)
            for n, (y, m, d) in enumerate(days):
                buy(ids[key], date(y, m, d), f"{20 + 7 * n}.00")
        buy(ids["n1"], date(2026, 7, 20), "15.00")     # after the snapshot date: not in its counts
        db.session.commit()
        from plugins.analytics.compute import recompute

        recompute(as_of=AS_OF.isoformat())
        from core.auth.models import User

        users = dict(db.session.execute(sa.select(User.email, User.id)).all())
    return ids, users


def _normal(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def _retention_table(html: str) -> str:
    found = re.search(r'<table class="table table-sm align-middle js-retention">.*?</table>', html, flags=re.S)
    return found.group(0) if found else "(no table)"


def _use_counts(app, on: bool):
    with app.app_context():
        from plugins.analytics.models import latest_snapshot

        latest_snapshot().owner_counts = on
        db.session.commit()


def _views(client, login, token_for, email):
    """What ``email`` sees on every page that reads the counts (pages' HTML, the API's JSON)."""
    login(email)
    headers = token_for(email)
    seen = {url: _normal(client.get(url).get_data(as_text=True)) for url in ("/analytics/", "/analytics/clusters")}
    for url in ("/api/v1/analytics/classes", "/api/v1/analytics/clusters"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        seen[url] = response.get_json()
    for current, previous in PERIODS:
        url = f"/analytics/retention?period={current}" + (f"&previous={previous}" if previous else "")
        seen[url] = _retention_table(client.get(url).get_data(as_text=True))
    return seen


def _same_as_live(app, client, login, token_for):
    """Every user's views from the counts equal their views counted live; returns the former."""
    from_counts = {who: _views(client, login, token_for, who) for who in (BOSS, S1, S2)}
    _use_counts(app, False)
    try:
        live = {who: _views(client, login, token_for, who) for who in (BOSS, S1, S2)}
    finally:
        _use_counts(app, True)
    for who in from_counts:
        for url, seen in from_counts[who].items():
            if "/retention" not in url:
                assert seen == live[who][url], (who, url)
    return from_counts, live


@pytest.mark.plugins("sales", "analytics")
def test_pages_from_the_counts_say_what_counting_live_says(app, client, login, make_user, token_for):
    ids, users = _seed(app, make_user)
    with app.app_context():
        from plugins.analytics.models import OwnerCount, RetentionCount, latest_snapshot

        snap = latest_snapshot()
        assert snap.owner_counts and snap.counted_against is None          # the first run: nothing before
        assert db.session.execute(sa.select(sa.func.sum(OwnerCount.customers))).scalar() == len(HISTORY)
        assert db.session.execute(sa.select(sa.func.count(RetentionCount.id))).scalar() > 0
    from_counts, live = _same_as_live(app, client, login, token_for)
    # Retention: the counts stop at the snapshot date (n1's order of 20 July is not in them; live, it is).
    for who in from_counts:
        for url, table in from_counts[who].items():
            if "/retention" in url and "2026-07" not in url and "2026-Q3" not in url and url[-4:] != "2025":
                assert table == live[who][url], (who, url)
    july = "/analytics/retention?period=2026-07&previous=2026-Q1"      # n1: bought in March, again 20 July
    assert from_counts[BOSS][july] != live[BOSS][july]
    # By hand, Q2 against Q1: S1's a1, a2, a3 bought in Q1, a1 and a3 again; S2's b1, b2, b4 → none of
    # them in Q2 (b3 bought in Q2 but not in Q1); nobody's n1, n3 → n1 not, n3 not.
    html = from_counts[BOSS]["/analytics/retention?period=2026-Q2"]
    assert re.findall(r'<tr data-owner="(\d*)">', html) == [str(users[S1]), str(users[S2]), ""]
    assert ">3</td>" in html and ">2</td>" in html and "67%" in html


@pytest.mark.plugins("sales", "analytics")
def test_a_salesperson_sees_their_own_customers_counts_only(app, client, login, make_user, token_for):
    ids, users = _seed(app, make_user)
    from_counts, _live = _same_as_live(app, client, login, token_for)
    s1_classes = from_counts[S1]["/api/v1/analytics/classes"]
    boss_classes = from_counts[BOSS]["/api/v1/analytics/classes"]
    mine = [k for k, (owner, _days) in HISTORY.items() if owner == S1]
    assert sum(c["customers"] for c in s1_classes["classes"]) == len(mine)
    assert sum(c["customers"] for c in boss_classes["classes"]) == len(HISTORY)
    own = {c["number"]: c["own_customers"] for c in from_counts[S1]["/api/v1/analytics/clusters"]["clusters"]}
    assert sum(n or 0 for n in own.values()) == len(mine)
    # Retention: S1's own row only, whichever periods.
    for url, table in from_counts[S1].items():
        if "/retention" in url:
            assert set(re.findall(r'<tr data-owner="(\d*)">', table)) <= {str(users[S1])}, url
    with app.app_context():
        from flask_login import login_user

        from core.auth.models import User
        from plugins.analytics import owner_counts
        from plugins.analytics.models import latest_snapshot

        with app.test_request_context():
            login_user(db.session.get(User, users[S2]))
            snap = latest_snapshot()
            assert sum(owner_counts.class_counts(snap).values()) == 4
            assert sum(owner_counts.cluster_counts(snap).values()) == 4


@pytest.mark.plugins("sales", "analytics")
def test_counts_follow_a_customer_to_their_new_owner_and_the_next_run(app, client, login, make_user, run_jobs, token_for):
    from core.customers.models import Customer
    from core.customers.service import update_customer

    ids, users = _seed(app, make_user)
    with app.app_context():
        update_customer(db.session.get(Customer, ids["a1"]), {"owner_id": users[S2]})   # S1 → S2
        update_customer(db.session.get(Customer, ids["n2"]), {"owner_id": users[S1]})   # nobody → S1
        update_customer(db.session.get(Customer, ids["b4"]), {"owner_id": None})        # S2 → nobody
        db.session.commit()
    run_jobs()  # event deliveries: customer_updated moves the figures and the counts
    from_counts, live = _same_as_live(app, client, login, token_for)
    q2 = "/analytics/retention?period=2026-Q2"
    assert from_counts[BOSS][q2] == live[BOSS][q2]
    assert from_counts[S2]["/analytics/retention?period=2026-Q1&previous=2025-Q4"] == \
        live[S2]["/analytics/retention?period=2026-Q1&previous=2025-Q4"]
    with app.app_context():
        from plugins.analytics.compute import recompute
        from plugins.analytics.models import OwnerCount, latest_snapshot

        assert db.session.execute(sa.select(sa.func.min(OwnerCount.customers))).scalar() >= 1   # emptied rows go
        buy(ids["a4"], date(2026, 8, 1), "90.00")
        db.session.commit()
        first = latest_snapshot().id
        recompute(as_of="2026-08-10")
        assert latest_snapshot().counted_against == first       # the movement is counted against the first run
    from_counts, live = _same_as_live(app, client, login, token_for)
    assert "js-movement" in from_counts[BOSS]["/analytics/"] or "Movement" in from_counts[BOSS]["/analytics/"]
    for who in from_counts:
        for url, table in from_counts[who].items():
            if "/retention" in url:
                assert table == live[who][url], (who, url)   # every order is before the second snapshot date


def test_period_pairs_in_python_match_the_rule():
    from plugins.analytics.owner_counts import period_pairs

    jan, apr = 2026 * 12, 2026 * 12 + 3
    pairs = set(period_pairs({jan, apr}))
    assert (jan, 1, jan, 1) in pairs and (jan, 3, apr, 3) in pairs and (jan, 1, apr, 3) in pairs
    assert (jan, 12, jan, 12) in pairs and (jan, 3, jan, 12) not in pairs     # overlapping: never
    assert (apr, 1, jan, 1) not in pairs                                       # later → earlier: never
    assert len(pairs) == 5 + 4   # 5 periods (2 months, 2 quarters, 1 year) with themselves; 4 in order


def test_the_jobs_sparse_pair_counts_match_the_rule_per_customer():
    """The job counts pairs as a sparse product per owner; the same counts, customer by customer,
    from ``period_pairs`` (what a reassignment moves): random purchases over six years."""
    from collections import Counter

    import numpy as np

    from plugins.analytics.owner_counts import _pair_counts, period_pairs

    rng = np.random.default_rng(12)
    customers = rng.integers(0, 80, 600)
    months = rng.integers(2020 * 12, 2026 * 12, 600)
    owners = np.where(customers % 3 == 0, -1, customers % 3 + 10)      # -1: no owner
    expected = Counter()
    for c in np.unique(customers):
        owner = None if c % 3 == 0 else int(c % 3 + 10)
        for key in period_pairs({int(m) for m in months[customers == c]}):
            expected[(owner, *key)] += 1
    got = {row[:5]: row[5] for row in _pair_counts(customers, months, owners)}
    assert got == dict(expected) and len(got) > 500
