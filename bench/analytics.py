"""How long the analytics recomputation takes, beside one plain SQL pass computing the same RFM.

    python -m bench.analytics                          # 100,000 customers, ~1,000,000 lines, SQLite
    python -m bench.analytics --customers 20000        # smaller
    DATABASE_URL=postgresql://... python -m bench.analytics
    python -m bench.analytics --url sqlite:///bench/data/full-1000000.db   # bench.full's database, as is
    python -m bench.analytics --url postgresql://postgres@127.0.0.1:P/rapport_bench_full

With ``--url`` nothing is filled: the database is used as :mod:`bench.full` left it (sales and
service data, every fifth customer owned by the bench salesperson). The analytics plugin is
enabled on it if it is not yet (its migrations run: new tables only), and the bench salesperson
gains a role "Bench analytics" (``analytics.view``) so their pages can be measured too; the
figures are as of the day of the latest confirmed order unless ``--as-of`` says otherwise.

The database (``bench/data/analytics-<customers>.db`` on SQLite) is filled once, with SQLAlchemy Core
inserts straight into sales' tables: customers from :mod:`bench.generate`, then confirmed
orders simulated per customer from a BG/NBD-like process (a purchase rate per customer,
a chance to drop out after each purchase) over two years, 1–4 lines each.

Measured:

* **recompute**: ``plugins.analytics.compute.recompute`` as the job runs it, with the time
  of each phase: read sales' lines through the query hook (summed per customer and day in
  SQL, streamed) and summarise; RFM, BG/NBD and Gamma-Gamma fits and scoring; clusters;
  writing the customer figures; cluster profiles; co-purchase rules; recommendations;
  profit; demand and its forecast; repurchase intervals; the per-owner counts; publishing. CPU of
  this process per phase, and on a PostgreSQL server running on this machine the server's CPU too
  (its processes' times from ``/proc``, exited parallel workers included);
* **floor**: the same R, F, M quintile scores from one plain SQL statement over the same
  tables (per-day sums, per-customer aggregates, ``NTILE(5)`` windows), all rows fetched;
* **pages**: median and p95 of ``--repeat`` requests (after one warm-up) of every analytics
  page (overview, most valuable, overdue, repurchase intervals, profit, demand, clusters,
  retention), a customer page with its analytics panel (and the panel alone) and the API,
  from the snapshot; as the admin and, on bench.full's database, as the salesperson;
* the process's peak memory (``ru_maxrss``) after the recompute and at the end.

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
    where o.state = 'confirmed' and o.currency = :currency and date(o.confirmed_at) <= :as_of
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


def timed_floor(app, as_of: date = AS_OF) -> tuple[float, int]:
    from core.db import db

    with app.app_context():
        sql = FLOOR_SQL if db.engine.dialect.name == "sqlite" else FLOOR_SQL.replace("date(o.confirmed_at)",
                                                                                     "o.confirmed_at::date")
        started = time.perf_counter()
        rows = db.session.execute(sa.text(sql), {"as_of": as_of.isoformat(),
                                                 "currency": app.config["DEFAULT_CURRENCY"]}).all()
        return time.perf_counter() - started, len(rows)


def _phases():
    """(label, module, function) of each timed phase of the recomputation, in the order it runs."""
    from plugins.analytics import clusters, compute, crosssell, demand, owner_counts, product_days, profit, repurchase

    return [("read + summarise", compute, "summarise"), ("RFM + BG/NBD + Gamma-Gamma", compute, "score"),
            ("clusters", clusters, "cluster"), ("cluster profiles", clusters, "write_profiles"),
            ("products per customer (read)", product_days, "read"),
            ("first/last day per product (numpy)", crosssell, "bought_arrays"),
            ("co-purchase rules", crosssell, "mine_rules"), ("recommendations", crosssell, "write_recommendations"),
            ("profit", profit, "write_profit"), ("demand + forecast", demand, "write_demand"),
            ("repurchase intervals", repurchase, "write_intervals"),
            ("per-owner counts", owner_counts, "write_counts"), ("publish", compute, "_publish")]


#: The time of the recompute not inside any wrapped phase: the customer figures' inserts.
WRITE = "write customer figures"


def _server_cpu_reader(app):
    """On a PostgreSQL server on this machine: a function returning the server's CPU seconds so far
    (every backend and worker of the cluster, exited ones included: the postmaster's reaped
    children), from ``/proc``. ``None`` on SQLite or when the server's processes cannot be read."""
    from core.db import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return None
        backend = db.session.execute(sa.text("select pg_backend_pid()")).scalar()
        db.session.remove()
    tick = os.sysconf("SC_CLK_TCK")

    def stat(pid):
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()   # fields from the state on (field 3)

    try:
        postmaster = int(stat(backend)[1])
    except OSError:
        return None

    def seconds():
        fields = stat(postmaster)
        total = sum(int(v) for v in fields[11:15])      # utime, stime, cutime, cstime
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    f = stat(entry)
                except OSError:
                    continue
                if int(f[1]) == postmaster:
                    total += int(f[11]) + int(f[12])
        return total / tick

    return seconds


