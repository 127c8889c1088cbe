"""Per-owner counts in the snapshot: what the overview, the clusters page, the classes API and
retention would otherwise count on every view.

A salesperson's overview used to count their customers per class and per (previous class,
class) pair, and their clusters page per cluster: at a million customers that is hundreds of
thousands of rows per view (0.3–0.7 s), and retention grouped every confirmed order of two
periods (0.4–0.7 s). The job now writes, once per snapshot:

* ``OwnerCount``: customers per owner × RFM class × class in the previous snapshot × cluster
  (one grouped ``INSERT … SELECT`` over the snapshot's figures, in the database);
* ``RetentionCount``: per owner and every pair of periods (months, quarters, years; the
  earlier one ending before the later one starts, or both the same: that period's buyers),
  how many customers bought in both — from sales' confirmed orders up to the snapshot date,
  through its ``sales_orders`` query hook, in one grouped ``INSERT … SELECT``.

Readers sum the rows the record rule lets them see (a salesperson: their own owner id).
A snapshot written before these tables existed has ``owner_counts`` False: its pages count
live as before, until the next run.

When a customer changes hands (``customer_updated``), :func:`move_customer` moves their one
count per snapshot (and their retention pairs) from the old owner to the new one, as the
figures' ``owner_id`` is moved: the record rule and the counts stay in step. A deleted
customer stays counted until the next run (as in the clusters' sizes and the profit summary).
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from itertools import product

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core.db import db
from core.security import scoped
from plugins.analytics.models import CustomerFigures, OwnerCount, RetentionCount, Snapshot

LENGTHS = (1, 3, 12)        # a period's length in months: month, quarter, year
READ_CHUNK = 20_000
WRITE_CHUNK = 5_000


def _cutoff(snapshot) -> datetime:
    """Orders confirmed before the end of the snapshot's day count."""
    return datetime.combine(snapshot.as_of + timedelta(days=1), time.min)


def write_counts(snapshot: Snapshot) -> None:
    """Write the snapshot's per-owner class counts and retention counts (before it is published)."""
    from plugins.analytics.movement import previous_snapshot

    previous = previous_snapshot(snapshot)
    _write_class_counts(snapshot, previous)
    _write_retention_counts(snapshot)
    snapshot.owner_counts = True
    snapshot.counted_against = previous.id if previous is not None else None
    db.session.flush()


def _write_class_counts(snapshot, previous) -> None:
    figures = CustomerFigures
    keys = [figures.owner_id, figures.rfm_class, figures.cluster]
    if previous is not None:
        before = aliased(CustomerFigures)
        old_class, keys = before.rfm_class, keys + [before.rfm_class]
        source = sa.select(figures).outerjoin(
            before, sa.and_(before.snapshot_id == previous.id, before.customer_id == figures.customer_id))
    else:
        old_class = sa.null()       # not grouped by: PostgreSQL refuses a constant in GROUP BY
        source = sa.select(figures)
    counts = (source.with_only_columns(sa.literal(snapshot.id), figures.owner_id, figures.rfm_class,
                                       old_class, figures.cluster, sa.func.count())
              .where(figures.snapshot_id == snapshot.id)
              .group_by(*keys))
    db.session.execute(sa.insert(OwnerCount).from_select(
        ["snapshot_id", "owner_id", "rfm_class", "previous_class", "cluster", "customers"], counts))


def _month(column):
    """A timestamp's month as a number (``year * 12 + month - 1``), on SQLite and PostgreSQL."""
    return sa.cast(sa.extract("year", column), sa.Integer) * 12 + sa.cast(sa.extract("month", column), sa.Integer) - 1


def _write_retention_counts(snapshot) -> None:
    """Every owner's pair counts: the (customer, month) purchases come from SQL (distinct, one row
    per customer and month), the pairs are counted as a sparse product per owner (periods ×
    customers × periods), in C: enumerating the pairs in SQL (~20 per customer on the bench's
    ten years of orders) and grouping them cost 4× more."""
    from core import query
    from core.customers.models import Customer

    orders = query("sales_orders")
    if orders is None:
        return
    orders = orders.subquery()
    month = _month(orders.c.confirmed_at).label("month")
    # GROUP BY (customer, month) rather than DISTINCT over the owner too: 40 % less work for SQLite.
    stmt = (sa.select(orders.c.customer_id, month, sa.func.min(Customer.owner_id))
            .join(Customer, Customer.id == orders.c.customer_id)
            .where(orders.c.confirmed_at < _cutoff(snapshot)).group_by(orders.c.customer_id, month)
            .execution_options(yield_per=READ_CHUNK))
    customers, months, owners = [], [], []
    # Core on the session's connection (same transaction): no ORM row processing for a million rows.
    for part in db.session.connection().execute(stmt).partitions():
        for customer_id, m, owner_id in part:
            customers.append(customer_id)
            months.append(m)
            owners.append(-1 if owner_id is None else owner_id)
    if not customers:
        return
    rows = []
    for snapshot_row in _pair_counts(np.array(customers), np.array(months), np.array(owners)):
        rows.append(dict(zip(("owner_id", "before_start", "before_months", "after_start", "after_months",
                              "customers"), snapshot_row), snapshot_id=snapshot.id))
        if len(rows) >= WRITE_CHUNK:
            db.session.connection().execute(RetentionCount.__table__.insert(), rows)
            rows = []
    if rows:
        db.session.connection().execute(RetentionCount.__table__.insert(), rows)


