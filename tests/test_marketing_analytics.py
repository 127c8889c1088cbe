"""Marketing with analytics: "RFM class is" and "probability alive below" through the
``segment_criteria`` hook (analytics never imports marketing), over the latest snapshot."""
from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import db

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins" / "marketing" / "tests"))
sys.path.insert(0, str(ROOT / "plugins" / "analytics" / "tests"))
from analytics_testdata import buy  # noqa: E402
from marketing_testdata import crit, customer, rules  # noqa: E402

pytestmark = pytest.mark.plugins("marketing", "sales", "analytics")

AS_OF = date(2026, 6, 30)


@pytest.fixture
def figures(app):
    """Customers with different histories, one who never bought, and a computed snapshot."""
    with app.app_context():
        ids = []
        for i, (every, last, times) in enumerate(((7, 3, 8), (30, 200, 3), (10, 15, 5), (60, 400, 2), (5, 1, 2),
                                                  (20, 90, 4))):
            cid = customer(f"Πελάτης {i} · לקוח").id
            for k in range(times):
                buy(cid, AS_OF - timedelta(days=last + every * k), f"{20 + 10 * i}.00")
            ids.append(cid)
        never = customer("Never bought").id
        db.session.commit()
        from plugins.analytics.compute import recompute

        recompute(as_of=AS_OF.isoformat())
    return ids, never


def _count(app, tree):
    from plugins.marketing.segments import clean_rules, count_rules

    with app.test_request_context():
        return count_rules(db.session, clean_rules(tree))


def _latest(app):
    from plugins.analytics.models import CustomerFigures, latest_snapshot

    with app.app_context():
        sid = latest_snapshot().id
        return db.session.execute(sa.select(CustomerFigures.customer_id, CustomerFigures.rfm_class,
                                            CustomerFigures.p_alive)
                                  .where(CustomerFigures.snapshot_id == sid)).all()


def test_rfm_class_and_probability_alive_criteria_count_the_latest_snapshot(app, figures):
    rows = _latest(app)
    assert len(rows) == 6 and all(p is not None for _c, _k, p in rows)
    for key in {k for _c, k, _p in rows} | {"champions", "lost"}:
        want = sum(1 for _c, k, _p in rows if k == key)
        assert _count(app, rules(crit("analytics.rfm_class", rfm_class=key))) == want, key
    for percent in ("10", "50", "90", "100"):
        want = sum(1 for _c, _k, p in rows if p < int(percent) / 100)
        assert _count(app, rules(crit("analytics.alive_below", percent=percent))) == want, percent
    # Never bought: no figures, so not "below" anything; the negated criterion reaches them.
    _ids, never = figures
    with app.app_context():
        others = db.session.execute(sa.text("select id from core_customer")).scalars().all()
    assert never in others
    assert _count(app, rules({**crit("analytics.alive_below", percent="100"), "negate": True})) == len(others) - 6


def test_a_segment_follows_the_next_snapshot(app, figures):
    from plugins.analytics.compute import recompute

    before = {c: k for c, k, _p in _latest(app)}
    champions = sum(1 for k in before.values() if k == "champions")
    with app.app_context():
        recompute(as_of=(AS_OF + timedelta(days=365)).isoformat())  # a year of silence
    after = {c: k for c, k, _p in _latest(app)}
    assert _count(app, rules(crit("analytics.rfm_class", rfm_class="champions"))) == sum(
        1 for k in after.values() if k == "champions")
    assert after != before or champions == 0


def test_criteria_are_offered_only_while_analytics_is_enabled(app, figures):
    from core.plugin_ops import disable_plugin
    from plugins.marketing.criteria import available_criteria

    with app.test_request_context():
        found = available_criteria()
        assert {"analytics.rfm_class", "analytics.alive_below"} <= set(found)
        choices = dict(found["analytics.rfm_class"].params[0].choices)
        assert choices["champions"] == "Champions" and choices["cant_lose"]
    with app.app_context():
        disable_plugin("analytics")
        db.session.commit()
    with app.test_request_context():
        keys = set(available_criteria())
        assert "analytics.rfm_class" not in keys and "sales.total_spent" in keys


def test_analytics_cluster_criterion_counts_each_cluster_of_the_latest_snapshot(app):
    """"Analytics cluster is N": offered with each cluster's generated description, counts its members."""
    from plugins.analytics.compute import recompute
    from plugins.analytics.models import CustomerFigures, latest_snapshot
    from plugins.marketing.criteria import available_criteria

    with app.app_context():
        for i in range(12):  # two kinds of buyers, enough to cluster (clusters.MIN_CUSTOMERS)
            cid = customer(f"Κλάστερ {i}").id
            for k in range(6 if i % 2 else 1):
                buy(cid, AS_OF - timedelta(days=(3 if i % 2 else 300) + 20 * k), "300.00" if i % 2 else "10.00")
        db.session.commit()
        recompute(as_of=AS_OF.isoformat())
        sid = latest_snapshot().id
        members = db.session.execute(sa.select(CustomerFigures.cluster, sa.func.count())
                                     .where(CustomerFigures.snapshot_id == sid)
                                     .group_by(CustomerFigures.cluster)).all()
    members = dict(members)
    assert None not in members and members.get(1) == 6        # the frequent big buyers are cluster 1
    with app.test_request_context():
        choices = dict(available_criteria()["analytics.cluster"].params[0].choices)
    assert set(choices) == {str(n) for n in members}
    # Each choice names its cluster and says what it is (clusters.describe); the two differ.
    assert choices["1"].startswith("Cluster 1: ") and choices["2"].startswith("Cluster 2: ")
    assert "buy" in choices["1"] and choices["1"][10:] != choices["2"][10:]
    for number, count in members.items():
        assert _count(app, rules(crit("analytics.cluster", cluster=str(number)))) == count
    with app.test_request_context():
        from plugins.marketing.segments import clean_rules

        with pytest.raises(Exception):
            clean_rules(rules(crit("analytics.cluster", cluster="99")))   # not a cluster of this snapshot
