"""The sales performance page's aggregates at size: SQL against the Python they replaced (issue 17).

    python -m bench.sales_stats                                 # SQLite, bench/data/sales_stats.db
    python -m bench.sales_stats --opportunities 50000
    DATABASE_URL=postgresql://... python -m bench.sales_stats

Fills a database (sales plugin on) with opportunities over 20 salespeople: about 40 % open
(expected close from two months ago to eight months ahead, some undated), 35 % won and 25 %
lost, closed over the last year. Then, medians over ``--repeat`` runs:

* ``forecast``: ``plugins.sales.stats.forecast`` (buckets and sums in SQL) beside the previous
  implementation, kept here as ``forecast_python`` (every open deal loaded and bucketed in Python),
  and the raw floor: the new grouped statement replayed with the bare driver;
* ``days to close``: the per-salesperson average of ``stats.performance`` in SQL beside the previous
  way (every won deal's two timestamps fetched and averaged in Python), and its raw floor;
* ``performance()`` whole, as the page calls it.

Both implementations are checked to give the same figures before timing. Measurements only.
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


def days_to_close_python(start, end, currency):
    from core.db import db
    from plugins.sales.models import WON, Opportunity

    durations: dict[int, list[float]] = {}
    for uid, created, closed_at in db.session.execute(
        sa.select(Opportunity.owner_id, Opportunity.created_at, Opportunity.closed_at)
        .where(Opportunity.owner_id.is_not(None), Opportunity.status == WON, Opportunity.closed_at >= start,
               Opportunity.closed_at < end, Opportunity.currency == currency)):
        durations.setdefault(uid, []).append((closed_at - created).total_seconds() / 86400)
    return {uid: sum(v) / len(v) for uid, v in durations.items()}


def days_to_close_sql(start, end, currency):
    from core.db import db
    from plugins.sales.models import WON, Opportunity
    from plugins.sales.stats import _average_days

    return {uid: float(days) for uid, days in db.session.execute(
        sa.select(Opportunity.owner_id, _average_days(Opportunity.created_at, Opportunity.closed_at))
        .where(Opportunity.owner_id.is_not(None), Opportunity.status == WON, Opportunity.closed_at >= start,
               Opportunity.closed_at < end, Opportunity.currency == currency)
        .group_by(Opportunity.owner_id))}


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


def raw_ms(app, build, repeat: int) -> float:
    """The statement compiled once and replayed on the bare DB-API connection."""
    from core.db import db

    stmt = build()
    with app.app_context():
        compiled = stmt.compile(dialect=db.engine.dialect)
        params = compiled.params
        sql = str(compiled)
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            if db.engine.dialect.paramstyle in ("qmark",):
                args = tuple(params[k] for k in compiled.positiontup)
            else:
                args = params
            times = []
            for _ in range(repeat + 1):
                started = time.perf_counter()
                cur.execute(sql, args)
                cur.fetchall()
                times.append((time.perf_counter() - started) * 1000)
            return statistics.median(times[1:])
        finally:
            raw.close()


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
    from plugins.sales.models import OPEN, WON, Opportunity

    with app.app_context():
        period = stats.parse_period(None)
        year_ago = stats.Period("last 12 months", date.today() - timedelta(days=365), date.today() + timedelta(days=1))
        start = datetime.combine(year_ago.start, datetime.min.time())
        end = datetime.combine(year_ago.end, datetime.min.time())
        n_open = db.session.execute(sa.select(sa.func.count()).where(Opportunity.status == OPEN,
                                                                     Opportunity.currency == "EUR")).scalar()
        n_won = db.session.execute(sa.select(sa.func.count()).where(
            Opportunity.status == WON, Opportunity.currency == "EUR", Opportunity.closed_at >= start,
            Opportunity.closed_at < end)).scalar()
        assert stats.forecast("EUR") == forecast_python("EUR"), "the SQL forecast differs from the Python one"
        old, new = days_to_close_python(start, end, "EUR"), days_to_close_sql(start, end, "EUR")
        assert old.keys() == new.keys() and all(abs(old[k] - new[k]) < 1e-6 for k in old), "days to close differ"

        def forecast_stmt():
            # The statement stats.forecast runs, rebuilt here for the raw replay.
            first = date.today().replace(day=1)
            horizon = date(first.year + (first.month + 6 > 12), (first.month + 5) % 12 + 1, 1)
            close = Opportunity.expected_close
            bucket = sa.case((sa.or_(close.is_(None), close < first), sa.literal(first.strftime("%Y-%m"))),
                             else_=stats._month_key(close))
            deals = sa.select(bucket.label("m"), Opportunity.expected_revenue.label("a"),
                              (Opportunity.expected_revenue * Opportunity.probability).label("w")).where(
                Opportunity.status == OPEN, Opportunity.currency == "EUR",
                sa.or_(close.is_(None), close < horizon)).subquery()
            return sa.select(deals.c.m, sa.func.sum(deals.c.a), sa.func.sum(deals.c.w)).group_by(deals.c.m)

        def days_stmt():
            return (sa.select(Opportunity.owner_id, stats._average_days(Opportunity.created_at, Opportunity.closed_at))
                    .where(Opportunity.owner_id.is_not(None), Opportunity.status == WON, Opportunity.closed_at >= start,
                           Opportunity.closed_at < end, Opportunity.currency == "EUR").group_by(Opportunity.owner_id))

        rows = [
            (f"forecast, 6 months ({n_open:,} open EUR deals)", median_ms(lambda: forecast_python("EUR"), args.repeat),
             median_ms(lambda: stats.forecast("EUR"), args.repeat), raw_ms(app, forecast_stmt, args.repeat)),
            (f"days to close, 12 months ({n_won:,} won EUR deals)",
             median_ms(lambda: days_to_close_python(start, end, "EUR"), args.repeat),
             median_ms(lambda: days_to_close_sql(start, end, "EUR"), args.repeat), raw_ms(app, days_stmt, args.repeat)),
        ]
        whole = median_ms(lambda: (stats.performance(period, "EUR"), stats.forecast("EUR")), args.repeat)
        dialect = db.engine.dialect.name
    print(f"\n{dialect}, {args.opportunities:,} opportunities, median of {args.repeat} runs\n")
    print("| aggregate | Python (before), ms | SQL (now), ms | raw SQL floor, ms |")
    print("|---|---:|---:|---:|")
    for label, before, after, floor in rows:
        print(f"| {label} | {before:.1f} | {after:.1f} | {floor:.1f} |")
    print(f"\nperformance() + forecast() as the page calls them (this quarter): {whole:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
