"""Complaint statistics, aggregated in SQL, kept as a snapshot that a job refreshes.

At a million complaints the aggregates take seconds, too long for a page, so the page
reads the latest :class:`StatsSnapshot` (a JSON document, "as of" shown) and a
periodic job (``complaints.refresh_stats``, every 15 minutes) recomputes it; a manager
may also start a refresh (a job with its progress bar). Percentiles are nearest-rank
over window functions (``row_number() over (order by …)``), which SQLite and PostgreSQL
both run, on durations stored in seconds when they happened — wall-clock, and in business
hours on the SLA calendar (``*_business_seconds``), shown side by side.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from core.db import db, utcnow
from plugins.complaints.models import Category, Complaint, Severity, StatsSnapshot

REPEAT_MIN = 3          # complaints in the last year that make a "repeat complainer"
TREND_MONTHS = 12


def _percentiles(column, *, where=()) -> dict:
    """Median and 90th percentile (nearest rank) of ``column`` in one query."""
    ranked = (sa.select(column.label("v"), sa.func.row_number().over(order_by=column).label("rn"),
                        sa.func.count().over().label("n"))
              .where(column.is_not(None), *where).subquery())
    k50 = (50 * ranked.c.n + 99) // 100  # ceil(n/2) in integer arithmetic on both databases
    k90 = (90 * ranked.c.n + 99) // 100
    row = db.session.execute(sa.select(
        sa.func.max(sa.case((ranked.c.rn == k50, ranked.c.v))),
        sa.func.max(sa.case((ranked.c.rn == k90, ranked.c.v))),
        sa.func.max(ranked.c.n))).one()
    return {"median": row[0], "p90": row[1], "count": row[2] or 0}


def _month(column):
    """``YYYY-MM`` of a timestamp, in SQL, on either database."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def _share(numerator, denominator) -> float | None:
    return round(100.0 * numerator / denominator, 1) if denominator else None


def compute(now: datetime | None = None) -> dict:
    """Every figure of the statistics page, as plain JSON data."""
    from core.catalog.models import Product

    now = now or utcnow()
    total = db.session.execute(sa.select(sa.func.count()).select_from(Complaint)).scalar() or 0
    by_state = dict(db.session.execute(sa.select(Complaint.state, sa.func.count()).group_by(Complaint.state)).all())
    by_category = [
        {"id": cid, "name": name, "code": code, "count": n} for cid, name, code, n in db.session.execute(
            sa.select(Category.id, Category.name, Category.code, sa.func.count(Complaint.id))
            .select_from(Complaint).outerjoin(Category, Category.id == Complaint.category_id)
            .group_by(Category.id, Category.name, Category.code).order_by(sa.func.count(Complaint.id).desc()))]
    by_severity = [
        {"id": sid, "name": name, "code": code, "count": n} for sid, name, code, n in db.session.execute(
            sa.select(Severity.id, Severity.name, Severity.code, sa.func.count(Complaint.id))
            .select_from(Complaint).outerjoin(Severity, Severity.id == Complaint.severity_id)
            .group_by(Severity.id, Severity.name, Severity.code, Severity.rank).order_by(Severity.rank))]
    by_product = [
        {"id": pid, "name": name, "count": n} for pid, name, n in db.session.execute(
            sa.select(Product.id, Product.name, sa.func.count(Complaint.id)).join(Product, Product.id == Complaint.product_id)
            .group_by(Product.id, Product.name).order_by(sa.func.count(Complaint.id).desc(), Product.id).limit(10))]
    first = _percentiles(Complaint.first_response_seconds)
    resolution = _percentiles(Complaint.resolution_seconds)
    first_business = _percentiles(Complaint.first_response_business_seconds)
    resolution_business = _percentiles(Complaint.resolution_business_seconds)
    met_first, due_first = db.session.execute(sa.select(
        sa.func.count().filter(Complaint.first_response_at <= Complaint.first_response_due),
        sa.func.count()).where(Complaint.first_response_at.is_not(None), Complaint.first_response_due.is_not(None))).one()
    met_res, due_res = db.session.execute(sa.select(
        sa.func.count().filter(Complaint.resolved_in_time.is_(True)), sa.func.count())
        .where(Complaint.resolved_in_time.is_not(None))).one()
    rating_avg, rating_n = db.session.execute(sa.select(sa.func.avg(Complaint.rating), sa.func.count(Complaint.rating))).one()
    ratings = dict(db.session.execute(sa.select(Complaint.rating, sa.func.count()).where(Complaint.rating.is_not(None))
                                      .group_by(Complaint.rating)).all())
    from core.customers.models import Customer

    year_ago = now - timedelta(days=365)
    repeat = [
        {"customer_id": cid, "name": name, "count": n} for cid, name, n in db.session.execute(
            sa.select(Complaint.customer_id, Customer.name, sa.func.count())
            .join(Customer, Customer.id == Complaint.customer_id).where(Complaint.created_at >= year_ago)
            .group_by(Complaint.customer_id, Customer.name).having(sa.func.count() >= REPEAT_MIN)
            .order_by(sa.func.count().desc(), Complaint.customer_id).limit(10))]
    index = now.year * 12 + now.month - 1 - (TREND_MONTHS - 1)  # the first of TREND_MONTHS months, this one last
    start = datetime(index // 12, index % 12 + 1, 1)
    month = _month(Complaint.created_at)
    opened = dict(db.session.execute(sa.select(month, sa.func.count()).where(Complaint.created_at >= start)
                                     .group_by(month)).all())
    rmonth = _month(Complaint.resolved_at)
    resolved = dict(db.session.execute(sa.select(rmonth, sa.func.count()).where(Complaint.resolved_at >= start)
                                       .group_by(rmonth)).all())
    months, cursor = [], start
    while cursor <= now:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return {
        "as_of": now.isoformat(timespec="seconds"), "total": total, "by_state": by_state,
        "by_category": by_category, "by_severity": by_severity, "by_product": by_product,
        "first_response": first, "resolution": resolution,
        "first_response_business": first_business, "resolution_business": resolution_business,
        "first_response_compliance": _share(met_first, due_first), "first_response_measured": due_first,
        "resolution_compliance": _share(met_res, due_res), "resolution_measured": due_res,
        "rating_average": round(float(rating_avg), 2) if rating_avg is not None else None, "rating_count": rating_n,
        "ratings": {str(k): v for k, v in ratings.items()},
        "repeat": repeat,
        "trend": [{"month": m, "opened": opened.get(m, 0), "resolved": resolved.get(m, 0)} for m in months],
    }


def refresh(now: datetime | None = None) -> StatsSnapshot:
    """Compute and store a new snapshot, dropping older ones (the caller commits)."""
    row = StatsSnapshot(computed_at=now or utcnow(), data=compute(now))
    db.session.add(row)
    db.session.flush()
    db.session.execute(sa.delete(StatsSnapshot).where(StatsSnapshot.id < row.id))
    return row


def latest() -> StatsSnapshot | None:
    return db.session.execute(sa.select(StatsSnapshot).order_by(StatsSnapshot.id.desc()).limit(1)).scalar()


def refresh_job(job=None):
    """The job behind "Refresh now" and the periodic refresh."""
    from flask_babel import gettext as _

    if job is not None:
        job.progress(0, 1, _("Counting complaints…"))
    refresh()
    db.session.commit()
    if job is not None:
        job.progress(1, 1)
    return _("Statistics refreshed.")
