"""The sales performance page's aggregates at size: SQL against the Python they replaced (issue 17).

    python -m bench.sales_stats                                 # SQLite, bench/data/sales_stats.db
    python -m bench.sales_stats --opportunities 50000
    DATABASE_URL=postgresql://... python -m bench.sales_stats

Fills a database (sales plugin on) with opportunities over 20 salespeople: about 40 % open
(expected close from two months ago to eight months ahead, some undated), 35 % won and 25 %
lost, closed over the last year. Then, medians over ``--repeat`` runs:

* ``forecast``: ``plugins.sales.stats.forecast`` (reads the totals kept by triggers, sales_0031)
  beside the two previous implementations kept here: ``forecast_python`` (every open deal loaded
  and bucketed in Python) and ``forecast_live`` (grouped over ``sales_opportunity`` per call);
* ``performance()`` (this quarter), the dashboard card and the currency list: kept totals beside
  the grouped statements over ``sales_opportunity`` they replaced (``performance_live``,
  ``open_pipeline_live``; the tests use these as the reference the kept totals must equal).

The implementations are checked to give the same figures before timing. Measurements only.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from bench.generate import HERE, generate, make_app

BATCH = 5_000


def database_url() -> str:
    from core.config import database_url as configured

    if os.environ.get("DATABASE_URL"):
        return configured("")
    path = HERE / "data" / "sales_stats.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def fill(app, customers: int, opportunities: int, salespeople: int, seed=17):
    from core.auth.models import User
    from core.db import db
    from core.plugin_ops import initialise_database
    from plugins.sales.models import Opportunity, Stage

    rng = random.Random(seed)
    with app.app_context():
        initialise_database(enable=["sales"])
        if db.session.execute(sa.select(sa.func.count(Opportunity.id))).scalar():
            return
        generate(app, customers, interactions_per_customer=0, echo=lambda *_: None)
        users = [User(email=f"sales{n}@example.com", name=f"Sales {n}", password_hash="x") for n in range(salespeople)]
        stages = [Stage(name=f"Stage {n}", position=n, probability=10 * n) for n in range(1, 6)]
        db.session.add_all(users + stages)
        db.session.commit()
        uids, sids = [u.id for u in users], [s.id for s in stages]
        today, now = date.today(), datetime.now()

        def row(i):
            r = rng.random()
            status = "open" if r < 0.4 else "won" if r < 0.75 else "lost"
            created = now - timedelta(days=rng.uniform(30, 700), seconds=rng.randrange(86400))
            closed = None if status == "open" else created + timedelta(days=rng.uniform(1, 120),
                                                                        seconds=rng.randrange(86400))
            if closed and closed > now:
                closed = now - timedelta(seconds=rng.randrange(86400 * 30))
            close = None if rng.random() < 0.1 else today + timedelta(days=rng.randrange(-60, 240))
            return {"title": f"Deal {i}", "customer_id": rng.randrange(1, customers + 1), "owner_id": rng.choice(uids),
                    "stage_id": rng.choice(sids), "status": status,
                    "expected_revenue": Decimal(rng.randrange(10000, 9000000)) / 100,
                    "currency": "EUR" if rng.random() < 0.9 else "USD", "probability": rng.choice((10, 25, 50, 75, 90)),
                    "expected_close": close, "source": "other", "tags": "", "notes": "", "prospect_name": "",
                    "prospect_email": "", "prospect_phone": "", "lost_note": "", "created_at": created,
                    "closed_at": closed, "updated_at": closed or created}

        for start in range(0, opportunities, BATCH):
            with db.engine.begin() as conn:
                conn.execute(Opportunity.__table__.insert(), [row(i) for i in range(start, min(opportunities, start + BATCH))])
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))


# -- the previous implementations (before issue 17), kept as the baseline --------------------------


def forecast_python(currency: str, months: int = 6, today: date | None = None):
    from core.db import db
    from plugins.sales.models import OPEN, Opportunity
    from plugins.sales.totals import money

    zero = Decimal("0.00")
    today = today or date.today()
    first = today.replace(day=1)
    keys, d = [], first
    for _i in range(months):
        keys.append(d.strftime("%Y-%m"))
        d = date(d.year + (d.month == 12), 1 if d.month == 12 else d.month + 1, 1)
    buckets = {k: [zero, zero] for k in keys}
    stmt = (sa.select(Opportunity.expected_close, Opportunity.expected_revenue, Opportunity.probability)
            .where(Opportunity.status == OPEN, Opportunity.currency == currency,
                   sa.or_(Opportunity.expected_close.is_(None), Opportunity.expected_close < d)))
    for close, amount, prob in db.session.execute(stmt):
        key = keys[0] if close is None or close < first else close.strftime("%Y-%m")
        buckets[key][0] += amount
        buckets[key][1] += amount * prob / 100
    return [(k, money(v[0]), money(v[1])) for k, v in buckets.items()]


def _month_key(col):
    """``YYYY-MM`` of a date column, computed by the database."""
    from core.db import db

    if db.engine.dialect.name == "sqlite":
        return sa.func.strftime("%Y-%m", col)
    return sa.func.to_char(col, "YYYY-MM")


def _average_days(start, end):
    """The average of ``end - start`` in (fractional) days, computed by the database."""
    from core.db import db

    if db.engine.dialect.name == "sqlite":
        return sa.func.avg(sa.func.julianday(end) - sa.func.julianday(start))
    return sa.func.avg(sa.extract("epoch", end - start)) / 86400


def performance_live(period, currency: str, user_ids=None):
    """``stats.performance`` as it was before sales_0031: grouped over ``sales_opportunity`` on
    each call. The tests use it as the reference the kept totals must equal."""
    from core.auth.models import User
    from core.db import db
    from plugins.sales.models import LOST, OPEN, WON, Opportunity, Target
    from plugins.sales.stats import Performance, _dec

    start = datetime.combine(period.start, datetime.min.time())
    end = datetime.combine(period.end, datetime.min.time())
    rows: dict = {}

    def row(uid):
        return rows.setdefault(uid, Performance(uid, ""))

    def scope(stmt):
        stmt = stmt.where(Opportunity.owner_id.is_not(None))
        return stmt.where(Opportunity.owner_id.in_(user_ids)) if user_ids is not None else stmt

    for uid, status, count, total in db.session.execute(scope(
            sa.select(Opportunity.owner_id, Opportunity.status, sa.func.count(), sa.func.sum(Opportunity.expected_revenue))
            .where(Opportunity.closed_at >= start, Opportunity.closed_at < end, Opportunity.currency == currency)
            .group_by(Opportunity.owner_id, Opportunity.status))):
        if status == WON:
            row(uid).won, row(uid).won_revenue = count, _dec(total)
        elif status == LOST:
            row(uid).lost = count
    for uid, days in db.session.execute(scope(
            sa.select(Opportunity.owner_id, _average_days(Opportunity.created_at, Opportunity.closed_at))
            .where(Opportunity.status == WON, Opportunity.closed_at >= start, Opportunity.closed_at < end,
                   Opportunity.currency == currency).group_by(Opportunity.owner_id))):
        if days is not None:
            row(uid).days_to_close = float(days)
    weighted = sa.func.sum(Opportunity.expected_revenue * Opportunity.probability)
    for uid, total, w in db.session.execute(scope(
            sa.select(Opportunity.owner_id, sa.func.sum(Opportunity.expected_revenue), weighted)
            .where(Opportunity.status == OPEN, Opportunity.currency == currency).group_by(Opportunity.owner_id))):
        row(uid).open_value, row(uid).weighted = _dec(total), _dec(Decimal(str(w or 0)) / 100)
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


def forecast_live(currency: str, months: int = 6, user_ids=None, today: date | None = None):
    """``stats.forecast`` as it was before sales_0031 (buckets and sums over ``sales_opportunity``)."""
    from core.db import db
    from plugins.sales.models import OPEN, Opportunity
    from plugins.sales.stats import _dec

    today = today or date.today()
    first = today.replace(day=1)
    keys, d = [], first
    for _i in range(months):
        keys.append(d.strftime("%Y-%m"))
        d = date(d.year + (d.month == 12), 1 if d.month == 12 else d.month + 1, 1)
    close = Opportunity.expected_close
    bucket = sa.case((sa.or_(close.is_(None), close < first), sa.literal(keys[0])), else_=_month_key(close))
    deals = (sa.select(bucket.label("month"), Opportunity.expected_revenue.label("amount"),
                       (Opportunity.expected_revenue * Opportunity.probability).label("weighted"))
             .where(Opportunity.status == OPEN, Opportunity.currency == currency,
                    sa.or_(close.is_(None), close < d)))
    if user_ids is not None:
        deals = deals.where(Opportunity.owner_id.in_(user_ids))
    deals = deals.subquery()
    sums = {m: (a, w) for m, a, w in db.session.execute(
        sa.select(deals.c.month, sa.func.sum(deals.c.amount), sa.func.sum(deals.c.weighted)).group_by(deals.c.month))}
    return [(k, _dec(sums.get(k, (None, None))[0]), _dec(Decimal(str(sums.get(k, (None, None))[1] or 0)) / 100))
            for k in keys]


def open_pipeline_live(owner_id: int):
    """The dashboard card's statement before sales_0031: ``owner_id = ? AND status = 'open'``."""
    from core.db import db
    from plugins.sales.models import OPEN, Opportunity
    from plugins.sales.stats import _dec

    return [(c, n, _dec(s)) for c, n, s in db.session.execute(
        sa.select(Opportunity.currency, sa.func.count(), sa.func.sum(Opportunity.expected_revenue))
        .where(Opportunity.owner_id == owner_id, Opportunity.status == OPEN)
        .group_by(Opportunity.currency).order_by(Opportunity.currency))]


