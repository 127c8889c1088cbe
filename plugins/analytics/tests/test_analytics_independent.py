"""The job's figures against an independent computation on a generated data set.

The check reads sales' tables directly with one plain SQL query (what the job must never
do, which is what makes it independent of the query hook and of the streaming code) and
recomputes every figure with straightforward Python: pairwise comparisons for the
quintiles, ``statistics.median`` for the intervals.
"""
import random
import statistics
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.db import db

from analytics_testdata import buy, customer

AS_OF = date(2026, 9, 30)


def _generate(n=120, seed=7):
    rng = random.Random(seed)
    start = date(2025, 1, 1)
    for i in range(n):
        cid = customer(f"Πελάτης {i} · לקוח")
        first = start + timedelta(days=rng.randrange(0, 560))
        day = first
        for _ in range(rng.choice([1, 1, 1, 2, 3, 5, 8])):
            if day > AS_OF + timedelta(days=30):
                break
            buy(cid, day, f"{rng.randrange(5, 400)}.{rng.randrange(0, 100):02d}")
            if rng.random() < 0.15:  # a second order the same day
                buy(cid, day, "9.99")
            day += timedelta(days=rng.randrange(1, 90))
    db.session.commit()


def _independent():
    rows = db.session.execute(sa.text(
        "select o.customer_id, o.confirmed_at, l.line_total from sales_order o "
        "join sales_order_line l on l.order_id = o.id where o.state = 'confirmed'")).all()
    per = {}
    for cid, confirmed_at, amount in rows:
        when = confirmed_at if isinstance(confirmed_at, date) else date.fromisoformat(str(confirmed_at)[:10])
        when = when.date() if hasattr(when, "date") else when
        if when > AS_OF:
            continue
        per.setdefault(cid, {}).setdefault(when, Decimal(0))
        per[cid][when] += Decimal(str(amount))
    out = {}
    for cid, days in per.items():
        ds = sorted(days)
        gaps = [(b - a).days for a, b in zip(ds, ds[1:])]
        out[cid] = {"purchases": len(ds), "x": len(ds) - 1, "t_x": (ds[-1] - ds[0]).days, "T": (AS_OF - ds[0]).days,
                    "revenue": sum(days.values()), "since": (AS_OF - ds[-1]).days,
                    "median": statistics.median(gaps) if gaps else None}
    n = len(out)

    def score(key, better):
        return {c: 1 + 5 * sum(1 for o in out.values() if better(o[key], v[key])) // n for c, v in out.items()}

    r = score("since", lambda other, mine: other > mine)   # strictly worse: longer since the last purchase
    f = score("purchases", lambda other, mine: other < mine)
    m = score("revenue", lambda other, mine: other < mine)
    return out, r, f, m


@pytest.mark.plugins("sales", "analytics")
def test_snapshot_matches_an_independent_computation(app):
    from plugins.analytics.compute import recompute
    from plugins.analytics.models import CustomerFigures, latest_snapshot

    with app.app_context():
        _generate()
        recompute(as_of=AS_OF.isoformat())
        snapshot = latest_snapshot()
        got = {row.customer_id: row for row in db.session.execute(
            sa.select(CustomerFigures).where(CustomerFigures.snapshot_id == snapshot.id)).scalars()}
        want, r, f, m = _independent()
    assert set(got) == set(want) and len(want) > 80
    for cid, w in want.items():
        g = got[cid]
        assert (g.purchases, g.frequency, g.recency, g.age) == (w["purchases"], w["x"], w["t_x"], w["T"]), cid
        assert g.revenue == w["revenue"], cid
        assert g.interval_median == w["median"], cid
        assert (g.r_score, g.f_score, g.m_score) == (r[cid], f[cid], m[cid]), cid
    # Every score is used and the model was fitted on this data.
    assert {g.r_score for g in got.values()} == {1, 2, 3, 4, 5}
    assert snapshot.bg_r is not None and all(g.p_alive is not None for g in got.values())
