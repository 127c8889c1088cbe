"""What durable events cost: confirming sales orders with the service plugin listening.

    python -m bench.events                          # 1,000 orders on SQLite (bench/data/events-*.db)
    python -m bench.events --orders 5000
    DATABASE_URL=postgresql://... python -m bench.events

Each order (two lines: a tracked appliance with a warranty and an untracked accessory) is
confirmed in its own transaction, as the API does, and the service plugin's listener
registers the equipment. Three ways of carrying the events, on the same code and data:

* ``in-memory`` — the baseline, events as before this change: kept in a list on the session and
  handed to the listeners after the commit; lost if the process dies in between;
* ``durable``  — the default now: each event and its deliveries written in the transaction, the
  listener run right after the commit in the same process, its work and the delivery's "done"
  committed together;
* ``durable, workers`` — ``RAPPORT_EVENT_DELIVERY=worker``: the confirming process only queues the
  deliveries; a worker (Huey, run in-process here) delivers them. Both sides are timed.

Every mode starts from a fresh database with the same orders (PostgreSQL: fresh orders in the
given database). These are measurements, never test assertions.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent


def _app(url: str, instance: str, delivery: str):
    from core.app import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "INSTANCE_PATH": instance,
        "JOBS_SQLITE_PATH": os.path.join(instance, "queue.db"), "REDIS_URL": None,
        "EVENTS_DELIVERY": delivery, "RATELIMIT_ENABLED": False,
    })


def _prepare(app, orders: int) -> list[int]:
    """Schema with sales and service, one admin, 50 customers, ``orders`` quotations."""
    from core.auth.service import create_user
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.db import db
    from core.plugin_ops import initialise_database
    from plugins.sales.orders import create_quotation

    with app.app_context():
        initialise_database(enable=["sales", "service"])
        admin = create_user(f"bench-{time.time_ns()}@example.com", "bench password 1234", roles=["admin"])
        tracked = Product(sku=f"HP-{time.time_ns()}", name="Heat pump", name_key="heat pump",
                          unit_price=Decimal("2400"), warranty_months=36)
        loose = Product(sku=f"FL-{time.time_ns()}", name="Filter", name_key="filter", unit_price=Decimal("19.90"))
        db.session.add_all([tracked, loose])
        customers = [create_customer({"name": f"Πελάτης {i}"}) for i in range(50)]
        db.session.commit()
        ids = []
        for i in range(orders):
            order = create_quotation({"customer_id": customers[i % 50].id, "lines": [
                {"product_id": tracked.id, "quantity": "1"}, {"product_id": loose.id, "quantity": "2"}]},
                owner_id=admin.id)
            ids.append(order.id)
            if i % 500 == 499:
                db.session.commit()
        db.session.commit()
        return ids


class InMemoryEvents:
    """The baseline: announce() as it was — a list on the session, emitted after the commit."""

    def __enter__(self):
        from core.db import EventSession
        from core.events import log

        self.record, self.commit = log.record, EventSession.commit

        def record(session, name, payload):
            session.info.setdefault("legacy_events", []).append((name, payload))

        def commit(session):
            self.commit(session)
            pending = session.info.pop("legacy_events", None)
            if pending:
                from flask import current_app

                registry = current_app.extensions["rapport"].plugins
                for name, kwargs in pending:
                    registry.emit(name, **kwargs)

        log.record, EventSession.commit = record, commit
        return self

    def __exit__(self, *exc):
        from core.db import EventSession
        from core.events import log

        log.record, EventSession.commit = self.record, self.commit


def _confirm_all(app, ids: list[int]) -> float:
    from core.db import db
    from plugins.sales.models import Order
    from plugins.sales.orders import confirm

    with app.app_context():
        started = time.perf_counter()
        for order_id in ids:
            confirm(db.session.get(Order, order_id))
            db.session.commit()
        return time.perf_counter() - started


def _counts(app, ids: list[int]) -> tuple[int, int, int]:
    from core.db import db
    from core.events.models import Event, EventDelivery
    from plugins.service.models import Equipment

    with app.app_context():
        units = db.session.execute(sa.select(sa.func.count()).where(Equipment.order_id.in_(ids))).scalar()
        events = db.session.execute(sa.select(sa.func.count()).select_from(Event)).scalar()
        deliveries = db.session.execute(sa.select(sa.func.count()).select_from(EventDelivery)).scalar()
        return units, events, deliveries


def _database(tmp: str, mode: str) -> str:
    if os.environ.get("DATABASE_URL"):
        from core.config import database_url

        return database_url("")
    return f"sqlite:///{os.path.join(tmp, f'events-{mode}.db')}"


def run(orders: int) -> list[tuple]:
    rows = []
    with tempfile.TemporaryDirectory(dir=HERE / "data" if (HERE / "data").is_dir() else None) as tmp:
        for mode, delivery in (("in-memory", "inline"), ("durable", "inline"), ("durable, workers", "worker")):
            url = _database(tmp, mode.split(",")[0] + ("-w" if delivery == "worker" else ""))
            app = _app(url, tmp, delivery)
            ids = _prepare(app, orders)
            before = _counts(app, ids)
            worker_s = None
            if mode == "in-memory":
                with InMemoryEvents():
                    confirm_s = _confirm_all(app, ids)
            else:
                confirm_s = _confirm_all(app, ids)
            if delivery == "worker":
                from core.jobs.queue import queue

                started = time.perf_counter()
                queue(app).drain()
                worker_s = time.perf_counter() - started
            units, events, deliveries = _counts(app, ids)
            rows.append((mode, orders, confirm_s, worker_s, units, events - before[1], deliveries - before[2]))
            from core.db import db

            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    args = parser.parse_args(argv)
    dialect = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(f"confirming {args.orders:,} orders on {dialect}, service registering equipment")
    rows = run(args.orders)
    base = rows[0][2]
    print(f"{'events':<18} {'confirm s':>10} {'ms/order':>9} {'vs before':>10} {'worker s':>9} "
          f"{'units':>6} {'events':>7} {'deliveries':>10}")
    for mode, n, confirm_s, worker_s, units, events, deliveries in rows:
        total = confirm_s + (worker_s or 0)
        print(f"{mode:<18} {confirm_s:>10.2f} {confirm_s * 1000 / n:>9.2f} {total / base - 1:>+10.0%} "
              f"{'' if worker_s is None else f'{worker_s:.2f}':>9} {units:>6} {events:>7} {deliveries:>10}")
    short = [r for r in rows if r[4] != args.orders]
    if short:
        print("some modes registered the wrong number of units: " + ", ".join(f"{r[0]}: {r[4]}" for r in short))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
