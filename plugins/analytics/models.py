"""Snapshot tables: what the recomputation job writes and every analytics page reads.

A run writes a new ``analytics_snapshot`` row and one ``analytics_customer`` row per
customer who bought, and only then marks the snapshot complete: readers always see
the latest *complete* snapshot, never a half-written one. The previous snapshot is
kept (for movement between classes); older ones are deleted by the run.

These are derived tables (recomputed every night), so they are not audited. Rows
reference the customer with ``ON DELETE CASCADE``: deleting a customer deletes their
figures (declared in the manifest's ``customer_relations``).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.catalog.models import Money
from core.db import db, utcnow


class Snapshot(db.Model):
    __tablename__ = "analytics_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(sa.Date)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_job.id", ondelete="SET NULL"))
    customers: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    # BG/NBD (per day) and Gamma-Gamma parameters; NULL when there was too little data to fit.
    bg_r: Mapped[float | None] = mapped_column(sa.Float)
    bg_alpha: Mapped[float | None] = mapped_column(sa.Float)
    bg_a: Mapped[float | None] = mapped_column(sa.Float)
    bg_b: Mapped[float | None] = mapped_column(sa.Float)
    gg_p: Mapped[float | None] = mapped_column(sa.Float)
    gg_q: Mapped[float | None] = mapped_column(sa.Float)
    gg_gamma: Mapped[float | None] = mapped_column(sa.Float)
    # Profit (profit.py): the total over every customer, the Pareto figures and what was counted.
    profit_total: Mapped[Decimal | None] = mapped_column(Money)
    pareto_customers: Mapped[int | None]            # fewest customers whose profit makes 80 % of the total
    top20_share: Mapped[float | None] = mapped_column(sa.Float)   # share of the profit the top 20 % make
    # {"curve": [[customer share, cumulative profit share], ...], "deciles": [profit share, ...],
    #  "costs": [{"key", "amount", "customers"}, ...]} (amounts as decimal strings)
    profit_summary: Mapped[dict | None] = mapped_column(sa.JSON)
    # Demand (demand.py): the price bands, [{"band", "above", "up_to", "units", "forecast"}, ...]
    demand_bands: Mapped[list | None] = mapped_column(sa.JSON)
    # owner_counts.py: the per-owner counts (OwnerCount, RetentionCount) were written for this snapshot,
    # and the previous snapshot their movement between classes compares with (None: there was none).
    owner_counts: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    counted_against: Mapped[int | None]


class CustomerFigures(db.Model):
    """One customer's figures in one snapshot. Times are in days; amounts in the snapshot's currency."""

    __tablename__ = "analytics_customer"
    __table_args__ = (
        # The ranked list (per snapshot, by expected value) and the salesperson's view of it.
        sa.Index("ix_analytics_customer_rank", "snapshot_id", "expected_value", "customer_id"),
        sa.Index("ix_analytics_customer_owner_rank", "snapshot_id", "owner_id", "expected_value", "customer_id"),
        sa.Index("ix_analytics_customer_class", "snapshot_id", "rfm_class"),
        sa.Index("ix_analytics_customer_customer", "customer_id"),
        # The overdue list (per snapshot, least overdue first) and the salesperson's view of it.
        sa.Index("ix_analytics_customer_overdue", "snapshot_id", "overdue_days", "customer_id"),
        sa.Index("ix_analytics_customer_owner_overdue", "snapshot_id", "owner_id", "overdue_days", "customer_id"),
        # Marketing's "analytics cluster is" criterion (clusters.py, segments.py).
        sa.Index("ix_analytics_customer_cluster", "snapshot_id", "cluster"),
    )

    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("analytics_snapshot.id", ondelete="CASCADE"),
                                             primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), primary_key=True)
    # The customer's owner when the snapshot was taken (record rule: salespeople see their own).
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    first_purchase: Mapped[date] = mapped_column(sa.Date)
    last_purchase: Mapped[date] = mapped_column(sa.Date)
    purchases: Mapped[int]                              # distinct purchase days
    frequency: Mapped[int]                              # x: repeat purchase days (purchases - 1)
    recency: Mapped[float] = mapped_column(sa.Float)    # t_x: days from first to last purchase
    age: Mapped[float] = mapped_column(sa.Float)        # T: days from first purchase to the snapshot date
    revenue: Mapped[Decimal] = mapped_column(Money)     # net revenue, every purchase
    mean_repeat_value: Mapped[Decimal | None] = mapped_column(Money)  # mean net value of repeat purchase days
    r_score: Mapped[int] = mapped_column(sa.SmallInteger)
    f_score: Mapped[int] = mapped_column(sa.SmallInteger)
    m_score: Mapped[int] = mapped_column(sa.SmallInteger)
    rfm_class: Mapped[str] = mapped_column(sa.String(20))
    interval_median: Mapped[float | None] = mapped_column(sa.Float)
    interval_cv: Mapped[float | None] = mapped_column(sa.Float)
    next_expected: Mapped[date | None] = mapped_column(sa.Date)
    overdue_days: Mapped[int | None]                    # days past next_expected, NULL when not overdue
    p_alive: Mapped[float | None] = mapped_column(sa.Float)
    expected_purchases: Mapped[float | None] = mapped_column(sa.Float)  # in the next HORIZON_DAYS
    expected_value: Mapped[Decimal | None] = mapped_column(Money)      # predicted net revenue, next HORIZON_DAYS
    cluster: Mapped[int | None] = mapped_column(sa.SmallInteger)       # clusters.py: 1 = most valuable group


class Rule(db.Model):
    """A cross-sell rule of one snapshot: customers who bought ``product_id`` then bought ``then_product_id``.

    Mined per customer, not per order: ``buyers`` customers bought X, ``pair_customers`` bought
    both X and Y (at any time), ``followers`` bought Y for the first time after their first X.
    ``confidence`` is followers / buyers ("34 % of X's buyers then bought Y"); ``lift`` is that
    confidence over Y's share of all customers (above 1: X's buyers take Y more than others do);
    ``support`` is pair_customers over every customer who bought a catalog product.
    """

    __tablename__ = "analytics_rule"

    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("analytics_snapshot.id", ondelete="CASCADE"),
                                             primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("core_product.id", ondelete="CASCADE"), primary_key=True)
    then_product_id: Mapped[int] = mapped_column(sa.ForeignKey("core_product.id", ondelete="CASCADE"),
                                                 primary_key=True)
    buyers: Mapped[int]
    pair_customers: Mapped[int]
    followers: Mapped[int]
    support: Mapped[float] = mapped_column(sa.Float)
    confidence: Mapped[float] = mapped_column(sa.Float)
    lift: Mapped[float] = mapped_column(sa.Float)


class Recommendation(db.Model):
    """One of a customer's top products to offer in one snapshot, with the rule that suggests it."""

    __tablename__ = "analytics_recommendation"

    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("analytics_snapshot.id", ondelete="CASCADE"),
                                             primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)   # 1 = best
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("core_product.id", ondelete="CASCADE"))
    # The bought product whose rule suggests it; NULL for a popular product filling the list.
    because_product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_product.id", ondelete="CASCADE"))
    confidence: Mapped[float] = mapped_column(sa.Float)
    lift: Mapped[float] = mapped_column(sa.Float)


