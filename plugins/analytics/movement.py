"""Movement between RFM classes from the previous snapshot to the latest, and the overdue list.

Both read the snapshot tables only (no sales data): the job keeps the previous complete
snapshot for exactly this comparison. Record rules apply through ``scoped`` on the
*latest* snapshot's rows: a salesperson sees how their own customers moved.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core.db import db
from core.security import scoped
from plugins.analytics.models import CustomerFigures, Snapshot


def previous_snapshot(snapshot) -> Snapshot | None:
    """The complete snapshot before ``snapshot`` (the one the job keeps), or None."""
    if snapshot is None:
        return None
    return db.session.execute(
        sa.select(Snapshot).where(Snapshot.completed_at.is_not(None), Snapshot.id < snapshot.id)
        .order_by(Snapshot.completed_at.desc(), Snapshot.id.desc()).limit(1)).scalar_one_or_none()


def class_movement(snapshot, previous) -> dict:
    """How the visible customers of ``snapshot`` moved since ``previous``, in one grouped query.

    Returns ``{"moves": [(from_class, to_class, customers), ...]`` (changed class only,
    most customers first; ``from_class`` None for customers new since the previous
    snapshot), ``"stayed"``: customers who kept their class}.

    Read from the snapshot's per-owner counts when they were taken against ``previous``
    (owner_counts.py); otherwise counted live over both snapshots' rows.
    """
    from plugins.analytics.owner_counts import movement_counts

    counts = movement_counts(snapshot, previous)
    if counts is None:
        before = aliased(CustomerFigures)
        stmt = (scoped(sa.select(before.rfm_class, CustomerFigures.rfm_class, sa.func.count())
                       .select_from(CustomerFigures), CustomerFigures)
                .outerjoin(before, sa.and_(before.customer_id == CustomerFigures.customer_id,
                                           before.snapshot_id == previous.id))
                .where(CustomerFigures.snapshot_id == snapshot.id)
                .group_by(before.rfm_class, CustomerFigures.rfm_class))
        counts = db.session.execute(stmt).all()
    moves, stayed = [], 0
    for old, new, n in counts:
        if old == new:
            stayed += n
        else:
            moves.append((old, new, n))
    moves.sort(key=lambda m: (-m[2], m[0] or "", m[1]))
    return {"moves": moves, "stayed": stayed}


def overdue_query(snapshot) -> sa.Select:
    """Visible customers of ``snapshot`` past their usual purchase date (``overdue_days`` set)."""
    return scoped(sa.select(CustomerFigures), CustomerFigures).where(
        CustomerFigures.snapshot_id == snapshot.id, CustomerFigures.overdue_days.is_not(None))