def median_ms(fn, repeat: int) -> float:
    from core.db import db

    fn()
    times = []
    for _ in range(repeat):
        db.session.expunge_all()
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--opportunities", type=int, default=50_000)
    parser.add_argument("--salespeople", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    url = database_url()
    app = make_app(url)
    started = time.perf_counter()
    fill(app, args.customers, args.opportunities, args.salespeople)
    print(f"database ready in {time.perf_counter() - started:.1f} s: "
          f"{sa.engine.make_url(url).render_as_string(hide_password=True)}")
    from core.db import db
    from plugins.sales import stats
    from plugins.sales.models import OPEN, Opportunity

    with app.app_context():
        period = stats.parse_period(None)
        year = stats.parse_period(str(date.today().year - 1) + "-12")  # a closed month with deals
        owner = db.session.execute(sa.select(sa.func.min(Opportunity.owner_id))).scalar()
        n_open = db.session.execute(sa.select(sa.func.count()).where(Opportunity.status == OPEN,
                                                                     Opportunity.currency == "EUR")).scalar()
        # Same figures before timing (the weighted sums may differ by a cent on SQLite, where the
        # live statement sums floats; the kept totals sum whole cents).
        assert stats.forecast("EUR") == forecast_python("EUR"), "the kept forecast differs from the Python one"
        for p in (period, year):
            live, kept = performance_live(p, "EUR"), stats.performance(p, "EUR")
            assert [(r.user_id, r.won, r.lost, r.won_revenue, r.open_value) for r in live] == \
                   [(r.user_id, r.won, r.lost, r.won_revenue, r.open_value) for r in kept], "performance differs"
            assert all(abs((a.days_to_close or 0) - (b.days_to_close or 0)) < 1e-4 for a, b in zip(live, kept))
        assert stats.open_pipeline(owner) == open_pipeline_live(owner), "the dashboard card differs"
        rows = [
            (f"forecast, 6 months ({n_open:,} open EUR deals)", median_ms(lambda: forecast_python("EUR"), args.repeat),
             median_ms(lambda: forecast_live("EUR"), args.repeat), median_ms(lambda: stats.forecast("EUR"), args.repeat)),
            ("performance(), this quarter", None, median_ms(lambda: performance_live(period, "EUR"), args.repeat),
             median_ms(lambda: stats.performance(period, "EUR"), args.repeat)),
            ("dashboard card (one salesperson's open pipeline)", None,
             median_ms(lambda: open_pipeline_live(owner), args.repeat),
             median_ms(lambda: stats.open_pipeline(owner), args.repeat)),
            ("currency list", None,
             median_ms(lambda: db.session.execute(sa.select(Opportunity.currency).distinct().limit(20)).all(),
                       args.repeat),
             median_ms(stats.currencies, args.repeat)),
        ]
        cpu = {}
        for label, fn in (("live", lambda: (performance_live(period, "EUR"), forecast_live("EUR"))),
                          ("kept", lambda: (stats.performance(period, "EUR"), stats.forecast("EUR")))):
            started = time.process_time()
            for _ in range(args.repeat):
                fn()
            cpu[label] = (time.process_time() - started) * 1000 / args.repeat
        dialect = db.engine.dialect.name
    print(f"\n{dialect}, {args.opportunities:,} opportunities, median of {args.repeat} runs (wall clock)\n")
    print("| aggregate | Python (before sales_stats), ms | SQL over the table (before), ms | kept totals (now), ms |")
    print("|---|---:|---:|---:|")
    for label, python, before, after in rows:
        print(f"| {label} | {'' if python is None else f'{python:.1f}'} | {before:.1f} | {after:.1f} |")
    print(f"\nperformance() + forecast(), CPU time of this process per call: live {cpu['live']:.1f} ms, "
          f"kept {cpu['kept']:.1f} ms (SQLite runs in-process; PostgreSQL's work is in the server)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