class CustomerProfit(db.Model):
    """One customer's profit in one snapshot: revenue − cost of goods − other plugins' costs.

    ``goods_cost`` sums the lines' known costs (``uncosted_lines`` counts lines whose cost was
    unknown, counted as 0); ``other_cost`` sums what the ``analytics_customer_costs`` hook
    contributed (repairs not billed, compensation paid).
    """

    __tablename__ = "analytics_profit"
    __table_args__ = (
        sa.Index("ix_analytics_profit_rank", "snapshot_id", "profit", "customer_id"),
        sa.Index("ix_analytics_profit_owner_rank", "snapshot_id", "owner_id", "profit", "customer_id"),
        sa.Index("ix_analytics_profit_customer", "customer_id"),
    )

    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("analytics_snapshot.id", ondelete="CASCADE"),
                                             primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    revenue: Mapped[Decimal] = mapped_column(Money)
    goods_cost: Mapped[Decimal] = mapped_column(Money)
    other_cost: Mapped[Decimal] = mapped_column(Money)
    profit: Mapped[Decimal] = mapped_column(Money)
    uncosted_lines: Mapped[int] = mapped_column(default=0)


class Demand(db.Model):
    """Units sold (history) or forecast in one price band and month of one snapshot."""

    __tablename__ = "analytics_demand"

    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("analytics_snapshot.id", ondelete="CASCADE"),
                                             primary_key=True)
    band: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)   # 1 = cheapest
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)         # first day of the month
    units: Mapped[float] = mapped_column(sa.Float)                          # sold, or the forecast's mean
    forecast: Mapped[bool] = mapped_column(default=False)
    lower: Mapped[float | None] = mapped_column(sa.Float)                   # 95 % prediction interval
    upper: Mapped[float | None] = mapped_column(sa.Float)


