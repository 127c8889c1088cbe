"""The forecast and the per-deal averages of the performance page, now computed by the database
(issue 17): the same figures as the Python bucketing they replaced, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from core.db import db
from plugins.sales.tests.sales_testdata import seed

TODAY = date(2026, 11, 27)


def _opp(ids, *, amount, prob, close, owner=1, currency="EUR", status="open", created=None, closed=None):
    from plugins.sales.models import Opportunity

    db.session.add(Opportunity(title="t", customer_id=ids["customers"][0], owner_id=owner, stage_id=ids["stages"][0],
                               status=status, expected_revenue=Decimal(amount), currency=currency, probability=prob,
                               expected_close=close, created_at=created or datetime(2026, 1, 1), closed_at=closed))


@pytest.mark.plugins("sales")
def test_forecast_buckets_by_month_in_the_database(app, make_user):
    from plugins.sales import stats

    ids = seed(app)
    other = make_user("sam@example.com", roles=["Salesperson"])
    with app.app_context():
        _opp(ids, amount="1000.10", prob=10, close=None)                  # undated: this month
        _opp(ids, amount="200.00", prob=50, close=date(2026, 10, 3))      # overdue: this month
        _opp(ids, amount="333.33", prob=33, close=date(2026, 11, 30))     # this month
        _opp(ids, amount="50.00", prob=100, close=date(2026, 12, 1))      # December
        _opp(ids, amount="19.99", prob=25, close=date(2026, 12, 31), owner=other)
        _opp(ids, amount="700.00", prob=70, close=date(2027, 4, 30))      # the sixth month
        _opp(ids, amount="900.00", prob=90, close=date(2027, 5, 1))       # beyond the horizon
        _opp(ids, amount="80.00", prob=80, close=date(2027, 1, 15), currency="USD")
        _opp(ids, amount="60.00", prob=60, close=date(2027, 1, 15), status="won")
        db.session.commit()
        rows = stats.forecast("EUR", today=TODAY)
        assert rows == [
            # 1000.10 + 200 + 333.33; 100.01 + 100 + 109.9989 = 310.0089 → 310.01
            ("2026-11", Decimal("1533.43"), Decimal("310.01")),
            ("2026-12", Decimal("69.99"), Decimal("54.9975").quantize(Decimal("0.01"))),
            ("2027-01", Decimal("0.00"), Decimal("0.00")),
            ("2027-02", Decimal("0.00"), Decimal("0.00")),
            ("2027-03", Decimal("0.00"), Decimal("0.00")),
            ("2027-04", Decimal("700.00"), Decimal("490.00")),
        ]
        assert stats.forecast("EUR", months=3, user_ids=[other], today=TODAY) == [
            ("2026-11", Decimal("0.00"), Decimal("0.00")), ("2026-12", Decimal("19.99"), Decimal("5.00")),
            ("2027-01", Decimal("0.00"), Decimal("0.00"))]
        assert stats.forecast("USD", months=3, today=TODAY)[2] == ("2027-01", Decimal("80.00"), Decimal("64.00"))
        assert stats.forecast("GBP", months=2, today=TODAY) == [
            ("2026-11", Decimal("0.00"), Decimal("0.00")), ("2026-12", Decimal("0.00"), Decimal("0.00"))]


@pytest.mark.plugins("sales")
def test_days_to_close_is_averaged_per_salesperson_in_the_database(app, make_user):
    from plugins.sales import stats

    ids = seed(app)
    other = make_user("sam@example.com", roles=["Salesperson"])
    with app.app_context():
        # Admin: 10 days 12 hours and 3 days 6 hours → 6.875 days; Sam: 1 day 18 hours.
        _opp(ids, amount="10", prob=100, close=None, status="won", created=datetime(2026, 2, 1, 0, 0),
             closed=datetime(2026, 2, 11, 12, 0))
        _opp(ids, amount="20", prob=100, close=None, status="won", created=datetime(2026, 1, 30, 18, 0),
             closed=datetime(2026, 2, 3, 0, 0))
        _opp(ids, amount="30", prob=100, close=None, status="won", owner=other, created=datetime(2026, 3, 1, 6, 0),
             closed=datetime(2026, 3, 3, 0, 0))
        _opp(ids, amount="40", prob=0, close=None, status="lost", owner=other, created=datetime(2025, 1, 1),
             closed=datetime(2026, 3, 3))  # lost deals do not count
        db.session.commit()
        rows = {r.user_id: r for r in stats.performance(stats.parse_period("2026-Q1"), "EUR")}
        assert rows[1].days_to_close == pytest.approx(6.875)
        assert rows[other].days_to_close == pytest.approx(1.75)
        assert rows[other].won == 1 and rows[other].lost == 1
        assert stats.performance(stats.parse_period("2026-Q2"), "EUR") == []
