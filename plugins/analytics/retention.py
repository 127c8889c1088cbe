"""Retention per salesperson: of the customers who bought in the previous period, the share who
bought again in this period, per customer owner.

The page reads the latest snapshot's retention counts (owner_counts.py: per owner and every
pair of periods, written by the nightly job from sales' confirmed orders up to the snapshot
date), so a view is two small lookups whatever the number of orders. Before a snapshot has
them, it is computed live in SQL from sales' confirmed orders (its ``sales_orders`` query hook,
never an import of sales): two ``DISTINCT customer_id`` sets, one per period, filtered on the
indexed ``confirmed_at``; the previous period's buyers are joined with their owner and
left-joined with this period's buyers, and one ``GROUP BY owner`` counts both.

"Salesperson" is the customer's owner *now* (``core_customer.owner_id``), the person who is
meant to keep the customer; a purchase in this period counts whoever took the order.
Customers without an owner form a row of their own.

Periods are a month (``2026-03``), a quarter (``2026-Q1``) or a year (``2026``); the previous
period defaults to the one just before, of the same length, and may be any earlier period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from core.db import db


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date           # exclusive

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def first_month(self) -> int:
        """The first month as a number (``year * 12 + month - 1``), as the snapshot's counts key it."""
        return self.start.year * 12 + self.start.month - 1

    @property
    def months(self) -> int:
        return 12 if len(self.key) == 4 else 3 if "Q" in self.key else 1


def parse_period(key: str | None) -> Period | None:
    """``2026``, ``2026-Q1`` or ``2026-03`` (years 2000–2100) → Period; anything else → None."""
    text = (key or "").strip().upper()
    try:
        if len(text) == 4:
            year = int(text)
            start, end = date(year, 1, 1), date(year + 1, 1, 1)
        elif len(text) == 7 and text[4:6] == "-Q":
            year, quarter = int(text[:4]), int(text[6])
            if not 1 <= quarter <= 4:
                return None
            start = date(year, 3 * quarter - 2, 1)
            end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
        elif len(text) == 7 and text[4] == "-":
            year, month = int(text[:4]), int(text[5:])
            start = date(year, month, 1)
            end = date(year + (month == 12), 1 if month == 12 else month + 1, 1)
        else:
            return None
    except ValueError:
        return None
    if not 2000 <= start.year <= 2100:
        return None
    return Period(text if "Q" in text or len(text) == 4 else f"{start.year}-{start.month:02d}", start, end)


def previous_period(period: Period) -> Period:
    """The period of the same kind just before ``period``."""
    if len(period.key) == 4:
        return parse_period(str(period.start.year - 1))
    if "Q" in period.key:
        year, quarter = period.start.year, (period.start.month - 1) // 3 + 1
        return parse_period(f"{year - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}")
    before = date(period.start.year - (period.start.month == 1), 12 if period.start.month == 1 else period.start.month - 1, 1)
    return parse_period(f"{before.year}-{before.month:02d}")


def default_period(today: date) -> Period:
    """The quarter under way (as sales' performance page)."""
    return parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")


@dataclass
class Row:
    owner_id: int | None
    name: str
    customers: int      # bought in the previous period
    returned: int       # … and again in this one

    @property
    def rate(self) -> float | None:
        return self.returned / self.customers if self.customers else None


def _live_counts(current: Period, previous: Period, owner_id, *, only_owner: bool) -> list[tuple]:
    """(owner id, bought in ``previous``, bought again in ``current``) from sales' orders now."""
    from core import query
    from core.customers.models import Customer

    orders = query("sales_orders")
    if orders is None:
        return []
    orders = orders.subquery()
    before, now = _buyers(orders, previous), _buyers(orders, current)
    stmt = (sa.select(Customer.owner_id, sa.func.count(before.c.customer_id), sa.func.count(now.c.customer_id))
            .select_from(before).join(Customer, Customer.id == before.c.customer_id)
            .outerjoin(now, now.c.customer_id == before.c.customer_id)
            .group_by(Customer.owner_id))
    if only_owner:
        stmt = stmt.where(Customer.owner_id == owner_id)
    return db.session.execute(stmt).all()


def _buyers(orders, period: Period):
    start = datetime.combine(period.start, datetime.min.time())
    end = datetime.combine(period.end, datetime.min.time())
    return (sa.select(orders.c.customer_id).where(orders.c.confirmed_at >= start, orders.c.confirmed_at < end)
            .distinct().subquery())


def retention(current: Period, previous: Period, owner_id: int | None = None, *, only_owner: bool = False,
              snapshot=None) -> list[Row]:
    """One row per owner (``only_owner``: just ``owner_id``'s), best retention first, then by name.

    With a ``snapshot`` that has per-owner counts (owner_counts.py), read from them: orders up to
    the snapshot's date, a few rows per owner. Without, counted live over sales' orders now.
    """
    from core.auth.models import User
    from plugins.analytics.owner_counts import retention_counts

    if snapshot is not None and snapshot.owner_counts:
        counts = retention_counts(snapshot, current, previous, owner_id, only_owner=only_owner)
    else:
        counts = _live_counts(current, previous, owner_id, only_owner=only_owner)
    ids = [uid for uid, _n, _r in counts if uid is not None]
    names = {uid: name or email for uid, name, email in db.session.execute(
        sa.select(User.id, User.name, User.email).where(User.id.in_(ids)))} if ids else {}
    rows = [Row(uid, names.get(uid, ""), n, r) for uid, n, r in counts]
    return sorted(rows, key=lambda row: (row.owner_id is None, -(row.rate or 0), row.name.casefold()))
