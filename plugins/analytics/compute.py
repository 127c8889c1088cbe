"""The recomputation job: sales' order lines → one snapshot of per-customer figures.

1. **Read** (SQL does the heavy part): sales' confirmed order lines, through its
   ``sales_order_lines`` query hook, are summed per customer and purchase *day* in the
   database; only those ``(customer, day, amount)`` rows are streamed, ordered by
   customer, in chunks (``yield_per``). A purchase is a day with an order: two orders on
   one day are one purchase occasion, the convention of BG/NBD's daily data.
2. **Summarise** each customer into numpy arrays: purchases, x, t_x, T, revenue, mean
   repeat value, median interval and its regularity.
3. **Score**: RFM quintiles and classes over all customers; BG/NBD and Gamma-Gamma fitted
   on the sufficient statistics; probability alive, expected purchases and value in the
   next ``HORIZON_DAYS``.
4. **Write** the rows in batches (progress after each), then mark the snapshot complete
   and drop snapshots older than the previous one.

Only lines in the business's currency (``DEFAULT_CURRENCY``) are counted: adding up
amounts in different currencies would be meaningless. Times are in days.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from core.db import db, utcnow
from plugins.analytics import bulk, clusters, clv, crosssell, demand, owner_counts, product_days, profit, repurchase, rfm
from plugins.analytics.models import HORIZON_DAYS, CustomerFigures, Snapshot

log = logging.getLogger(__name__)

READ_CHUNK = 20_000
WRITE_CHUNK = 5_000
CENT = Decimal("0.01")


class NoSalesData(Exception):
    """Sales is not enabled: there is nothing to read."""


def purchase_days(as_of: date, currency: str) -> sa.Select:
    """``(customer_id, day, amount, owner_id)`` per customer and purchase day, ordered by customer and day."""
    from core import query
    from core.customers.models import Customer

    lines = query("sales_order_lines")
    if lines is None:
        raise NoSalesData()
    sub = lines.subquery()
    days = (sa.select(sub.c.customer_id, sub.c.order_date.label("day"), sa.func.sum(sub.c.net_amount).label("amount"))
            .where(sub.c.currency == currency, sub.c.order_date <= as_of)
            .group_by(sub.c.customer_id, sub.c.order_date)).subquery()
    return (sa.select(days.c.customer_id, days.c.day, days.c.amount, Customer.owner_id)
            .join(Customer, Customer.id == days.c.customer_id)
            .order_by(days.c.customer_id, days.c.day))


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class Summary:
    """Per-customer sufficient statistics, gathered while streaming purchase days."""

    def __init__(self, as_of: date):
        self.as_of = as_of
        self.customer_id, self.owner_id, self.first, self.last = [], [], [], []
        self.purchases, self.revenue, self.mean_repeat, self.median, self.cv = [], [], [], [], []

    def add(self, customer_id, owner_id, days: list[int], amounts: list[Decimal]):
        self.customer_id.append(customer_id)
        self.owner_id.append(owner_id)
        self.first.append(days[0])
        self.last.append(days[-1])
        self.purchases.append(len(days))
        self.revenue.append(sum(amounts, Decimal(0)))
        repeat = amounts[1:]
        self.mean_repeat.append((sum(repeat, Decimal(0)) / len(repeat)).quantize(CENT) if repeat else None)
        median, cv = rfm.intervals(days)
        self.median.append(median)
        self.cv.append(cv)

    def __len__(self):
        return len(self.customer_id)


def summarise(as_of: date, currency: str, on_chunk=None) -> Summary:
    """Stream purchase days from SQL and summarise each customer (``on_chunk(count)`` after each chunk)."""
    summary = Summary(as_of)
    stmt = purchase_days(as_of, currency).execution_options(yield_per=READ_CHUNK)
    current, owner, days, amounts = None, None, [], []
    for part in db.session.execute(stmt).partitions():
        for customer_id, day, amount, owner_id in part:
            if customer_id != current:
                if current is not None:
                    summary.add(current, owner, days, amounts)
                current, owner, days, amounts = customer_id, owner_id, [], []
            days.append(_as_date(day).toordinal())
            amounts.append(Decimal(amount or 0))
        if on_chunk:
            on_chunk(len(summary))
    if current is not None:
        summary.add(current, owner, days, amounts)
    return summary


def score(summary: Summary):
    """Every figure of every customer, as a dict of numpy arrays / lists (same order as the summary)."""
    today = summary.as_of.toordinal()
    first = np.array(summary.first, dtype=float)
    last = np.array(summary.last, dtype=float)
    purchases = np.array(summary.purchases, dtype=float)
    revenue = np.array([float(v) for v in summary.revenue])
    x, t_x, T = purchases - 1, last - first, today - first
    r = rfm.quintile_scores(today - last, lower_is_better=True)
    f = rfm.quintile_scores(purchases)
    m = rfm.quintile_scores(revenue)
    out = {"x": x, "t_x": t_x, "T": T, "r": r, "f": f, "m": m, "classes": rfm.classify(r, f),
           "p_alive": None, "expected_purchases": None, "expected_value": None, "bgnbd": None, "gg": None}
    try:
        model = clv.fit_bgnbd(x, t_x, T)
    except (ValueError, FloatingPointError) as exc:
        log.info("analytics: BG/NBD not fitted (%s)", exc)
        return out
    out["bgnbd"] = model
    out["p_alive"] = model.p_alive(x, t_x, T)
    out["expected_purchases"] = model.expected_purchases(HORIZON_DAYS, x, t_x, T)
    mean_repeat = np.array([float(v) if v is not None else 0.0 for v in summary.mean_repeat])
    try:
        spend = clv.fit_gamma_gamma(x, mean_repeat)
    except (ValueError, FloatingPointError) as exc:
        log.info("analytics: Gamma-Gamma not fitted (%s)", exc)
        return out
    if spend.q > 1:  # the expected spend exists only for q > 1
        out["gg"] = spend
        out["expected_value"] = out["expected_purchases"] * spend.expected_value(x, mean_repeat)
    return out


def _money(value) -> Decimal | None:
    if value is None or not np.isfinite(value):
        return None
    return Decimal(repr(float(value))).quantize(CENT)


def _rows(snapshot_id: int, summary: Summary, s: dict, start: int, stop: int):
    as_of = summary.as_of
    for i in range(start, stop):
        median = summary.median[i]
        next_expected = overdue = None
        if median is not None:
            next_expected = date.fromordinal(summary.last[i]) + timedelta(days=round(median))
            late = (as_of - next_expected).days
            overdue = late if late > 0 else None
        yield {
            "snapshot_id": snapshot_id, "customer_id": summary.customer_id[i], "owner_id": summary.owner_id[i],
            "first_purchase": date.fromordinal(summary.first[i]), "last_purchase": date.fromordinal(summary.last[i]),
            "purchases": summary.purchases[i], "frequency": int(s["x"][i]), "recency": float(s["t_x"][i]),
            "age": float(s["T"][i]), "revenue": summary.revenue[i], "mean_repeat_value": summary.mean_repeat[i],
            "r_score": int(s["r"][i]), "f_score": int(s["f"][i]), "m_score": int(s["m"][i]),
            "rfm_class": s["classes"][i], "interval_median": median, "interval_cv": summary.cv[i],
            "next_expected": next_expected, "overdue_days": overdue,
            "p_alive": None if s["p_alive"] is None else float(s["p_alive"][i]),
            "expected_purchases": None if s["expected_purchases"] is None else float(s["expected_purchases"][i]),
            "expected_value": None if s["expected_value"] is None else _money(s["expected_value"][i]),
            "cluster": None if s.get("cluster") is None else int(s["cluster"][i]),
        }


def recompute(job=None, as_of: str | None = None) -> str:
    """The ``analytics.recompute`` job: compute and publish a new snapshot; returns a summary line."""
    from core.jobs import JobError

    as_of_date = date.fromisoformat(as_of) if as_of else utcnow().date()
    currency = current_app.config["DEFAULT_CURRENCY"]
    snapshot = Snapshot(as_of=as_of_date, currency=currency, job_id=job.id if job else None)
    db.session.add(snapshot)
    db.session.commit()

    def progress(done, total, message):
        if job is not None:
            job.progress(done, total, message)

    try:
        summary = summarise(as_of_date, currency,
                            on_chunk=lambda n: progress(0, None, _("Reading purchases: %(n)s customers", n=n)))
    except NoSalesData:
        raise JobError(_("Analytics needs the sales plugin to be enabled.")) from None
    n = len(summary)
    progress(0, n, _("Fitting the models"))
    s = score(summary)
    progress(0, n, _("Grouping customers into clusters"))
    groups = clusters.cluster(summary, s)
    s["cluster"] = groups.labels
    for start in range(0, n, WRITE_CHUNK):
        stop = min(start + WRITE_CHUNK, n)
        # COPY (PostgreSQL) or the raw executemany (SQLite) on the session's connection: same transaction.
        rows = list(_rows(snapshot.id, summary, s, start, stop))
        bulk.insert_rows(CustomerFigures.__table__, list(rows[0]), [tuple(r.values()) for r in rows])
        progress(stop, n, _("Writing customer figures"))
    clusters.write_profiles(snapshot.id, groups)
    progress(n, n, _("Finding products bought together"))
    days = product_days.read(as_of_date)  # read once: cross-sell and repurchase intervals share it
    bought = crosssell.bought_arrays(as_of_date, days)
    crosssell.mine_rules(snapshot.id, as_of_date, bought)
    crosssell.write_recommendations(snapshot.id, as_of_date, bought)
    del bought
    progress(n, n, _("Working out each customer's profit"))
    profit.write_profit(snapshot, as_of_date)
    progress(n, n, _("Forecasting demand by price band"))
    demand.write_demand(snapshot, as_of_date)
    repurchase.write_intervals(snapshot.id, as_of_date, days)
    del days
    owner_counts.write_counts(snapshot)
    _publish(snapshot, n, s)
    db.session.commit()
    return ngettext("%(num)d customer analysed.", "%(num)d customers analysed.", n)


def _publish(snapshot: Snapshot, n: int, s: dict) -> None:
    """Mark ``snapshot`` complete and delete every snapshot older than the one before it."""
    snapshot.customers = n
    if s["bgnbd"] is not None:
        m = s["bgnbd"]
        snapshot.bg_r, snapshot.bg_alpha, snapshot.bg_a, snapshot.bg_b = m.r, m.alpha, m.a, m.b
    if s["gg"] is not None:
        snapshot.gg_p, snapshot.gg_q, snapshot.gg_gamma = s["gg"].p, s["gg"].q, s["gg"].gamma
    snapshot.completed_at = utcnow()
    keep = db.session.execute(
        sa.select(Snapshot.id).where(Snapshot.completed_at.is_not(None), Snapshot.id != snapshot.id)
        .order_by(Snapshot.completed_at.desc(), Snapshot.id.desc()).limit(1)).scalars().all()
    # Unfinished snapshots older than this one are runs that died or were cancelled: drop them too
    # (a newer one may be a run still going on).
    old = sa.select(Snapshot.id).where(Snapshot.id < snapshot.id, Snapshot.id.not_in(keep or [0]))
    db.session.execute(sa.delete(CustomerFigures).where(CustomerFigures.snapshot_id.in_(old)))
    crosssell.delete_snapshots(old)
    profit.delete_snapshots(old)
    demand.delete_snapshots(old)
    repurchase.delete_snapshots(old)
    clusters.delete_snapshots(old)
    db.session.execute(sa.delete(Snapshot).where(Snapshot.id.in_(old))
                       .execution_options(synchronize_session=False))
