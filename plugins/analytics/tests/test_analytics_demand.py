"""Demand by price band: quantile bands, monthly units, and a statsmodels forecast that finds a
known trend (synthetic series), through sales' real orders and on the page."""
from datetime import date, datetime

import numpy as np
import pytest

from core.db import db

from analytics_testdata import customer, product

AS_OF = date(2026, 7, 15)     # July is under way: the history ends with June
FIRST = date(2024, 7, 1)      # 24 complete months: July 2024 … June 2026


def _order(customer_id, day, product_id, quantity):
    from plugins.sales.orders import confirm, create_quotation

    order = create_quotation({"customer_id": customer_id,
                              "lines": [{"product_id": product_id, "quantity": str(quantity)}]}, owner_id=1)
    db.session.flush()
    confirm(order, when=datetime(day.year, day.month, day.day, 12, 0))


def test_band_edges_are_unit_weighted_quantiles():
    from plugins.analytics.demand import band_edges

    prices = np.array([5.0, 10.0, 20.0, 40.0])
    # Quartiles of 100 units: 25 at 5, 25 at 10, 25 at 20, 25 at 40 → edges 5, 10, 20.
    assert band_edges(prices, np.array([25, 25, 25, 25]), 4) == [5.0, 10.0, 20.0]
    # Most units at 10: the quartiles repeat and merge; an edge at the top price is dropped.
    assert band_edges(prices, np.array([1, 90, 4, 5]), 4) == [10.0]
    assert band_edges(np.array([7.0]), np.array([3]), 4) == []


def test_history_window_leaves_out_the_month_under_way():
    from plugins.analytics.demand import history_window

    assert history_window(date(2026, 7, 15)) == (date(2023, 7, 1), date(2026, 6, 1))
    assert history_window(date(2026, 6, 30)) == (date(2023, 7, 1), date(2026, 6, 1))


def test_forecast_finds_a_known_trend():
    """Units 20 + 3 t with noise (σ = 2): the next months' forecast follows the line, within its interval."""
    from plugins.analytics.demand import forecast

    rng = np.random.default_rng(7)
    t = np.arange(30)
    values = 20 + 3 * t + rng.normal(0, 2, len(t))
    out = forecast(values, date(2024, 1, 1), months=6)
    assert [m for m, *_rest in out] == [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1),
                                        date(2026, 11, 1), date(2026, 12, 1)]
    for h, (_month, mean, lower, upper) in enumerate(out):
        truth = 20 + 3 * (30 + h)
        assert abs(mean - truth) < 6, (h, mean, truth)
        assert lower < truth < upper and lower < mean < upper
    # Three years with a yearly swing of ±15 around a rising line: Holt-Winters fits better (AICc)
    # and the forecast follows the swing (a plain trend would miss it by up to 15).
    i = np.arange(36)
    swing = 50 + 2 * i + 15 * np.sin(i * 2 * np.pi / 12) + rng.normal(0, 2, len(i))
    for h, (_month, mean, _lower, _upper) in enumerate(forecast(swing, date(2023, 7, 1), months=6)):
        truth = 50 + 2 * (36 + h) + 15 * np.sin((36 + h) * 2 * np.pi / 12)
        assert abs(mean - truth) < 4, (h, mean, truth)
    # A falling series: the forecast never goes below zero units.
    falling = forecast(np.maximum(0, 60 - 6 * np.arange(12) + rng.normal(0, 1, 12)), date(2025, 1, 1), months=6)
    assert all(mean >= 0 and lower >= 0 for _m, mean, lower, _u in falling)
    assert forecast(values[:5], date(2024, 1, 1)) is None  # too short


def _seed():
    cheap = product("CUP", "Cup", "10.00")
    dear = product("KTL", "Kettle", "100.00")
    buyer = customer("Οικογένεια Παπαδοπούλου")
    for i in range(24):
        month = date(FIRST.year + (FIRST.month - 1 + i) // 12, (FIRST.month - 1 + i) % 12 + 1, 10)
        _order(buyer, month, cheap, 10 + 2 * i)      # a known trend: 10, 12, … 56
        _order(buyer, month, dear, 5)                 # flat
    _order(buyer, date(2026, 7, 2), cheap, 500)       # the month under way: not in the history
    db.session.commit()


@pytest.mark.plugins("sales", "analytics")
def test_demand_per_band_and_forecast_through_the_job(app, client, login, make_user):
    from plugins.analytics.compute import recompute
    from plugins.analytics.demand import demand_for
    from plugins.analytics.models import latest_snapshot

    make_user("sales@example.com", permissions=["analytics.view", "customers.view"])
    with app.app_context():
        _seed()
        recompute(as_of=AS_OF.isoformat())
        snapshot = latest_snapshot()
        # Units: cups 10 + 12 + … + 56 = 792, kettles 120 → every quartile is the cup price.
        assert [(b["band"], b["above"], b["up_to"], b["units"]) for b in snapshot.demand_bands] == [
            (1, None, "10.00", 792.0), (2, "10.00", None, 120.0)]
        rows = demand_for(snapshot)
        cups = [r for r in rows[1] if not r.forecast]
        assert [r.month for r in cups] == [date(FIRST.year + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(24)]
        assert [r.units for r in cups] == [10.0 + 2 * i for i in range(24)]
        assert [r.units for r in rows[2] if not r.forecast] == [5.0] * 24
        ahead = [r for r in rows[1] if r.forecast]
        assert [r.month for r in ahead][:2] == [date(2026, 7, 1), date(2026, 8, 1)] and len(ahead) == 6
        for h, r in enumerate(ahead):
            # An exact line: the fitted errors are ~0, so is the interval's width (hence the 0.01).
            assert abs(r.units - (58 + 2 * h)) < 3 and r.lower - 0.01 <= 58 + 2 * h <= r.upper + 0.01
        assert all(abs(r.units - 5) < 1 for r in rows[2] if r.forecast)
    login()
    html = client.get("/analytics/demand").get_data(as_text=True)
    assert "Up to €10.00" in html and "Above €10.00" in html and "Jul 15, 2026" in html
    assert html.count('class="chart"') == 2 and "July 2026" in html
    client.post("/language", data={"lang": "he", "next": "/"})
    he = client.get("/analytics/demand").get_data(as_text=True)
    assert "Demand by price" not in he and "Up to" not in he
    login("sales@example.com")
    assert client.get("/analytics/demand").status_code == 403  # company-wide figures: managers only
