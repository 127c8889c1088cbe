"""How long the analytics recomputation takes, beside one plain SQL pass computing the same RFM.

    python -m bench.analytics                          # 100,000 customers, ~1,000,000 lines, SQLite
    python -m bench.analytics --customers 20000        # smaller
    DATABASE_URL=postgresql://... python -m bench.analytics

The database (``bench/data/analytics-<customers>.db`` on SQLite) is filled once, with SQLAlchemy Core
inserts straight into sales' tables: customers from :mod:`bench.generate`, then confirmed
orders simulated per customer from a BG/NBD-like process (a purchase rate per customer,
a chance to drop out after each purchase) over two years, 1–4 lines each.

Measured:

* **recompute**: ``plugins.analytics.compute.recompute`` as the job runs it — read sales'
  lines through the query hook, summed per customer and day in SQL and streamed;
  summaries; RFM; BG/NBD and Gamma-Gamma fits and scoring; writing the snapshot — with
  the time of each phase;
* **floor**: the same R, F, M quintile scores from one plain SQL statement over the same
  tables (per-day sums, per-customer aggregates, ``NTILE(5)`` windows), all rows fetched;
* **pages**: median of 20 requests of the overview, the ranked list, a customer page and
  the API, from the snapshot;
* the process's peak memory (``ru_maxrss``).

These are measurements, never test assertions.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
BATCH = 10_000
AS_OF = date(2026, 11, 1)


def database_url(customers: int) -> str:
    from core.config import database_url as configured

    if os.environ.get("DATABASE_URL"):
        return configured("")
    (HERE / "data").mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{HERE / 'data' / f'analytics-{customers}.db'}"


def fill(app, customers: int, seed: int = 12) -> tuple[int, int]:
    """Customers and their confirmed orders; returns (orders, lines). Skipped if already filled."""
    from bench.generate import generate, prepare
    from core.db import db
    from core.plugin_ops import enable_plugin
    from plugins.sales.models import Order, OrderLine

    prepare(app)
    with app.app_context():
        if not app.extensions["rapport"].plugins.is_enabled("analytics"):
            enable_plugin("analytics")  # and sales, which it requires
        have = db.session.execute(sa.select(sa.func.count(OrderLine.id))).scalar()
        if have:
            return db.session.execute(sa.select(sa.func.count(Order.id))).scalar(), have
        generate(app, customers, interactions_per_customer=0, echo=lambda *_: None)
        ids = db.session.execute(sa.text("select id from core_customer order by id")).scalars().all()
        rng = random.Random(seed)
        orders, lines, order_id, line_id = [], [], 0, 0
        engine = db.engine

        def flush(force=False):
            nonlocal orders, lines
            if orders and (force or len(lines) >= BATCH * 5):
                with engine.begin() as conn:
                    conn.execute(Order.__table__.insert(), orders)
                    conn.execute(OrderLine.__table__.insert(), lines)
                orders, lines = [], []

        horizon = 730
        for cid in ids:
            rate = rng.gammavariate(0.8, 1 / 40)      # purchases per day while alive
            drop = rng.betavariate(0.6, 3.0)          # chance to leave after a purchase
            spend = rng.gammavariate(4.0, 0.25)       # the customer's usual basket size (mean 1)
            day = rng.uniform(0, horizon - 1)
            while day < horizon:
                order_id += 1
                when = datetime.combine(AS_OF - timedelta(days=horizon), datetime.min.time()) + timedelta(days=day)
                n_lines = rng.randint(1, 4)
                subtotal = Decimal(0)
                for pos in range(n_lines):
                    line_id += 1
                    price = (Decimal(rng.randrange(500, 30000)) * Decimal(repr(round(spend, 3))) / 100).quantize(
                        Decimal("0.01")) or Decimal("0.01")
                    subtotal += price
                    lines.append({"id": line_id, "order_id": order_id, "position": pos, "description": "Item",
                                  "quantity": Decimal(1), "unit_price": price, "unit_cost": price * Decimal("0.6"),
                                  "line_total": price, "tax_rate": Decimal(0), "tax_amount": Decimal(0)})
                orders.append({"id": order_id, "number": f"A{order_id:09d}", "customer_id": cid, "state": "confirmed",
                               "currency": "EUR", "subtotal": subtotal, "tax_total": Decimal(0), "total": subtotal,
                               "created_at": when, "updated_at": when, "confirmed_at": when})
                flush()
                if rng.random() < drop:
                    break
                day += rng.expovariate(rate) if rate > 0 else horizon
        flush(force=True)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
        return order_id, line_id


FLOOR_SQL = """
with days as (
    select o.customer_id, date(o.confirmed_at) as day, sum(l.line_total) as amount
    from sales_order o join sales_order_line l on l.order_id = o.id
    where o.state = 'confirmed' and o.currency = 'EUR' and date(o.confirmed_at) <= :as_of
    group by o.customer_id, date(o.confirmed_at)
), per as (
    select customer_id, count(*) as purchases, max(day) as last_day, sum(amount) as revenue
    from days group by customer_id
)
select customer_id, purchases, last_day, revenue,
       ntile(5) over (order by last_day) as r, ntile(5) over (order by purchases) as f,
       ntile(5) over (order by revenue) as m