def timed_recompute(app, as_of: date = AS_OF) -> dict:
    """Run the recomputation once with each phase's function wrapped in a timer (the job's own
    code, untouched: ``compute`` calls these through their modules)."""
    from core.db import db
    from plugins.analytics import compute

    phases, originals, server_phases = {}, [], {}
    server = _server_cpu_reader(app)

    def timer(label, fn):
        def timed(*a, **kw):
            t, c = time.perf_counter(), time.process_time()
            sv = server() if server else 0.0
            try:
                return fn(*a, **kw)
            finally:
                wall, cpu = phases.get(label, (0.0, 0.0))
                phases[label] = (wall + time.perf_counter() - t, cpu + time.process_time() - c)
                if server:
                    server_phases[label] = server_phases.get(label, 0.0) + server() - sv
        return timed

    for label, module, name in _phases():
        originals.append((module, name, getattr(module, name)))
        setattr(module, name, timer(label, getattr(module, name)))
    try:
        with app.app_context():
            started, cpu = time.perf_counter(), time.process_time()
            server_started = server() if server else 0.0
            result = compute.recompute(as_of=as_of.isoformat())
            total, total_cpu = time.perf_counter() - started, time.process_time() - cpu
            server_total = server() - server_started if server else None
            from plugins.analytics.models import latest_snapshot

            snap = latest_snapshot()
            model = (snap.bg_r, snap.bg_alpha, snap.bg_a, snap.bg_b, snap.gg_p, snap.gg_q, snap.gg_gamma)
            db.session.remove()
    finally:
        for module, name, fn in originals:
            setattr(module, name, fn)
    ordered = {label: phases.get(label, (0.0, 0.0)) for label, _m, _n in _phases()}
    ordered[WRITE] = (total - sum(w for w, _c in ordered.values()), total_cpu - sum(c for _w, c in ordered.values()))
    if server:
        server_phases[WRITE] = server_total - sum(server_phases.values())
    return {"phases": ordered, "total": total, "cpu": total_cpu, "result": result, "model": model,
            "server": server_phases if server else None, "server_total": server_total}


def _token(app, email: str) -> dict:
    from core.auth.models import ApiToken, User
    from core.db import db

    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one()
        _row, clear = ApiToken.issue(user, "bench")
        db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def _best_customer(app, owner_email: str | None = None):
    """The customer with the highest expected value (of this owner), for the customer page and the API."""
    from core.auth.models import User
    from core.db import db
    from plugins.analytics.models import CustomerFigures, latest_snapshot

    with app.app_context():
        stmt = (sa.select(CustomerFigures.customer_id).where(CustomerFigures.snapshot_id == latest_snapshot().id)
                .order_by(CustomerFigures.expected_value.desc().nulls_last(), CustomerFigures.customer_id).limit(1))
        if owner_email:
            owner = db.session.execute(sa.select(User.id).where(User.email == owner_email)).scalar_one()
            stmt = stmt.where(CustomerFigures.owner_id == owner)
        return db.session.execute(stmt).scalar()


