"""Customer clusters: k-means over RFM scores and profile attributes recovers planted groups,
profiles and descriptions on the page (English, Hebrew), the salesperson's own counts, and
marketing's "analytics cluster is" criterion."""
import random
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from core.db import db

from analytics_testdata import buy, customer

AS_OF = date(2026, 6, 30)
SALES = "sales@example.com"

# Three planted groups, far apart in every attribute and in their purchases:
# (gender, birth year, income band, purpose, orders, days before AS_OF of the last one, amount)
GROUPS = {
    "A": ("female", 1996, "high", "Gifts", 6, 5, 400),
    "B": ("male", 1966, "low", "Repairs", 1, 300, 15),
    "C": ("male", 1986, "middle", "Office supplies", 2, 60, 80),
}
PER_GROUP = 12


def _seed(app, owner_email=None):
    rng = random.Random(7)
    planted = {}
    with app.app_context():
        for group, (gender, born, income, purpose, orders, last, amount) in GROUPS.items():
            for i in range(PER_GROUP):
                cid = customer(f"{group}{i} Πελάτης", owner_email=owner_email if i < 3 else None)
                from core.customers.models import Customer

                c = db.session.get(Customer, cid)
                c.gender, c.income_band = gender, income
                c.birth_date = date(born + rng.randint(0, 4), rng.randint(1, 12), rng.randint(1, 28))
                # Purpose as people type it: case and spacing vary, it is one purpose.
                c.purchase_purpose = purpose if i % 3 else f"  {purpose.upper()} "
                for k in range(orders):
                    day = AS_OF - timedelta(days=last + rng.randint(0, 4) + 25 * k)
                    buy(cid, day, f"{amount + rng.randint(0, amount // 5)}.00")
                planted[cid] = group
        # Someone with no attributes at all and one purchase still gets a cluster.
        blank = customer("No profile")
        buy(blank, AS_OF - timedelta(days=100), "50.00")
        db.session.commit()
        from plugins.analytics.compute import recompute

        recompute(as_of=AS_OF.isoformat())
    return planted, blank


def _figures(app):
    from plugins.analytics.models import Cluster, CustomerFigures, latest_snapshot

    with app.app_context():
        sid = latest_snapshot().id
        labels = dict(db.session.execute(sa.select(CustomerFigures.customer_id, CustomerFigures.cluster)
                                         .where(CustomerFigures.snapshot_id == sid)).all())
        clusters = db.session.execute(sa.select(Cluster).where(Cluster.snapshot_id == sid)
                                      .order_by(Cluster.number)).scalars().all()
        db.session.expunge_all()
    return labels, clusters


@pytest.mark.plugins("sales", "analytics")
def test_clustering_recovers_the_planted_groups(app):
    planted, blank = _seed(app)
    labels, clusters = _figures(app)
    assert labels[blank] is not None
    # Every planted group lands in one cluster of its own (k chosen by silhouette, not told).
    by_group = {g: {labels[cid] for cid, pg in planted.items() if pg == g} for g in GROUPS}
    assert all(len(found) == 1 for found in by_group.values()), by_group
    assert len({next(iter(found)) for found in by_group.values()}) == 3
    # Numbered by value: the frequent big spenders are cluster 1, the one-off small buyers last.
    assert by_group["A"] == {1} and by_group["C"] == {2} and by_group["B"] == {3}
    assert len(clusters) in (3, 4)
    assert sum(c.customers for c in clusters) == len(planted) + 1
    first = clusters[0]
    in_a = [cid for cid, g in planted.items() if g == "A"]
    assert first.customers == len(in_a) + (labels[blank] == 1)
    assert first.profile["gender"]["value"] == "female" and first.profile["income_band"]["value"] == "high"
    assert first.profile["age_band"]["value"] == "25_34"
    assert first.profile["purpose"]["value"] == "Gifts"   # the spelling most people typed, case-blind
    assert first.mean_f >= 4 and first.mean_r > 3.5
    third = next(c for c in clusters if c.number == 3)
    assert third.profile["gender"]["value"] == "male" and third.profile["age_band"]["value"] == "55_64"
    assert third.mean_r < 2 and third.mean_f < 2.5


@pytest.mark.plugins("sales", "analytics")
def test_same_data_same_clusters(app):
    """Fixed seed: the nightly run on unchanged data does not reshuffle customers."""
    from plugins.analytics.compute import recompute

    _seed(app)
    before, _c = _figures(app)
    with app.app_context():
        recompute(as_of=AS_OF.isoformat())
    after, _c = _figures(app)
    assert before == after


