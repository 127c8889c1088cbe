"""Per-product repurchase interval: how many days customers wait before buying the same product again.

Run by the snapshot job, in SQL over sales' ``sales_order_lines`` query hook (catalog products,
lines up to the snapshot date):

1. each customer's distinct purchase days of each product (two orders on one day are one purchase);
2. the gap to the same customer's previous purchase of that product (``LAG`` window);
3. per product, the median gap (the middle one or two of the ranked gaps: ``ROW_NUMBER`` and
   ``COUNT`` windows, so it runs the same on SQLite and PostgreSQL), the number of gaps and of
   customers who bought it more than once, and its buyers.

The median, not the mean: one customer who came back after three years would drag a mean far
from what is usual. Products bought only once by everyone have no interval and no row.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from core.db import db
from plugins.analytics.models import ProductInterval


def _days_between(later, earlier):
    if db.engine.dialect.name == "postgresql":
        return later - earlier            # date − date is a whole number of days
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def write_intervals(snapshot_id: int, as_of: date) -> int:
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


def delete_snapshots(ids) -> None:
    """Drop the interval rows of snapshots being deleted (``ids``: a subquery of snapshot ids)."""
    db.session.execute(sa.delete(ProductInterval).where(ProductInterval.snapshot_id.in_(ids)))
