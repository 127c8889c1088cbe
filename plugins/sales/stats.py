"""Numbers for the customer panel and the performance page (aggregated in SQL).

Purchase history runs a handful of grouped queries over one customer's indexed rows.
Performance, forecast, the dashboard card and the currency list read totals kept by
triggers (``sales_open_total``, ``sales_close_total``, ``sales_stage_total``), so a page
view sums a few rows, never the opportunity table (issue 17).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from core.auth.models import User
from core.catalog.models import Product
from core.db import db
from plugins.sales.models import (CONFIRMED, LOST, WON, CloseTotal, OpenTotal, Order, OrderLine, StageTotal,
                                  Target)
from plugins.sales.totals import money
from core.l10n import local_today

ZERO = Decimal("0.00")


def _dec(v) -> Decimal:
    return money(v or 0)


def _dt(v):
    """SQLite hands aggregated datetimes back as strings; normalise them."""
    if v is None or isinstance(v, datetime):
        return v
    return datetime.fromisoformat(str(v))


# -- purchase history ---------------------------------------------------------------


@dataclass
class PurchaseHistory:
    orders: int = 0
    spent: dict[str, Decimal] = field(default_factory=dict)
    first: datetime | None = None
    last: datetime | None = None
    average_days: float | None = None
    next_due: date | None = None
    top_products: list[tuple[int, str, Decimal]] = field(default_factory=list)


def purchase_history(customer_id: int, top: int = 5) -> PurchaseHistory:
    base = sa.and_(Order.customer_id == customer_id, Order.state == CONFIRMED)
    h = PurchaseHistory()
    rows = db.session.execute(
        sa.select(Order.currency, sa.func.count(), sa.func.sum(Order.total),
                  sa.func.min(Order.confirmed_at), sa.func.max(Order.confirmed_at))
        .where(base).group_by(Order.currency)
    ).all()
    for currency, count, total, first, last in rows:
        h.orders += count
        h.spent[currency] = _dec(total)
        first, last = _dt(first), _dt(last)
        h.first = first if h.first is None or first < h.first else h.first
        h.last = last if h.last is None or last > h.last else h.last
    if h.orders > 1 and h.first and h.last:
        # The mean gap between consecutive purchases is (last − first) / (n − 1).
        h.average_days = (h.last - h.first).total_seconds() / 86400 / (h.orders - 1)
        h.next_due = (h.last + timedelta(days=h.average_days)).date()
    qty = sa.func.sum(OrderLine.quantity)
    h.top_products = [
        (pid, name, Decimal(q).normalize() if q is not None else Decimal(0))
        for pid, name, q in db.session.execute(
            sa.select(OrderLine.product_id, Product.name, qty)
            .join(Order, Order.id == OrderLine.order_id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(base)
            .group_by(OrderLine.product_id, Product.name)
            .order_by(qty.desc(), Product.name).limit(top)
        ).all()
    ]
    return h


# -- periods --------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str  # "2026-03" or "2026-Q1"
    start: date
    end: date  # exclusive

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.key


def parse_period(key: str | None, today: date | None = None) -> Period:
    """``2026-03`` (month) or ``2026-Q1`` (quarter); anything else → this quarter."""
    today = today or local_today()
    try:
        year, rest = (key or "").split("-")
        y = int(year)
        if rest.upper().startswith("Q"):
            q = int(rest[1:])
            if not 1 <= q <= 4:
                raise ValueError
            start = date(y, 3 * q - 2, 1)
            end = date(y + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
            return Period(f"{y}-Q{q}", start, end)
        m = int(rest)
        start = date(y, m, 1)
        end = date(y + (m == 12), 1 if m == 12 else m + 1, 1)
        return Period(f"{y}-{m:02d}", start, end)
    except (ValueError, TypeError):
        q = (today.month - 1) // 3 + 1
        return parse_period(f"{today.year}-Q{q}")


def valid_period_key(key: str) -> bool:
    try:
        return parse_period(key, today=date(1900, 1, 1)).key == key and 2000 <= int(key[:4]) <= 2100
    except (ValueError, TypeError):
        return False


def neighbour_periods(p: Period) -> tuple[str, str]:
    if p.is_quarter:
        prev_start = date(p.start.year - (p.start.month == 1), 10 if p.start.month == 1 else p.start.month - 3, 1)
        return (f"{prev_start.year}-Q{(prev_start.month - 1) // 3 + 1}",
                f"{p.end.year}-Q{(p.end.month - 1) // 3 + 1}")
    prev_start = (p.start - timedelta(days=1)).replace(day=1)
    return prev_start.strftime("%Y-%m"), p.end.strftime("%Y-%m")


# -- salesperson performance -----------------------------------------------------------


@dataclass
class Performance:
    user_id: int
    name: str
    won_revenue: Decimal = ZERO
    target: Decimal | None = None
    won: int = 0
    lost: int = 0
    days_to_close: float | None = None
    open_value: Decimal = ZERO
    weighted: Decimal = ZERO

    @property
    def attainment(self) -> float | None:
        return float(self.won_revenue / self.target * 100) if self.target else None

    @property
    def win_rate(self) -> float | None:
        return self.won * 100 / (self.won + self.lost) if (self.won + self.lost) else None

    @property
    def average_deal(self) -> Decimal | None:
        return money(self.won_revenue / self.won) if self.won else None


def months_of(period: Period) -> list[str]:
    """The ``YYYY-MM`` keys of the months a period covers (one, or three for a quarter)."""
    keys, d = [], period.start
    while d < period.end:
        keys.append(d.strftime("%Y-%m"))
        d = date(d.year + (d.month == 12), 1 if d.month == 12 else d.month + 1, 1)
    return keys


def _from_cents(cents) -> Decimal:
    return money(Decimal(int(cents or 0)).scaleb(-2))


def _weighted(cents_percent) -> Decimal:
    """Σ cents × percent → money (÷ 10,000), rounded half up once, at the end."""
    return money(Decimal(int(cents_percent or 0)).scaleb(-4))


def performance(period: Period, currency: str, user_ids: list[int] | None = None) -> list[Performance]:
    """Per salesperson: won revenue and deals in ``period``; open pipeline now.

    Reads the kept totals (``sales_close_total``, ``sales_open_total``, migration sales_0031),
    never ``sales_opportunity``: a period is a run of whole months, so it is the sum of a few
    rows per salesperson (issue 17)."""
    rows: dict[int, Performance] = {}

    def row(uid):
        if uid not in rows:
            rows[uid] = Performance(uid, "")
        return rows[uid]

    def scope(stmt, model):
        stmt = stmt.where(model.owner_key != 0, model.currency == currency)
        return stmt.where(model.owner_key.in_(user_ids)) if user_ids is not None else stmt

    n = sa.func.sum(CloseTotal.n)
    closed = scope(
        sa.select(CloseTotal.owner_key, CloseTotal.status, n, sa.func.sum(CloseTotal.amount_cents),
                  sa.func.sum(CloseTotal.seconds))
        .where(CloseTotal.closed_month.in_(months_of(period)))
        .group_by(CloseTotal.owner_key, CloseTotal.status).having(n > 0), CloseTotal)
    for uid, status, count, cents, seconds in db.session.execute(closed):
        r = row(uid)
        if status == WON:
            r.won, r.won_revenue = int(count), _from_cents(cents)
            r.days_to_close = int(seconds) / int(count) / 86400
        elif status == LOST:
            r.lost = int(count)
    n = sa.func.sum(OpenTotal.n)
    for uid, cents, weighted in db.session.execute(scope(
            sa.select(OpenTotal.owner_key, sa.func.sum(OpenTotal.amount_cents), sa.func.sum(OpenTotal.weighted_cp))
            .group_by(OpenTotal.owner_key).having(n > 0), OpenTotal)):
        r = row(uid)
        r.open_value, r.weighted = _from_cents(cents), _weighted(weighted)
    targets = sa.select(Target.user_id, Target.amount).where(Target.period == period.key, Target.currency == currency)
    if user_ids is not None:
        targets = targets.where(Target.user_id.in_(user_ids))
    for uid, amount in db.session.execute(targets):
        row(uid).target = _dec(amount)
    if rows:
        for uid, name, email in db.session.execute(
                sa.select(User.id, User.name, User.email).where(User.id.in_(list(rows)))):
            rows[uid].name = name or email
    return sorted(rows.values(), key=lambda r: (-r.won_revenue, r.name))


def forecast(currency: str, months: int = 6, user_ids: list[int] | None = None,
             today: date | None = None) -> list[tuple[str, Decimal, Decimal]]:
    """Open pipeline by expected close month: ``[(YYYY-MM, value, weighted)]``.

    Overdue and undated opportunities are counted in the current month, because
    that is when a salesperson has to act on them. Reads ``sales_open_total`` (kept per
    owner, currency and expected-close month, ``''`` for undated): a few rows, whatever the
    number of deals (issue 17).
    """
    today = today or local_today()
    first = today.replace(day=1)
    keys = []
    d = first
    for _i in range(months):
        keys.append(d.strftime("%Y-%m"))
        d = date(d.year + (d.month == 12), 1 if d.month == 12 else d.month + 1, 1)
    horizon = d.strftime("%Y-%m")
    # '' (undated) sorts before every month, so "< horizon" keeps it along with the overdue ones.
    stmt = (sa.select(OpenTotal.close_month, sa.func.sum(OpenTotal.amount_cents), sa.func.sum(OpenTotal.weighted_cp))
            .where(OpenTotal.currency == currency, OpenTotal.close_month < horizon)
            .group_by(OpenTotal.close_month))
    if user_ids is not None:
        stmt = stmt.where(OpenTotal.owner_key.in_(user_ids))
    sums: dict[str, list[int]] = {}
    for month, cents, weighted in db.session.execute(stmt):
        bucket = sums.setdefault(keys[0] if month < keys[0] else month, [0, 0])
        bucket[0] += int(cents or 0)
        bucket[1] += int(weighted or 0)
    return [(k, _from_cents(sums.get(k, (0, 0))[0]), _weighted(sums.get(k, (0, 0))[1])) for k in keys]


def open_pipeline(owner_id: int) -> list[tuple[str, int, Decimal]]:
    """One salesperson's open deals per currency: ``[(currency, count, amount)]`` (the dashboard
    card), from ``sales_open_total`` — the same deals as ``owner_id = ? AND status = 'open'``."""
    n = sa.func.sum(OpenTotal.n)
    return [(currency, int(count), _from_cents(cents)) for currency, count, cents in db.session.execute(
        sa.select(OpenTotal.currency, n, sa.func.sum(OpenTotal.amount_cents))
        .where(OpenTotal.owner_key == owner_id).group_by(OpenTotal.currency).having(n > 0)
        .order_by(OpenTotal.currency))]


def currencies(limit: int = 20) -> list[str]:
    """Currencies any opportunity is in, from the kanban's kept totals (every deal has a stage)."""
    return list(db.session.execute(
        sa.select(StageTotal.currency).where(StageTotal.n > 0).distinct().order_by(StageTotal.currency)
        .limit(limit)).scalars())


def month_label(key: str) -> str:
    y, m = key.split("-")
    return f"{calendar.month_abbr[int(m)]} {y}"