def test_kmeans_recovers_planted_blobs_and_silhouette_picks_their_number():
    from plugins.analytics.clusters import choose_k, kmeans, silhouette

    rng = np.random.default_rng(3)
    centres = np.array([[0, 0, 0], [6, 0, 0], [0, 6, 0], [0, 0, 6]], dtype=float)
    truth = np.repeat(np.arange(4), 150)
    data = centres[truth] + rng.normal(scale=0.7, size=(600, 3))
    assert choose_k(data) == 4
    labels = kmeans(data, 4)
    # Each planted blob is one cluster (up to renaming): the contingency table is a permutation.
    table = np.zeros((4, 4), int)
    np.add.at(table, (truth, labels), 1)
    assert sorted(table.max(axis=1)) == [150] * 4 and (table > 0).sum() == 4
    # Silhouette: two tight far groups score near 1, a random split of one group near 0 or below.
    pair = np.array([[0.0], [0.1], [10.0], [10.1]])
    assert silhouette(pair, np.array([0, 0, 1, 1])) == pytest.approx(1 - 0.1 / 10.0, abs=0.01)
    assert silhouette(data[truth == 0], rng.integers(0, 2, 150)) < 0.1


def test_kmeans_past_the_fit_sample_assigns_everyone_to_the_planted_blobs():
    """Beyond FIT_SAMPLE customers the centroids come from a sample; everyone is still assigned right."""
    from plugins.analytics.clusters import FIT_SAMPLE, kmeans

    rng = np.random.default_rng(5)
    n = FIT_SAMPLE + 10_000
    centres = np.array([[0, 0], [5, 0], [0, 5]], dtype=float)
    truth = rng.integers(0, 3, n)
    data = centres[truth] + rng.normal(scale=0.6, size=(n, 2))
    labels = kmeans(data, 3)
    table = np.zeros((3, 3), int)
    np.add.at(table, (truth, labels), 1)
    # Blobs 5 apart with spread 0.6 overlap for a handful of points only (beyond 4 standard deviations).
    assert table.max(axis=1).sum() >= n - 20 and (table.max(axis=1) > 0).all()
    assert len({int(np.argmax(row)) for row in table}) == 3


def test_age_bands_at_the_snapshot_date():
    from plugins.analytics.clusters import age_band

    assert age_band(date(2001, 7, 1), AS_OF) == "under_25"      # 24 until tomorrow
    assert age_band(date(2001, 6, 30), AS_OF) == "25_34"        # 25 today
    assert age_band(date(1961, 6, 30), AS_OF) == "65_plus"
    assert age_band(None, AS_OF) is None


@pytest.mark.plugins("sales", "analytics")
def test_clusters_page_in_english_and_hebrew(app, client, login, make_user):
    make_user(SALES, permissions=["analytics.view", "customers.view"])
    planted, _blank = _seed(app, owner_email=SALES)
    labels, clusters = _figures(app)
    login()
    html = client.get("/analytics/clusters").get_data(as_text=True)
    assert "Jun 30, 2026" in html and "Customer clusters" in html
    assert 'data-cluster="1"' in html and 'data-cluster="3"' in html
    assert "bought recently, buy often, spend a lot, mostly women, mostly aged 25–34, mostly high income, " \
           "mostly buying for “Gifts”" in html
    assert "have not bought for a long time, buy rarely, spend little, mostly men, mostly aged 55–64" in html
    assert "Your customers" not in html                       # the manager sees the whole base
    # A salesperson: the same profiles, plus how many of their own customers each holds (3 per group).
    client.post("/logout")
    login(SALES)
    html = client.get("/analytics/clusters").get_data(as_text=True)
    assert "Your customers" in html
    own = {n: sum(1 for cid, g in planted.items() if labels[cid] == n and int(cid) in _owned(app)) for n in (1, 2, 3)}
    assert own == {1: 3, 2: 3, 3: 3}
    for n in (1, 2, 3):
        section = html.split(f'data-cluster="{n}"')[1]
        assert 'js-own">3<' in section.split("</section>")[0]
    client.post("/logout")
    login()
    client.post("/language", data={"lang": "he", "next": "/"})
    html = client.get("/analytics/clusters").get_data(as_text=True)
    assert "אשכול" in html and "בעיקר נשים" in html and "Customers" not in html.split("<main")[1]


def _owned(app):
    from core.auth.models import User
    from core.customers.models import Customer

    with app.app_context():
        uid = db.session.execute(sa.select(User.id).where(User.email == SALES)).scalar_one()
        return set(db.session.execute(sa.select(Customer.id).where(Customer.owner_id == uid)).scalars())


@pytest.mark.plugins("sales", "analytics")
def test_clusters_page_needs_the_permission(app, client, login, make_user):
    make_user("nobody@example.com", permissions=["customers.view"])
    login("nobody@example.com")
    assert client.get("/analytics/clusters").status_code == 403