def page_list(customer_id) -> list[tuple[str, str, bool]]:
    """(label, address, through the API) of every analytics page measured."""
    return [("overview", "/analytics/", False), ("most valuable", "/analytics/customers", False),
            ("overdue", "/analytics/overdue", False), ("repurchase intervals", "/analytics/products", False),
            ("profit", "/analytics/profit", False), ("demand", "/analytics/demand", False),
            ("clusters", "/analytics/clusters", False), ("retention", "/analytics/retention", False),
            ("customer page (with panel)", f"/customers/{customer_id}", False),
            ("API customer figures", f"/api/v1/analytics/customers/{customer_id}", True),
            ("API figures list", "/api/v1/analytics/customers?limit=50", True),
            ("API recommendations", f"/api/v1/analytics/customers/{customer_id}/recommendations", True),
            ("API classes", "/api/v1/analytics/classes", True),
            ("API clusters", "/api/v1/analytics/clusters", True)]


def timed_pages(app, repeat=20, users=None) -> list[dict]:
    """Median and p95 (ms) of each page for each user: ``users`` maps a label to (email, password);
    a page the user may not see (the demand page is managers' only) is skipped."""
    from bench.customers_list import p95
    from bench.generate import BENCH_EMAIL, BENCH_PASSWORD

    users = users or {"admin": (BENCH_EMAIL, BENCH_PASSWORD)}
    rows = []
    for who, (email, password) in users.items():
        client = app.test_client()
        if client.post("/login", data={"email": email, "password": password}).status_code != 302:
            raise SystemExit(f"could not log in as {email}")
        headers = _token(app, email)
        customer = _best_customer(app, None if who == "admin" else email)
        for label, url, api in page_list(customer):
            hdrs = headers if api else None
            status = client.get(url, headers=hdrs).status_code   # warm-up
            if status == 403:
                continue
            if status != 200:
                raise SystemExit(f"{url} as {who}: status {status}")
            times, cpu = [], []
            for _ in range(repeat):
                t, c = time.perf_counter(), time.process_time()
                client.get(url, headers=hdrs)
                times.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            rows.append({"user": who, "page": label, "median": statistics.median(times), "p95": p95(times),
                         "cpu": statistics.median(cpu)})
        rows.append(_panel_alone(app, email, customer, repeat) | {"user": who})
    return rows


def _panel_alone(app, email: str, customer_id: int, repeat: int) -> dict:
    """The analytics panel alone: the customer page's time is mostly the core's own queries."""
    from flask_login import login_user

    from bench.customers_list import p95
    from core.auth.models import User
    from core.customers.models import Customer
    from core.db import db
    from plugins.analytics.panels import customer_panel

    with app.test_request_context():
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one()
        login_user(user)
        customer = db.session.get(Customer, customer_id)
        customer_panel(customer, user)
        times, cpu = [], []
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()
            customer_panel(customer, user)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    return {"page": "analytics panel alone", "median": statistics.median(times), "p95": p95(times),
            "cpu": statistics.median(cpu)}


def use_existing(app) -> dict:
    """Make bench.full's database ready as it is: the analytics plugin on, the salesperson allowed
    to see analytics. Returns the users to measure pages as. Nothing is filled."""
    from bench.full_fill import SALESPERSON_EMAIL, SALESPERSON_PASSWORD
    from bench.generate import BENCH_EMAIL, BENCH_PASSWORD
    from core.auth.models import Role, User
    from core.db import db
    from core.plugin_ops import enable_plugin

    with app.app_context():
        if db.session.execute(sa.select(User.id).where(User.email == BENCH_EMAIL)).first() is None:
            raise SystemExit(f"{BENCH_EMAIL} is not in this database: fill it with bench.full (or bench.analytics "
                             "without --url) first")
        if not app.extensions["rapport"].plugins.is_enabled("sales"):
            raise SystemExit("the sales plugin is not enabled in this database: nothing to analyse")
        if not app.extensions["rapport"].plugins.is_enabled("analytics"):
            enable_plugin("analytics")
        else:
            from core.migrate import upgrade_plugin

            upgrade_plugin("analytics", app)    # a database enabled by an older checkout
        users = {"admin": (BENCH_EMAIL, BENCH_PASSWORD)}
        sales = db.session.execute(sa.select(User).where(User.email == SALESPERSON_EMAIL)).scalar_one_or_none()
        if sales is not None:
            role = db.session.execute(sa.select(Role).where(Role.name == "Bench analytics")).scalar_one_or_none()
            if role is None:
                role = Role(name="Bench analytics", description="bench.analytics: the salesperson's analytics pages",
                            permissions=["analytics.view", "customers.view"])
                db.session.add(role)
            if role not in sales.roles:
                sales.roles.append(role)
            users["salesperson"] = (SALESPERSON_EMAIL, SALESPERSON_PASSWORD)
        db.session.commit()
    return users