class ProductInterval(db.Model):
    """How long customers wait before buying a product again, in one snapshot (repurchase.py)."""

    __tablename__ = "analytics_product_interval"
    __table_args__ = (
        # The list: most repeat customers first (the best-founded medians), per snapshot.
        sa.Index("ix_analytics_product_interval_rank", "snapshot_id", "repeat_customers", "product_id"),
    )

    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("analytics_snapshot.id", ondelete="CASCADE"),
                                             primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("core_product.id", ondelete="CASCADE"), primary_key=True)
    buyers: Mapped[int]                 # customers who bought it at least once
    repeat_customers: Mapped[int]       # … and again on a later day
    intervals: Mapped[int]              # gaps between a customer's purchases of it
    median_days: Mapped[float] = mapped_column(sa.Float)


class Cluster(db.Model):
    """One cluster of customers in one snapshot (clusters.py): its size and profile.

    ``profile`` holds the most common value of each attribute and its share of the cluster:
    ``{"gender": {"value": "female", "share": 0.8}, "age_band": …, "income_band": …,
    "purpose": …}`` (None for an attribute nobody in the cluster has filled in).
    """

    __tablename__ = "analytics_cluster"

    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("analytics_snapshot.id", ondelete="CASCADE"),
                                             primary_key=True)
    number: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)   # 1 = highest mean R + F + M
    customers: Mapped[int]
    mean_r: Mapped[float] = mapped_column(sa.Float)
    mean_f: Mapped[float] = mapped_column(sa.Float)
    mean_m: Mapped[float] = mapped_column(sa.Float)
    mean_revenue: Mapped[Decimal] = mapped_column(Money)
    profile: Mapped[dict] = mapped_column(sa.JSON)


class OwnerCount(db.Model):
    """How many of one owner's customers hold one (class, previous class, cluster) in one snapshot.

    Written by the job (owner_counts.py) so the overview, the clusters page and the classes API
    read a few rows per owner instead of counting that owner's customers on every view.
    ``previous_class`` is the class in ``Snapshot.counted_against`` (None: new since then).
    ``owner_id`` None: customers without owner. Readers always sum (a deleted user's rows
    become None and join the unowned ones, as their customers' figures do).
    """

    __tablename__ = "analytics_owner_count"
    __table_args__ = (sa.Index("ix_analytics_owner_count_owner", "snapshot_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("analytics_snapshot.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    rfm_class: Mapped[str] = mapped_column(sa.String(20))
    previous_class: Mapped[str | None] = mapped_column(sa.String(20))
    cluster: Mapped[int | None] = mapped_column(sa.SmallInteger)
    customers: Mapped[int]


class RetentionCount(db.Model):
    """Customers of one owner who bought in the period ``before`` and again in the later ``after``.

    A period is its first month (``year * 12 + month - 1``) and its length in months (1, 3 or
    12); ``before == after`` counts the period's buyers. Every pair of periods up to the
    snapshot date is written (owner_counts.py), so retention for any two periods is two
    lookups. The owner is the customer's owner (kept in step on reassignment).
    """

    __tablename__ = "analytics_retention"
    __table_args__ = (sa.Index("ix_analytics_retention_pair", "snapshot_id", "before_start", "before_months",
                               "after_start", "after_months", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("analytics_snapshot.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    before_start: Mapped[int]
    before_months: Mapped[int] = mapped_column(sa.SmallInteger)
    after_start: Mapped[int]
    after_months: Mapped[int] = mapped_column(sa.SmallInteger)
    customers: Mapped[int]


HORIZON_DAYS = 90


def latest_snapshot() -> Snapshot | None:
    """The most recent complete snapshot, or None before the first run."""
    return db.session.execute(
        sa.select(Snapshot).where(Snapshot.completed_at.is_not(None))
        .order_by(Snapshot.completed_at.desc(), Snapshot.id.desc()).limit(1)).scalar_one_or_none()


def reassign(customer_id: int, owner_id: int | None, previous_owner: int | None = None) -> None:
    """The customer changed hands: their figures in every snapshot now belong to the new owner
    (and the snapshots' per-owner counts move with them, from ``previous_owner``)."""
    from plugins.analytics.owner_counts import move_customer

    move_customer(customer_id, previous_owner, owner_id)
    for model in (CustomerFigures, CustomerProfit):
        db.session.execute(sa.update(model).where(model.customer_id == customer_id).values(owner_id=owner_id))
