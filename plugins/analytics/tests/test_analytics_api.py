"""``/api/v1/analytics/``: the customer figures list (keyset pages, filters, record rule), RFM
classes and movement, demand forecasts (managers only), the user's "Today" suggestions; wrong
types are 422, never 500."""
from collections import Counter

import pytest
import sqlalchemy as sa

from core.db import db

from analytics_testdata import SALES, today_world

pytestmark = pytest.mark.plugins("sales", "analytics")
API = "/api/v1/analytics"


def _figures(app, **where):
    from plugins.analytics.models import CustomerFigures, latest_snapshot

    with app.app_context():
        stmt = sa.select(CustomerFigures).where(CustomerFigures.snapshot_id == latest_snapshot().id)
        for key, value in where.items():
            stmt = stmt.where(getattr(CustomerFigures, key) == value)
        return {f.customer_id: f.rfm_class for f in db.session.execute(stmt).scalars()}


def _walk(client, headers, query=""):
    """Every item of the list, page by page (2 a page); the number of pages."""
    items, cursor, pages = [], None, 0
    while True:
        url = f"{API}/customers?limit=2{query}" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages, body


def test_customer_figures_list_pages_filters_and_record_rule(app, client, make_user, token_for):
    w = today_world(app, make_user)
    admin, sales = token_for("admin@example.com"), token_for(SALES)
    everyone = _figures(app)
    items, pages, body = _walk(client, admin)
    assert [i["customer_id"] for i in items] == sorted(everyone) and pages == -(-len(everyone) // 2)
    assert body["snapshot"]["as_of"] == w["today"].isoformat() and body["horizon_days"] == 90
    first = items[0]
    assert {"rfm_class", "p_alive", "expected_value", "overdue_days", "revenue"} <= set(first)
    assert "snapshot" not in first
    # The salesperson's own customers only (figures' owner).
    own = _figures(app, owner_id=_user(app, SALES))
    assert [i["customer_id"] for i in _walk(client, sales)[0]] == sorted(own)
    assert set(own) == {w["overdue"], w["falling"], w["falling_small"], w["steady"]}
    # Filters: overdue, and an RFM class.
    late = sorted(c for c, days in _overdue_days(app).items() if days is not None)
    assert {w["overdue"], w["overdue_other"]} <= set(late) and w["steady"] not in late
    assert [i["customer_id"] for i in _walk(client, admin, "&overdue=true")[0]] == late
    assert [i["customer_id"] for i in _walk(client, sales, "&overdue=true")[0]] == [w["overdue"]]
    assert w["overdue"] not in {i["customer_id"] for i in _walk(client, admin, "&overdue=false")[0]}
    some_class = everyone[w["steady"]]
    assert [i["customer_id"] for i in _walk(client, admin, f"&rfm_class={some_class}")[0]] == sorted(
        c for c, k in everyone.items() if k == some_class)


def _overdue_days(app):
    from plugins.analytics.models import CustomerFigures, latest_snapshot

    with app.app_context():
        return dict(db.session.execute(sa.select(CustomerFigures.customer_id, CustomerFigures.overdue_days)
                                       .where(CustomerFigures.snapshot_id == latest_snapshot().id)).all())


def _user(app, email):
    from analytics_testdata import user_id

    with app.app_context():
        return user_id(email)


@pytest.mark.parametrize("query", ["limit=abc", "limit=0", "limit=201", "rfm_class=royalty", "overdue=maybe",
                                   "cursor=garbage", "cursor=WyJ4Il0"])
def test_wrong_types_are_422(app, client, token_for, query):
    from plugins.analytics.compute import recompute

    with app.app_context():
        recompute()  # an empty snapshot is enough: the arguments are checked first
    response = client.get(f"{API}/customers?{query}", headers=token_for("admin@example.com"))
    assert response.status_code == 422, response.get_data(as_text=True)


def test_classes_and_movement(app, client, make_user, token_for):
    today_world(app, make_user)
    body = client.get(f"{API}/classes", headers=token_for("admin@example.com")).get_json()
    counts = Counter(_figures(app).values())
    assert {c["rfm_class"]: c["customers"] for c in body["classes"] if c["customers"]} == dict(counts)
    assert all(c["label"] for c in body["classes"])
    assert body["previous_snapshot"]["id"] < body["snapshot"]["id"]
    assert sum(m["customers"] for m in body["moves"]) + body["stayed"] == sum(counts.values())
    mine = client.get(f"{API}/classes", headers=token_for(SALES)).get_json()
    assert sum(c["customers"] for c in mine["classes"]) == 4  # overdue, falling, falling_small, steady
    assert sum(m["customers"] for m in mine["moves"]) + mine["stayed"] == 4


def test_forecasts_for_managers_only(app, client, make_user, token_for):
    from plugins.analytics.demand import demand_for
    from plugins.analytics.models import latest_snapshot

    today_world(app, make_user)
    body = client.get(f"{API}/forecasts", headers=token_for("admin@example.com")).get_json()
    with app.app_context():
        snapshot = latest_snapshot()
        rows = demand_for(snapshot)
        bands = snapshot.demand_bands
    assert [b["band"] for b in body["bands"]] == [b["band"] for b in bands] and body["interval"] == 0.95
    for band in body["bands"]:
        got = [(m["month"], m["units"], m["forecast"]) for m in band["months"]]
        assert got == [(r.month.isoformat(), r.units, r.forecast) for r in rows[band["band"]]]
        assert band["label"]
    assert client.get(f"{API}/forecasts", headers=token_for(SALES)).status_code == 403
    assert client.get(f"{API}/forecasts").status_code == 401


def test_today_suggestions_for_the_token_user(app, client, make_user, token_for):
    w = today_world(app, make_user)
    body = client.get(f"{API}/today", headers=token_for(SALES)).get_json()
    assert [(i["kind"], i["customer_id"]) for i in body["items"]] == [
        ("overdue", w["overdue"]), ("falling", w["falling"]), ("crosssell", w["quoted"])]
    overdue, _falling, cross = body["items"]
    assert overdue["reason"] == "Usually buys every 20 days; last order 30 days ago."
    assert overdue["scheduled"] is None and overdue["customer_name"] == "Ελένη Παπαδοπούλου"
    assert (cross["product_id"], cross["reason"]) == (
        w["filter"], f"Quotation {w['quote']} has Kettle; 100% of its buyers then bought מסנן מים (lift 1.5).")
    # The admin owns none of these customers, only one quotation: that suggestion alone.
    mine = client.get(f"{API}/today", headers=token_for("admin@example.com")).get_json()["items"]
    assert [(i["kind"], i["customer_name"]) for i in mine] == [("crosssell", "Someone else's quotation")]
