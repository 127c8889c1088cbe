"""The full-size bench in one command (issue 17): every main staff page beside its raw-SQL floor,
and HTTP requests per second beside a minimal Flask page.

    python -m bench.full --customers 1000000 --lines 10000000 --db sqlite
    DATABASE_URL=postgresql://... python -m bench.full --customers 1000000 --lines 10000000 --db pg
    python -m bench.full --customers 50000 --lines 500000 --db sqlite      # a quick check

1. **Data** (once per database; :mod:`bench.full_fill`): customers through the bulk path, sales
   (opportunities, orders and ``--lines`` order lines) and service data (equipment, requests),
   sales and service plugins on. A database already holding the asked sizes is reused.
2. **Pages**: each main staff page through Flask's test client (no network), as the admin and
   as a salesperson owning every fifth customer; one warm-up, then ``--repeat`` runs: median
   and p95. Beside each, its **floor**: the SELECT statements that page ran (captured on one
   more request) replayed on the bare DB-API connection, same repeats — what the page would
   cost with no Flask, ORM or template at all.
3. **Plugin cost** (``--plugin-cost``): the customer list, a search and the customer page with
   all five plugins enabled and with the core alone, alternating on the same database.
4. **HTTP** (unless ``--no-http``): ``rapport serve --processes N`` (default 2) and a minimal
   Flask page of the same byte size served by gunicorn the same way (:mod:`bench.http_load`);
   8 keep-alive clients for ``--seconds`` each on the dashboard and the customer list.

SQLite databases live in ``bench/data/full-<customers>.db``; PostgreSQL uses ``DATABASE_URL``
as it is (give it an empty database). Measurements only, never test assertions.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import sqlalchemy as sa

from bench.customers_list import api_headers, deep_page_url, p95
from bench.full_fill import PLUGINS, SALESPERSON_EMAIL, SALESPERSON_PASSWORD, fill, filled
from bench.generate import BENCH_EMAIL, BENCH_PASSWORD, HERE, make_app

ADMIN, SALES = "admin", "salesperson"


def database_url(kind: str, customers: int) -> str:
    if kind == "pg":
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith("postgresql"):
            raise SystemExit("--db pg needs DATABASE_URL=postgresql://… (an empty database to fill)")
        return url
    (HERE / "data").mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{HERE / 'data' / f'full-{customers}.db'}"


def prepare(app) -> None:
    """Schema with the sales and service plugins, and the bench admin."""
    from core.auth.models import User
    from core.auth.service import create_user
    from core.db import db
    from core.plugin_ops import initialise_database

    with app.app_context():
        initialise_database(enable=PLUGINS)
        if db.session.execute(sa.select(User.id).where(User.email == BENCH_EMAIL)).first() is None:
            create_user(BENCH_EMAIL, BENCH_PASSWORD, name="Bench", roles=["admin"])
            db.session.commit()


def logged_in(app, email: str, password: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code != 302:
        raise SystemExit(f"could not log in as {email} (status {response.status_code})")
    return client


def sample_ids(app) -> dict:
    """A customer with orders (for the customer page) and one without."""
    from core.db import db
    from plugins.sales.models import Order

    with app.app_context():
        with_orders = db.session.execute(sa.select(Order.customer_id).order_by(Order.id.desc()).limit(1)).scalar()
    return {"customer": with_orders or 1}


def pages(app, clients: dict) -> list[tuple[str, str, str]]:
    """(label, path, who) of every main staff page, the salesperson's own views included."""
    ids = sample_ids(app)
    out = [
        ("dashboard", "/", ADMIN),
        ("customer list", "/customers/", ADMIN),
    ]
    deep, _hops = deep_page_url(clients[ADMIN], "/customers/", 20)
    if deep:
        out.append(("customer list, page 21", deep, ADMIN))
    out += [
        ("customer search, many matches (jonas)", "/customers/?q=jonas", ADMIN),
        ("customer search, few matches (ζαχαροπουλος)", "/customers/?q=ζαχαροπουλος", ADMIN),
        ("customer search, 2 letters (pa)", "/customers/?q=pa", ADMIN),
        ("customer page (with orders)", f"/customers/{ids['customer']}", ADMIN),
        ("sales pipeline (kanban)", "/sales/", ADMIN),
        ("opportunities", "/sales/opportunities", ADMIN),
        ("orders", "/sales/orders", ADMIN),
        ("sales performance", "/sales/performance", ADMIN),
        ("service requests", "/service/", ADMIN),
        ("equipment", "/service/equipment", ADMIN),
        ("reliability", "/service/reliability", ADMIN),
        ("warranties ending", "/service/warranties/ending", ADMIN),
        ("catalog", "/catalog/", ADMIN),
        ("API customers", "/api/v1/customers", ADMIN),
        ("salesperson: dashboard", "/", SALES),
        ("salesperson: pipeline (kanban)", "/sales/", SALES),
        ("salesperson: orders", "/sales/orders", SALES),
        ("salesperson: customer list", "/customers/", SALES),
    ]
    return out