# -- /api/v1/analytics/clusters and the customer's cluster in the figures document -----------------

API = "/api/v1/analytics"


@pytest.mark.plugins("sales", "analytics")
def test_clusters_api_gives_the_pages_profiles(app, client, make_user, token_for):
    make_user(SALES, permissions=["analytics.view", "customers.view"])
    assert client.get(f"{API}/clusters", headers=token_for("admin@example.com")).get_json() == {
        "snapshot": None, "customers": 0, "clusters": []}          # before the first run
    planted, blank = _seed(app, owner_email=SALES)
    labels, clusters = _figures(app)
    body = client.get(f"{API}/clusters", headers=token_for("admin@example.com")).get_json()
    assert body["snapshot"]["as_of"] == AS_OF.isoformat()
    assert body["customers"] == len(planted) + 1 == sum(c.customers for c in clusters)
    assert [c["number"] for c in body["clusters"]] == [c.number for c in clusters]
    first = body["clusters"][0]
    assert first["customers"] == clusters[0].customers and first["own_customers"] is None  # the manager
    assert first["share"] == pytest.approx(clusters[0].customers / body["customers"])
    assert first["description"] == ("bought recently, buy often, spend a lot, mostly women, mostly aged 25–34, "
                                    "mostly high income, mostly buying for “Gifts”")
    assert first["phrases"][0] == "bought recently"
    assert first["profile"]["gender"] == {"value": "female", "label": "Female", "share": 1.0}
    assert first["profile"]["purpose"]["value"] == "Gifts"
    assert Decimal(first["mean_revenue"]) == clusters[0].mean_revenue
    # The salesperson: the same profiles, and how many of their own customers each holds (3 per group).
    mine = client.get(f"{API}/clusters", headers=token_for(SALES)).get_json()
    assert [c["description"] for c in mine["clusters"]] == [c["description"] for c in body["clusters"]]
    assert {c["number"]: c["own_customers"] for c in mine["clusters"]} == {1: 3, 2: 3, 3: 3}


@pytest.mark.plugins("sales", "analytics")
def test_clusters_api_in_hebrew_and_permission(app, client, make_user, token_for):
    make_user("nobody@example.com", permissions=["customers.view"])
    _seed(app)
    assert client.get(f"{API}/clusters", headers=token_for("nobody@example.com")).status_code == 403
    assert client.get(f"{API}/clusters").status_code == 401
    body = client.get(f"{API}/clusters", headers={**token_for("admin@example.com"), "Accept-Language": "he"}).get_json()
    first = body["clusters"][0]
    assert "בעיקר נשים" in first["description"] and first["profile"]["gender"]["label"] != "Female"


@pytest.mark.plugins("sales", "analytics")
def test_customer_figures_name_the_cluster_and_lists_filter_by_it(app, client, make_user, token_for):
    make_user(SALES, permissions=["analytics.view", "customers.view"])
    planted, _blank = _seed(app, owner_email=SALES)
    labels, clusters = _figures(app)
    owned = _owned(app)
    mine = next(cid for cid in planted if cid in owned)
    other = next(cid for cid in planted if cid not in owned)
    doc = client.get(f"{API}/customers/{mine}", headers=token_for(SALES)).get_json()
    assert doc["cluster"] == labels[mine]
    profile = doc["cluster_profile"]
    assert profile["number"] == labels[mine] and "own_customers" not in profile
    assert profile["description"] and set(profile["profile"]) == {"gender", "age_band", "income_band", "purpose"}
    # Another salesperson's customer stays hidden, cluster and all.
    assert client.get(f"{API}/customers/{other}", headers=token_for(SALES)).status_code == 404
    # The list: `cluster` filters, and the record rule still holds (3 own customers per cluster).
    for number in (1, 2, 3):
        admin = client.get(f"{API}/customers?limit=200&cluster={number}",
                           headers=token_for("admin@example.com")).get_json()["items"]
        assert sorted(i["customer_id"] for i in admin) == sorted(c for c, n in labels.items() if n == number)
        assert all(i["cluster"] == number and "cluster_profile" not in i for i in admin)
        own = client.get(f"{API}/customers?limit=200&cluster={number}", headers=token_for(SALES)).get_json()["items"]
        assert len(own) == 3 and {i["customer_id"] for i in own} <= owned


@pytest.mark.plugins("sales", "analytics")
@pytest.mark.parametrize("query", ["cluster=abc", "cluster=0", "cluster=1.5", "cluster=101", "cluster="])
def test_cluster_filter_wrong_types_are_422(app, client, token_for, query):
    from plugins.analytics.compute import recompute

    with app.app_context():
        recompute()
    response = client.get(f"{API}/customers?{query}", headers=token_for("admin@example.com"))
    assert response.status_code == 422, response.get_data(as_text=True)