from per
"""


def timed_floor(app) -> tuple[float, int]:
    from core.db import db

    with app.app_context():
        sql = FLOOR_SQL if db.engine.dialect.name == "sqlite" else FLOOR_SQL.replace("date(o.confirmed_at)",
                                                                                     "o.confirmed_at::date")
        started = time.perf_counter()
        rows = db.session.execute(sa.text(sql), {"as_of": AS_OF.isoformat()}).all()
        return time.perf_counter() - started, len(rows)


def timed_recompute(app) -> dict:
    from core.db import db
    from plugins.analytics import compute

    phases = {}
    original_summarise, original_score = compute.summarise, compute.score

    def summarise(*a, **kw):
        t = time.perf_counter()
        out = original_summarise(*a, **kw)
        phases["read + summarise"] = time.perf_counter() - t
        return out

    def score(*a, **kw):
        t = time.perf_counter()
        out = original_score(*a, **kw)
        phases["RFM + fit + scoring"] = time.perf_counter() - t
        return out

    compute.summarise, compute.score = summarise, score
    try:
        with app.app_context():
            started = time.perf_counter()
            result = compute.recompute(as_of=AS_OF.isoformat())
            phases["total"] = time.perf_counter() - started
            phases["write + publish"] = phases["total"] - phases["read + summarise"] - phases["RFM + fit + scoring"]
            phases["result"] = result
            from plugins.analytics.models import latest_snapshot

            snap = latest_snapshot()
            phases["model"] = (snap.bg_r, snap.bg_alpha, snap.bg_a, snap.bg_b, snap.gg_p, snap.gg_q, snap.gg_gamma)
            db.session.remove()
    finally:
        compute.summarise, compute.score = original_summarise, original_score
    return phases


def timed_pages(app, repeat=20) -> dict:
    from bench.customers_list import api_headers
    from bench.generate import BENCH_EMAIL, BENCH_PASSWORD
    from core.db import db
    from plugins.analytics.models import CustomerFigures, latest_snapshot

    with app.app_context():
        snap = latest_snapshot()
        top = db.session.execute(sa.select(CustomerFigures.customer_id).where(CustomerFigures.snapshot_id == snap.id)
                                 .order_by(CustomerFigures.expected_value.desc()).limit(1)).scalar()
    client = app.test_client()
    client.post("/login", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD})
    headers = api_headers(app)
    out = {}
    for label, url, hdrs in (("overview", "/analytics/", None), ("ranked list", "/analytics/customers", None),
                             ("customer page (with panel)", f"/customers/{top}", None),
                             ("API customer figures", f"/api/v1/analytics/customers/{top}", headers)):
        assert client.get(url, headers=hdrs).status_code == 200, url
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            client.get(url, headers=hdrs)
            times.append((time.perf_counter() - t) * 1000)
        out[label] = statistics.median(times)
    # The panel alone: the customer page's time is mostly the core's own queries.
    from flask_login import login_user

    from core.auth.models import User
    from core.customers.models import Customer
    from plugins.analytics.panels import customer_panel

    with app.test_request_context():
        user = db.session.execute(sa.select(User).where(User.email == BENCH_EMAIL)).scalar_one()
        login_user(user)
        customer = db.session.get(Customer, top)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            customer_panel(customer, user)
            times.append((time.perf_counter() - t) * 1000)
        out["analytics panel alone"] = statistics.median(times)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args(argv)
    from bench.generate import make_app

    url = database_url(args.customers)
    app = make_app(url)
    t = time.perf_counter()
    orders, lines = fill(app, args.customers)
    print(f"database: {url.split('@')[-1]}  orders {orders:,}  lines {lines:,}  (filled/checked in "
          f"{time.perf_counter() - t:.0f} s)")
    floor, rows = timed_floor(app)
    print(f"floor: plain SQL RFM pass, {rows:,} customers: {floor:.1f} s")
    phases = timed_recompute(app)
    print(f"recompute: {phases['result']}")
    for key in ("read + summarise", "RFM + fit + scoring", "write + publish", "total"):
        print(f"  {key:<22} {phases[key]:7.1f} s")
    print("  model r, α, a, b, p, q, γ:", ", ".join(f"{v:.4g}" for v in phases["model"] if v is not None))
    for label, ms in timed_pages(app).items():
        print(f"page {label:<28} median {ms:6.1f} ms")
    print(f"peak memory (ru_maxrss): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
