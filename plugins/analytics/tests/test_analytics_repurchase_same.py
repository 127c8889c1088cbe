"""The numpy repurchase intervals (``repurchase.write_intervals``) write exactly what the former SQL
wrote: same products, buyers, repeat customers, number of gaps and medians, compared with ``==``.

The former SQL is kept below verbatim (only renamed) as the reference. The generated purchases
have ties (few distinct days, so equal gaps), products with an odd and an even number of gaps
(the median is the middle gap or the mean of two), two orders of one product on one day (one
purchase), products bought once only (no row) and orders after the snapshot date (not counted).
"""
import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from plugins.analytics.models import ProductInterval

from analytics_testdata import buy_products, customer, product

AS_OF = date(2026, 6, 30)


# -- the former SQL, verbatim ------------------------------------------------------------------------


def _days_between(later, earlier):
    if db.engine.dialect.name == "postgresql":
        return later - earlier            # date − date is a whole number of days
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def sql_write_intervals(snapshot_id: int, as_of: date) -> int:
    """Write the snapshot's ``analytics_product_interval`` rows; returns how many products have one."""
    from core import query

    lines = query("sales_order_lines")
    if lines is None:
        return 0
    s = lines.subquery("interval_lines")
    days = (sa.select(s.c.customer_id, s.c.product_id, s.c.order_date.label("day"))
            .where(s.c.product_id.is_not(None), s.c.order_date <= as_of)
            .group_by(s.c.customer_id, s.c.product_id, s.c.order_date)).subquery("days")
    previous = sa.func.lag(days.c.day).over(partition_by=(days.c.customer_id, days.c.product_id),
                                            order_by=days.c.day)
    stepped = sa.select(days.c.customer_id, days.c.product_id, days.c.day, previous.label("prev")).subquery("stepped")
    gaps = (sa.select(stepped.c.customer_id, stepped.c.product_id,
                      _days_between(stepped.c.day, stepped.c.prev).label("gap"))
            .where(stepped.c.prev.is_not(None))).subquery("gaps")
    ranked = sa.select(gaps.c.product_id, gaps.c.customer_id, gaps.c.gap,
                       sa.func.row_number().over(partition_by=gaps.c.product_id, order_by=gaps.c.gap).label("rn"),
                       sa.func.count().over(partition_by=gaps.c.product_id).label("n")).subquery("ranked")
    # The middle gap (odd n) or the mean of the two middle ones (even n): ranks (n+1)/2 and (n+2)/2.
    middle = sa.or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    per_product = (sa.select(ranked.c.product_id,
                             sa.func.avg(sa.case((middle, sa.cast(ranked.c.gap, sa.Float)))).label("median"),
                             sa.func.max(ranked.c.n).label("intervals"),
                             sa.func.count(sa.distinct(ranked.c.customer_id)).label("repeaters"))
                   .group_by(ranked.c.product_id)).subquery("per_product")
    buyers = (sa.select(days.c.product_id, sa.func.count(sa.distinct(days.c.customer_id)).label("buyers"))
              .group_by(days.c.product_id)).subquery("buyers")
    rows = (sa.select(sa.literal(snapshot_id), per_product.c.product_id, buyers.c.buyers, per_product.c.repeaters,
                      per_product.c.intervals, per_product.c.median)
            .join(buyers, buyers.c.product_id == per_product.c.product_id))
    result = db.session.execute(sa.insert(ProductInterval).from_select(
        ["snapshot_id", "product_id", "buyers", "repeat_customers", "intervals", "median_days"], rows))
    return result.rowcount or 0


# -- the comparison ------------------------------------------------------------------------------------


def _generate(seed=12):
    rng = random.Random(seed)
    products = [product(f"R{i}", f"Product {i}") for i in range(8)]
    once = product("ONCE", "Bought once")
    days = [AS_OF - timedelta(days=d) for d in (0, 3, 7, 10, 14, 21, 30, 31, 60, 90, 200, 400)]
    for n in range(45):
        c = customer(f"Customer {n}")
        for p in products[: 2 + n % 7]:
            for day in sorted(rng.sample(days, rng.randint(1, 4))):
                buy_products(c, day, [p])
                if rng.random() < 0.15:
                    buy_products(c, day, [p])              # a second order that day: one purchase
        if n % 9 == 0:
            buy_products(c, AS_OF + timedelta(days=5), products[:2])   # after the date
    buy_products(customer("Once only"), days[4], [once])
    db.session.commit()
    return once


def _intervals(snapshot_id):
    return sorted(db.session.execute(
        sa.select(ProductInterval.product_id, ProductInterval.buyers, ProductInterval.repeat_customers,
                  ProductInterval.intervals, ProductInterval.median_days)
        .where(ProductInterval.snapshot_id == snapshot_id)).all())


@pytest.mark.plugins("sales", "analytics")
def test_numpy_intervals_are_what_the_former_sql_wrote(app):
    from plugins.analytics import product_days, repurchase
    from plugins.analytics.models import Snapshot

    with app.app_context():
        once = _generate()
        old, new = Snapshot(as_of=AS_OF, currency="EUR"), Snapshot(as_of=AS_OF, currency="EUR")
        db.session.add_all([old, new])
        db.session.flush()
        written_old = sql_write_intervals(old.id, AS_OF)
        written_new = repurchase.write_intervals(new.id, AS_OF, product_days.read(AS_OF))
        old_rows, new_rows = _intervals(old.id), _intervals(new.id)

    # The set is what it should be for the comparison to mean something.
    assert len(old_rows) == 8 and once not in {r.product_id for r in old_rows}
    assert {r.intervals % 2 for r in old_rows} == {0, 1}
    assert any(r.median_days != int(r.median_days) for r in old_rows)     # a mean of two middle gaps
    assert any(r.repeat_customers < r.buyers for r in old_rows)

    # The former code returned the INSERT … SELECT's rowcount, which psycopg reports as -1.
    assert written_new == len(old_rows) and written_old in (len(old_rows), -1)
    assert new_rows == old_rows