def latest_order_day(app) -> date:
    from core.db import db
    from plugins.sales.models import Order

    with app.app_context():
        last = db.session.execute(sa.select(sa.func.max(Order.confirmed_at)).where(Order.state == "confirmed")).scalar()
    return _day(last) if last else AS_OF


def absolute(url: str) -> str:
    """A relative SQLite path made absolute from the current directory (Flask-SQLAlchemy would
    otherwise look for it under the instance folder)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix:
        return prefix + str(Path(url[len(prefix):]).resolve())
    return url


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def _mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000, help="without --url: the size to fill")
    parser.add_argument("--url", help="an existing database (e.g. bench.full's), used as is: nothing is filled")
    parser.add_argument("--as-of", type=date.fromisoformat,
                        help="the snapshot date (default: 2026-11-01 on a filled database; with --url the "
                             "day of the latest confirmed order)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (after one warm-up)")
    parser.add_argument("--pages-only", action="store_true",
                        help="with --url: no floor, no recompute; time the pages on the latest snapshot as it is "
                             "(before/after a change on the same data)")
    args = parser.parse_args(argv)
    from bench.generate import make_app

    t = time.perf_counter()
    if args.url:
        url = absolute(args.url)
        app = make_app(url)
        users = use_existing(app)
        as_of = args.as_of or latest_order_day(app)
        from core.db import db
        from plugins.sales.models import Order, OrderLine

        with app.app_context():
            orders = db.session.execute(sa.select(sa.func.count(Order.id))).scalar()
            lines = db.session.execute(sa.select(sa.func.count(OrderLine.id))).scalar()
    else:
        url = database_url(args.customers)
        app = make_app(url)
        orders, lines = fill(app, args.customers)
        users, as_of = None, args.as_of or AS_OF
    print(f"database: {url.split('@')[-1]}  orders {orders:,}  lines {lines:,}  (filled/checked in "
          f"{time.perf_counter() - t:.0f} s)  as of {as_of}")
    if args.pages_only and args.url:
        print_pages(app, args.repeat, users)
        return 0
    floor, rows = timed_floor(app, as_of)
    print(f"floor: plain SQL RFM pass, {rows:,} customers: {floor:.1f} s")
    run = timed_recompute(app, as_of)
    # CPU: this process's (on SQLite that includes the queries; a PostgreSQL server's is not in it).
    # On a loaded machine it is the steadier figure of the two.
    print(f"recompute: {run['result']}")
    # Server CPU: a local PostgreSQL cluster's processes (/proc), whatever else they served meanwhile.
    srv = run["server"]
    print(f"  {'phase':<34} {'wall s':>8} {'CPU s':>8}" + (f" {'server CPU s':>13}" if srv is not None else ""))
    for key, (wall, cpu) in run["phases"].items():
        print(f"  {key:<34} {wall:8.1f} {cpu:8.1f}" + (f" {srv.get(key, 0.0):13.1f}" if srv is not None else ""))
    print(f"  {'total':<34} {run['total']:8.1f} {run['cpu']:8.1f}"
          + (f" {run['server_total']:13.1f}" if srv is not None else ""))
    print("  model r, α, a, b, p, q, γ:", ", ".join(f"{v:.4g}" for v in run["model"] if v is not None))
    print(f"peak memory after the recompute (ru_maxrss): {_mb():.0f} MB")
    print_pages(app, args.repeat, users)
    return 0


def print_pages(app, repeat, users) -> None:
    """The page table: wall median and p95, and the median CPU time of this process (on SQLite it
    includes the queries; a PostgreSQL server's time is not in it)."""
    print(f"{'user':<12} {'page':<30} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>8}")
    for row in timed_pages(app, repeat, users):
        print(f"{row['user']:<12} {row['page']:<30} {row['median']:10.1f} {row['p95']:8.1f} {row['cpu']:8.1f}")
    print(f"peak memory at the end (ru_maxrss): {_mb():.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
