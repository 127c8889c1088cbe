"""``bulk.insert_rows`` (COPY on PostgreSQL, the raw executemany on SQLite) stores exactly what a
SQLAlchemy Core insert stores: the customer figures of a real recomputation, written again
through Core into a second snapshot, read back equal, column by column (dates, decimals, floats,
NULLs, text); and the rows are part of the session's transaction (a rollback drops them)."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.db import db

from analytics_testdata import buy, customer

AS_OF = date(2026, 6, 30)


def _figures(snapshot_id):
    from plugins.analytics.models import CustomerFigures

    t = CustomerFigures.__table__
    rows = db.session.execute(sa.select(t).where(t.c.snapshot_id == snapshot_id).order_by(t.c.customer_id)).mappings()
    return [{k: v for k, v in r.items() if k != "snapshot_id"} for r in rows]


@pytest.mark.plugins("sales", "analytics")
def test_bulk_rows_read_back_as_core_rows(app):
    from plugins.analytics import bulk
    from plugins.analytics.compute import recompute
    from plugins.analytics.models import CustomerFigures, Snapshot, latest_snapshot

    with app.app_context():
        for n in range(12):
            c = customer(f"Customer {n}")
            for k in range(1 + n % 4):
                buy(c, AS_OF - timedelta(days=17 * n + 40 * k), f"{10 + n}.{n:02d}")
        db.session.commit()
        recompute(as_of=AS_OF.isoformat())                  # written with bulk.insert_rows
        written = _figures(latest_snapshot().id)
        again = Snapshot(as_of=AS_OF, currency="EUR")
        db.session.add(again)
        db.session.flush()
        db.session.connection().execute(CustomerFigures.__table__.insert(),
                                        [dict(r, snapshot_id=again.id) for r in written])
        core = _figures(again.id)
        other = Snapshot(as_of=AS_OF, currency="EUR")
        db.session.add(other)
        db.session.commit()
        columns = list(core[0])
        count = bulk.insert_rows(CustomerFigures.__table__, ["snapshot_id", *columns],
                                 [(other.id, *(r[c] for c in columns)) for r in core])
        via_bulk = _figures(other.id)
        db.session.rollback()
        after_rollback = _figures(other.id)

    assert len(written) == 12 and count == 12
    assert any(r["mean_repeat_value"] is None for r in written)          # NULLs among the values
    assert any(r["next_expected"] is not None for r in written)
    assert via_bulk == core == written
    assert after_rollback == []
