"""Reliability figures at size: the whole-table aggregates a view used to run, against the snapshot
it reads now (issue 17).

    python -m bench.reliability                                 # SQLite, bench/data/reliability.db
    python -m bench.reliability --units 50000
    DATABASE_URL=postgresql://... python -m bench.reliability

Fills a database (service plugin on) with ``--units`` equipment units over 200 catalog models
and a few free-text models, half as many service requests (one part line each). Then medians
over ``--repeat`` runs of: ``model_figures()`` + ``age_distribution()`` (what the page and the
dashboard card computed on every view before), ``snapshot()`` (what they read now), the raw
floor of the snapshot read (its one statement on the bare driver), and the refresh job once.
Measurements only.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from bench.generate import HERE, generate, make_app

BATCH = 5_000


def database_url() -> str:
    from core.config import database_url as configured

    if os.environ.get("DATABASE_URL"):
        return configured("")
    path = HERE / "data" / "reliability.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def fill(app, customers: int, units: int, seed=23):
    from core.catalog.models import Product
    from core.db import db, utcnow
    from core.plugin_ops import initialise_database
    from plugins.service.models import Equipment, RequestLine, ServiceRequest

    rng = random.Random(seed)
    with app.app_context():
        initialise_database(enable=["service"])
        if db.session.execute(sa.select(sa.func.count(Equipment.id))).scalar():
            return
        generate(app, customers, interactions_per_customer=0, echo=lambda *_: None)
        products = [Product(sku=f"REL-{n:03d}", name=f"Model {n:03d}", name_key=f"model {n:03d}",
                            unit_price=Decimal("400"), warranty_months=24) for n in range(200)]
        db.session.add_all(products)
        db.session.commit()
        pids, now, today = [p.id for p in products], utcnow(), date.today()
        with db.engine.begin() as conn:
            for start in range(0, units, BATCH):
                conn.execute(Equipment.__table__.insert(), [{
                    "customer_id": rng.randrange(1, customers + 1),
                    "product_id": None if i % 50 == 0 else rng.choice(pids),
                    "model_name": f"Old boiler {i % 7}" if i % 50 == 0 else "", "serial": f"S{i:07d}",
                    "serial_key": f"s{i:07d}", "install_date": today - timedelta(days=rng.randrange(0, 3000)),
                    "location": "", "status": "retired" if rng.random() < 0.05 else "in_service", "notes": "",
                    "source": "manual", "created_at": now, "updated_at": now}
                    for i in range(start, min(units, start + BATCH))])
        with db.engine.begin() as conn:
            for start in range(0, units // 2, BATCH):
                conn.execute(ServiceRequest.__table__.insert(), [{
                    "customer_id": rng.randrange(1, customers + 1), "equipment_id": rng.randrange(1, units + 1),
                    "status": rng.choice(("new", "closed", "closed", "cancelled")), "priority": "normal",
                    "channel": "phone", "problem": "leak", "problem_category": rng.choice(("leak", "noise", "other")),
                    "coverage": rng.choice(("covered", "billable", "partly")), "reported_on":
                        today - timedelta(days=rng.randrange(0, 700)), "opened_at": now}
                    for _ in range(start, min(units // 2, start + BATCH))])
            ids = [r[0] for r in conn.execute(sa.select(ServiceRequest.id))]
            for start in range(0, len(ids), BATCH):
                conn.execute(RequestLine.__table__.insert(), [{
                    "request_id": rid, "kind": "part", "description": "valve", "quantity": Decimal("1"),
                    "unit_price": Decimal("35.50")} for rid in ids[start:start + BATCH]])
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))


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
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    url = database_url()
    app = make_app(url)
    started = time.perf_counter()
    fill(app, args.customers, args.units)
    print(f"database ready in {time.perf_counter() - started:.1f} s: "
          f"{sa.engine.make_url(url).render_as_string(hide_password=True)}")
    from core.db import db
    from plugins.service import reliability as rel
    from plugins.service.models import ReliabilitySnapshot

    with app.app_context():
        started = time.perf_counter()
        rel.refresh_job()
        job_ms = (time.perf_counter() - started) * 1000
        before = median_ms(lambda: (rel.model_figures(), rel.age_distribution()), args.repeat)
        after = median_ms(rel.snapshot, args.repeat)
        stmt = str(sa.select(ReliabilitySnapshot).order_by(ReliabilitySnapshot.id.desc()).limit(1)
                   .compile(db.engine, compile_kwargs={"literal_binds": True}))
        raw = db.engine.raw_connection()
        try:
            cur, times = raw.cursor(), []
            for _ in range(args.repeat + 1):
                t = time.perf_counter()
                cur.execute(stmt)
                cur.fetchall()
                times.append((time.perf_counter() - t) * 1000)
        finally:
            raw.close()
        floor = statistics.median(times[1:])
        models = len(rel.snapshot().figures)
        dialect = db.engine.dialect.name
    print(f"\n{dialect}, {args.units:,} units, {args.units // 2:,} requests, {models} models, "
          f"median of {args.repeat}\n")
    print("| | ms |\n|---|---:|")
    print(f"| model_figures() + age_distribution() on each view (before) | {before:.1f} |")
    print(f"| snapshot() on each view (now) | {after:.2f} |")
    print(f"| raw floor of the snapshot read | {floor:.2f} |")
    print(f"| the hourly refresh job, once | {job_ms:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