def capture(app, fetch) -> list[tuple[str, object]]:
    """The SELECT statements (and their driver parameters) one call of ``fetch`` runs."""
    from core.db import db

    seen: list[tuple[str, object]] = []

    def listen(_conn, _cursor, statement, parameters, _context, executemany):
        head = statement.lstrip()[:6].upper()
        if not executemany and head.startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        fetch()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    return seen


def floor(app, statements, repeat: int) -> list[float]:
    """``statements`` replayed on the bare driver connection, ``repeat`` times after one warm-up."""
    from core.db import db

    with app.app_context():
        raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        times = []
        for _ in range(repeat + 1):
            began = time.perf_counter()
            for sql, params in statements:
                cur.execute(sql, params)
                cur.fetchall()
            times.append((time.perf_counter() - began) * 1000)
        raw.rollback()
        return times[1:]
    finally:
        raw.close()


def measure_pages(app, repeat: int, echo=print) -> list[dict]:
    clients = {ADMIN: logged_in(app, BENCH_EMAIL, BENCH_PASSWORD),
               SALES: logged_in(app, SALESPERSON_EMAIL, SALESPERSON_PASSWORD)}
    token = api_headers(app)
    rows = []
    for label, path, who in pages(app, clients):
        client = clients[who]
        headers = token if path.startswith("/api/") else None
        first = client.get(path, headers=headers)  # warm-up: caches, plugin lists, prepared statements
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            response = client.get(path, headers=headers)
            times.append((time.perf_counter() - began) * 1000)
        statements = capture(app, lambda: client.get(path, headers=headers))
        raw = floor(app, statements, repeat)
        row = {"page": label, "who": who, "status": response.status_code, "bytes": len(first.data),
               "median": statistics.median(times), "p95": p95(times), "statements": len(statements),
               "floor": statistics.median(raw), "floor_p95": p95(raw)}
        rows.append(row)
        echo(f"  {label:<46} {row['median']:8.1f} ms  p95 {row['p95']:8.1f}  floor {row['floor']:7.1f} ms "
             f"({row['statements']} SELECTs)  HTTP {row['status']}")
    return rows


ALL_PLUGINS = ("sales", "service", "marketing", "complaints", "analytics")


def _set_enabled(app, names) -> None:
    """Flip the enabled flags directly (what every request re-reads): a bench-only switch with no
    migrations, roles or catch-up jobs; ``plugin_cost`` puts the original set back."""
    from core.db import db
    from core.models import PluginState

    with app.app_context():
        db.session.execute(sa.update(PluginState).where(PluginState.name.in_(ALL_PLUGINS))
                           .values(enabled=PluginState.name.in_(list(names))))
        db.session.commit()


def plugin_cost(app, repeat: int, echo=print) -> list[dict]:
    """The customer list and a search (no plugin adds to them) and the customer page (plugins add
    tabs), with all five plugins enabled and with the core alone.

    The missing plugins are enabled once (their migrations run); then the two settings alternate
    round by round on the same database and client, and the enabled set found at the start is
    restored. Issue 17's target: plugins cost at most 10 % on these pages.
    """
    from core.db import db
    from core.models import PluginState
    from core.plugin_ops import enable_plugin

    with app.app_context():
        before = set(db.session.execute(sa.select(PluginState.name).where(PluginState.enabled.is_(True))).scalars())
        for name in ALL_PLUGINS:
            if name not in before:
                enable_plugin(name)
        db.session.commit()
    client = logged_in(app, BENCH_EMAIL, BENCH_PASSWORD)
    ids = sample_ids(app)
    paths = [("customer list", "/customers/"), ("customer search (jonas)", "/customers/?q=jonas"),
             ("customer page (plugins add tabs)", f"/customers/{ids['customer']}")]
    times = {(label, which): [] for label, _ in paths for which in ("all", "core")}
    try:
        for round_ in range(repeat + 1):  # round 0 warms both settings up
            for which, names in (("all", ALL_PLUGINS), ("core", ())):
                _set_enabled(app, names)
                for label, path in paths:
                    began = time.perf_counter()
                    response = client.get(path)
                    spent = (time.perf_counter() - began) * 1000
                    if response.status_code != 200:
                        raise SystemExit(f"{path} answered {response.status_code} ({which})")
                    if round_:
                        times[(label, which)].append(spent)
    finally:
        _set_enabled(app, before)
    rows = []
    for label, path in paths:
        a, c = statistics.median(times[(label, "all")]), statistics.median(times[(label, "core")])
        rows.append({"page": label, "all": a, "core": c})
        echo(f"  {label:<26} core alone {c:7.1f} ms  all five plugins {a:7.1f} ms  cost {100 * (a - c) / c:+5.0f} %")
    return rows