def _pair_counts(customers, months, owners):
    """(owner or None, before start, before months, after start, after months, customers) for every
    pair of periods some customer bought in (the earlier ending before the later starts, or the
    same period twice: its buyers), from one (customer, month, owner) row per customer and month."""
    from scipy import sparse

    _ids, row = np.unique(customers, return_inverse=True)
    months = months.astype(np.int64)
    # A period as one number (start × 16 + length: lengths are below 16) for a fast 1-D unique.
    codes = np.concatenate([months // length * length * 16 + length for length in LENGTHS])
    unique_codes, col = np.unique(codes, return_inverse=True)
    keys = np.stack([unique_codes // 16, unique_codes % 16], axis=1)
    rows = np.tile(row, len(LENGTHS))
    bought = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, col)),
                               shape=(len(_ids), len(keys)))
    bought.data[:] = 1                                      # a period bought in twice is one
    owner_of = np.zeros(len(_ids), dtype=owners.dtype)
    owner_of[row] = owners
    end = keys[:, 0] + keys[:, 1]
    for owner in np.unique(owner_of):
        mine = bought[owner_of == owner]
        pairs = (mine.T @ mine).tocoo()
        keep = (pairs.row == pairs.col) | (end[pairs.row] <= keys[pairs.col, 0])
        for a, b, n in zip(pairs.row[keep], pairs.col[keep], pairs.data[keep]):
            yield (None if owner == -1 else int(owner), int(keys[a, 0]), int(keys[a, 1]), int(keys[b, 0]),
                   int(keys[b, 1]), int(n))


# -- reading -------------------------------------------------------------------------------------

def class_counts(snapshot) -> dict[str, int]:
    """RFM class → customers the user may see (record rule on the owner)."""
    stmt = (scoped(sa.select(OwnerCount.rfm_class, sa.func.sum(OwnerCount.customers)), OwnerCount)
            .where(OwnerCount.snapshot_id == snapshot.id).group_by(OwnerCount.rfm_class))
    return {key: int(n) for key, n in db.session.execute(stmt).all()}


def movement_counts(snapshot, previous) -> list[tuple] | None:
    """(previous class, class, customers) the user may see; None when the counts were taken
    against another previous snapshot than ``previous`` (the caller counts live then)."""
    if not snapshot.owner_counts or snapshot.counted_against != previous.id:
        return None
    stmt = (scoped(sa.select(OwnerCount.previous_class, OwnerCount.rfm_class, sa.func.sum(OwnerCount.customers)),
                   OwnerCount)
            .where(OwnerCount.snapshot_id == snapshot.id)
            .group_by(OwnerCount.previous_class, OwnerCount.rfm_class))
    return [(old, new, int(n)) for old, new, n in db.session.execute(stmt).all()]


def cluster_counts(snapshot) -> dict[int, int]:
    """Cluster number → customers the user may see."""
    stmt = (scoped(sa.select(OwnerCount.cluster, sa.func.sum(OwnerCount.customers)), OwnerCount)
            .where(OwnerCount.snapshot_id == snapshot.id, OwnerCount.cluster.is_not(None))
            .group_by(OwnerCount.cluster))
    return {number: int(n) for number, n in db.session.execute(stmt).all()}


def retention_counts(snapshot, current, previous, owner_id=None, *, only_owner=False) -> list[tuple]:
    """(owner id, bought in ``previous``, bought again in ``current``) per owner (``only_owner``:
    just ``owner_id``'s row), as :func:`plugins.analytics.retention.retention` counts them live."""
    def per_owner(after):
        stmt = (sa.select(RetentionCount.owner_id, sa.func.sum(RetentionCount.customers))
                .where(RetentionCount.snapshot_id == snapshot.id,
                       RetentionCount.before_start == previous.first_month,
                       RetentionCount.before_months == previous.months,
                       RetentionCount.after_start == after.first_month,
                       RetentionCount.after_months == after.months)
                .group_by(RetentionCount.owner_id))
        if only_owner:
            stmt = stmt.where(_owner_is(RetentionCount, owner_id))
        return {owner: int(n) for owner, n in db.session.execute(stmt).all()}

    bought, again = per_owner(previous), per_owner(current)
    return [(owner, n, again.get(owner, 0)) for owner, n in bought.items() if n]


# -- a customer changes hands ----------------------------------------------------------------------

def period_pairs(months) -> list[tuple]:
    """The (before start, before months, after start, after months) keys one customer who bought in
    ``months`` (month numbers) counts in: the Python twin of the job's SQL, for one customer."""
    periods = {(m // length * length, length) for m in months for length in LENGTHS}
    return [(a[0], a[1], b[0], b[1]) for a, b in product(periods, periods) if a == b or a[0] + a[1] <= b[0]]


RETENTION_KEY = ("before_start", "before_months", "after_start", "after_months")
CLASS_KEY = ("rfm_class", "previous_class", "cluster")
SHIFT_CHUNK = 1_000


def _owner_is(model, owner):
    return model.owner_id == owner if owner is not None else model.owner_id.is_(None)


def _rows_of(model, snapshot_id: int, owner, names: tuple, keys: list[tuple]) -> dict[tuple, int]:
    """Key → the id of one of ``owner``'s rows with that key (the lowest, should a deleted user's
    rows have joined the unowned ones)."""
    columns = [getattr(model, name) for name in names]
    found = {}
    for start in range(0, len(keys), SHIFT_CHUNK):
        part = keys[start:start + SHIFT_CHUNK]
        nulls = [k for k in part if None in k]          # NULL never matches IN: looked up one by one
        stmt = (sa.select(*columns, sa.func.min(model.id))
                .where(model.snapshot_id == snapshot_id, _owner_is(model, owner)).group_by(*columns))
        plain = [k for k in part if None not in k]
        if plain:
            found.update({tuple(row[:-1]): row[-1] for row in db.session.execute(
                stmt.where(sa.tuple_(*columns).in_(plain))).all()})
        for key in nulls:
            where = [c.is_(None) if v is None else c == v for c, v in zip(columns, key)]
            row = db.session.execute(stmt.where(*where)).first()
            if row is not None:
                found[key] = row[-1]
    return found


def _shift(model, snapshot_id: int, names: tuple, keys: list[tuple], old_owner, new_owner) -> None:
    """Move one customer counted under ``keys`` from ``old_owner``'s rows to ``new_owner``'s."""
    if not keys:
        return
    old = list(_rows_of(model, snapshot_id, old_owner, names, keys).values())
    for start in range(0, len(old), SHIFT_CHUNK):
        ids = old[start:start + SHIFT_CHUNK]
        db.session.execute(sa.update(model).where(model.id.in_(ids)).values(customers=model.customers - 1))
        db.session.execute(sa.delete(model).where(model.id.in_(ids), model.customers <= 0))
    new = _rows_of(model, snapshot_id, new_owner, names, keys)
    ids = list(new.values())
    for start in range(0, len(ids), SHIFT_CHUNK):
        db.session.execute(sa.update(model).where(model.id.in_(ids[start:start + SHIFT_CHUNK]))
                           .values(customers=model.customers + 1))
    missing = [dict(zip(names, key), snapshot_id=snapshot_id, owner_id=new_owner, customers=1)
               for key in keys if key not in new]
    if missing:
        db.session.execute(sa.insert(model), missing)


def move_customer(customer_id: int, old_owner: int | None, new_owner: int | None) -> None:
    """The customer changed hands: move their counts in every counted snapshot to the new owner.

    Call before the figures' ``owner_id`` is updated (their owner per snapshot is the one counted).
    """
    from core import query

    if old_owner == new_owner:
        return
    orders = query("sales_orders")
    for snap in db.session.execute(sa.select(Snapshot).where(Snapshot.owner_counts.is_(True))).scalars():
        mine = db.session.execute(sa.select(CustomerFigures.owner_id, CustomerFigures.rfm_class,
                                            CustomerFigures.cluster)
                                  .where(CustomerFigures.snapshot_id == snap.id,
                                         CustomerFigures.customer_id == customer_id)).first()
        if mine is not None and mine.owner_id != new_owner:
            previous_class = None
            if snap.counted_against is not None:
                previous_class = db.session.execute(
                    sa.select(CustomerFigures.rfm_class).where(CustomerFigures.snapshot_id == snap.counted_against,
                                                               CustomerFigures.customer_id == customer_id)
                ).scalar_one_or_none()
            _shift(OwnerCount, snap.id, CLASS_KEY, [(mine.rfm_class, previous_class, mine.cluster)],
                   mine.owner_id, new_owner)
        if orders is None:
            continue
        sub = orders.subquery()
        months = {when.year * 12 + when.month - 1 for when in db.session.execute(
            sa.select(sub.c.confirmed_at).where(sub.c.customer_id == customer_id,
                                                sub.c.confirmed_at < _cutoff(snap))).scalars()}
        _shift(RetentionCount, snap.id, RETENTION_KEY, period_pairs(months), old_owner, new_owner)