def measure_http(url: str, processes: int, seconds: float, echo=print) -> list[dict]:
    from bench import http_load

    out = []
    with http_load.rapport_server(url, processes, str(HERE / "data")) as port:
        cookie = http_load.login(port, BENCH_EMAIL, BENCH_PASSWORD)
        for label, path in (("dashboard", "/"), ("customer list", "/customers/")):
            size = http_load.page_size(port, path, cookie)
            got = http_load.hammer(port, path, seconds=seconds, cookie=cookie)
            out.append({"page": label, "bytes": size, "rapport": got})
    for row in out:
        with http_load.minimal_server(processes, row["bytes"]) as port:
            http_load.page_size(port, "/")
            row["minimal"] = http_load.hammer(port, "/", seconds=seconds)
        r, m = row["rapport"], row["minimal"]
        echo(f"  {row['page']:<14} {row['bytes']:>7,} B  rapport {r['rps']:7.1f} req/s (median {r['median_ms']:.0f} ms,"
             f" {r['failed']} failed)  minimal {m['rps']:7.1f} req/s  ratio {m['rps'] / max(r['rps'], 1e-9):.1f}×")
    return out


def table(rows: list[dict], http: list[dict], cost: list[dict] = ()) -> str:
    """The README's tables (Markdown)."""
    lines = ["| page | as | median ms | p95 ms | floor ms (p95) | SELECTs | × floor |", "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['page']} | {r['who']} | {r['median']:.1f} | {r['p95']:.1f} | "
                     f"{r['floor']:.1f} ({r['floor_p95']:.1f}) | {r['statements']} | "
                     f"{r['median'] / max(r['floor'], 0.01):.1f} |")
    if cost:
        lines += ["", "| plugin cost | core alone ms | all five plugins ms | cost |",
                  "|---|---:|---:|---:|"]
        for c in cost:
            lines.append(f"| {c['page']} | {c['core']:.1f} | {c['all']:.1f} | {100 * (c['all'] - c['core']) / c['core']:+.0f} % |")
    if http:
        lines += ["", "| over HTTP, 8 clients | bytes | rapport req/s | minimal Flask req/s | minimal ÷ rapport |",
                  "|---|---:|---:|---:|---:|"]
        for h in http:
            lines.append(f"| {h['page']} | {h['bytes']:,} | {h['rapport']['rps']:.1f} | {h['minimal']['rps']:.1f} | "
                         f"{h['minimal']['rps'] / max(h['rapport']['rps'], 1e-9):.1f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000, help="order lines (orders of 1–9 lines)")
    parser.add_argument("--opportunities", type=int, help="default: customers ÷ 5")
    parser.add_argument("--units", type=int, help="equipment units (default: customers ÷ 10)")
    parser.add_argument("--db", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per page (after one warm-up)")
    parser.add_argument("--processes", type=int, default=2, help="rapport serve --processes (and the minimal server's)")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each HTTP run")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--no-pages", action="store_true", help="skip the page table (e.g. with --plugin-cost)")
    parser.add_argument("--plugin-cost", action="store_true",
                        help="also compare pages with all five plugins vs the core alone (enables the other three once)")
    args = parser.parse_args(argv)
    opportunities = args.customers // 5 if args.opportunities is None else args.opportunities
    units = args.customers // 10 if args.units is None else args.units
    url = database_url(args.db, args.customers)
    app = make_app(url)
    prepare(app)
    have = filled(app)
    if have["customers"] == 0:
        started = time.perf_counter()
        fill(app, customers=args.customers, lines=args.lines, opportunities=opportunities, units=units)
        print(f"filled in {time.perf_counter() - started:.1f} s")
        have = filled(app)
    elif have["customers"] < args.customers or have["lines"] < args.lines:
        raise SystemExit(f"the database holds less than asked ({have}); give an empty one")
    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    print(f"pages: {have['customers']:,} customers, {have['lines']:,} order lines, {have['opportunities']:,} "
          f"opportunities, {have['units']:,} units on {shown}; {args.repeat} runs each")
    rows = [] if args.no_pages else measure_pages(app, args.repeat)
    cost = []
    if args.plugin_cost:
        print(f"plugin cost: all five plugins vs the core alone, {args.repeat} alternating rounds")
        cost = plugin_cost(app, args.repeat)
    http = []
    if not args.no_http:
        print(f"HTTP: 8 clients, {args.seconds:.0f} s per run, {args.processes} processes")
        http = measure_http(url, args.processes, args.seconds)
    print()
    print(table(rows, http, cost))
    return 0 if all(r["status"] == 200 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
