"""Fill the full-size bench database (``bench.full``): customers, sales and service data at size.

Everything goes in through the bulk paths, never row by row through the ORM:

* customers (one email, one phone, ~2 interactions each) with :func:`bench.generate.generate`,
  which writes each batch inside the search-index switch of the bulk path
  (``core.customers.bulk.bulk_search_index``), as imports do;
* every fifth customer owned by one busy salesperson (one ``UPDATE``), the rest by nobody;
* 200 catalog products; opportunities over the default stages (40 % open, 35 % won,
  25 % lost, a third of them the busy salesperson's); orders of 1–9 lines (5 on average)
  summing to ``lines`` order lines, totals computed before the insert as the historical
  order import's ``bulk`` step does; equipment units and half as many service requests;
* with SQLAlchemy Core ``insert`` in batches (executemany) and explicit ids, then
  ``ANALYZE`` (and the PostgreSQL sequences moved past the ids written), then the
  snapshots the dashboard and the reliability page read (``refresh_snapshot``).
"""
from __future__ import annotations

import random
import time
from datetime import date, datetime, time as dtime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from bench.generate import BATCH, generate

SALESPERSON_EMAIL = "bench-sales@example.com"
SALESPERSON_PASSWORD = "bench sales password 1234"
PLUGINS = ["sales", "service"]
TAX = Decimal("0.24")
CENT = Decimal("0.01")


def _max_id(conn, table) -> int:
    return conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0


def _batches(engine, table, total: int, make, echo, label: str) -> None:
    started = time.perf_counter()
    with engine.connect() as conn:
        first = _max_id(conn, table) + 1
    for start in range(0, total, BATCH):
        rows = [make(first + i, i) for i in range(start, min(total, start + BATCH))]
        with engine.begin() as conn:
            conn.execute(table.insert(), rows)
        done = min(total, start + BATCH)
        if done % 100_000 < BATCH or done == total:
            echo(f"  {done:,} {label} ({time.perf_counter() - started:.1f} s)")


def filled(app) -> dict:
    """What the database holds now (rows per kind)."""
    from core.customers.models import Customer
    from core.db import db
    from plugins.sales.models import Opportunity, OrderLine
    from plugins.service.models import Equipment

    with app.app_context():
        count = lambda m: db.session.execute(sa.select(sa.func.count()).select_from(m)).scalar()  # noqa: E731
        return {"customers": count(Customer), "lines": count(OrderLine), "opportunities": count(Opportunity),
                "units": count(Equipment)}


def fill(app, *, customers: int, lines: int, opportunities: int, units: int, seed: int = 31, echo=print) -> None:
    """Write the whole data set into an empty database (schema and admin already there)."""
    from core.auth.service import create_user
    from core.catalog.models import Product
    from core.customers.models import Customer
    from core.db import db, utcnow
    from plugins.sales.models import Opportunity, Order, OrderLine, Stage
    from plugins.service.models import Equipment, RequestLine, ServiceRequest

    rng = random.Random(seed)
    now, today = utcnow(), date.today()
    with app.app_context():
        engine = db.engine
        echo(f"customers: {customers:,} (bulk path)")
        generate(app, customers, seed=seed, echo=echo)
        busy = create_user(SALESPERSON_EMAIL, SALESPERSON_PASSWORD, name="Bench Salesperson", roles=["Salesperson"])
        db.session.commit()
        busy_id = busy.id
        with engine.begin() as conn:
            conn.execute(sa.update(Customer.__table__).where(Customer.__table__.c.id % 5 == 0)
                         .values(owner_id=busy_id))
        stage_ids = list(db.session.execute(sa.select(Stage.id).order_by(Stage.position)).scalars())
        if not stage_ids:
            stages = [Stage(name=f"Stage {n}", position=n, probability=20 * n) for n in range(1, 5)]
            db.session.add_all(stages)
            db.session.commit()
            stage_ids = [s.id for s in stages]
        products = [Product(sku=f"FULL-{n:03d}", name=f"Μοντέλο {n:03d}", name_key=f"μοντελο {n:03d}",
                            unit_price=Decimal(rng.randrange(5, 2000)), warranty_months=24 if n % 4 == 0 else 0)
                    for n in range(200)]
        db.session.add_all(products)
        db.session.commit()
        catalog = [(p.id, p.sku, p.name, p.unit_price, p.warranty_months) for p in products]
        with engine.connect() as conn:
            cmax = _max_id(conn, Customer.__table__)

        def customer():
            return rng.randrange(1, cmax + 1)

        def owner_of(cid):
            return busy_id if cid % 5 == 0 else None

        def opportunity(_oid, i):
            created = now - timedelta(days=rng.uniform(0, 700))
            r = rng.random()
            status = "open" if r < 0.4 else "won" if r < 0.75 else "lost"
            closed = None if status == "open" else min(now, created + timedelta(days=rng.uniform(1, 120)))
            cid = customer()
            return {"title": f"Deal {i}", "customer_id": cid, "owner_id": busy_id if i % 3 == 0 else None,
                    "stage_id": rng.choice(stage_ids), "status": status,
                    "expected_revenue": Decimal(rng.randrange(100, 90000)), "currency": "EUR", "probability": 40,
                    "expected_close": today + timedelta(days=rng.randrange(-60, 240)) if rng.random() < 0.9 else None,
                    "closed_at": closed, "created_at": created, "updated_at": closed or created}

        echo(f"opportunities: {opportunities:,}")
        _batches(engine, Opportunity.__table__, opportunities, opportunity, echo, "opportunities")

        echo(f"orders and lines: {lines:,} lines")
        started = time.perf_counter()
        with engine.connect() as conn:
            next_order, next_line = _max_id(conn, Order.__table__) + 1, _max_id(conn, OrderLine.__table__) + 1
        written = 0
        while written < lines:
            orders, order_lines = [], []
            while len(order_lines) < BATCH and written + len(order_lines) < lines:
                oid, cid = next_order, customer()
                next_order += 1
                day = datetime.combine(today - timedelta(days=rng.randrange(0, 3650)), dtime(12))
                net = tax = Decimal("0")
                for position in range(1, min(rng.randint(1, 9), lines - written - len(order_lines)) + 1):
                    pid, sku, name, price, warranty = rng.choice(catalog)
                    qty = Decimal(rng.randint(1, 4))
                    line_net = (qty * price).quantize(CENT)
                    line_tax = (line_net * TAX).quantize(CENT)
                    net, tax = net + line_net, tax + line_tax
                    order_lines.append({
                        "id": next_line, "order_id": oid, "position": position, "product_id": pid, "description": name,
                        "sku": sku, "kind": "product", "quantity": qty, "unit_price": price, "unit_cost": None,
                        "discount_percent": Decimal("0"), "tax_rate": Decimal("24"), "line_total": line_net,
                        "tax_amount": line_tax, "warranty_months": warranty})
                    next_line += 1
                orders.append({"id": oid, "number": f"F{oid:09d}", "customer_id": cid, "owner_id": owner_of(cid),
                               "state": "confirmed" if rng.random() < 0.9 else "draft", "currency": "EUR",
                               "notes": "", "subtotal": net, "tax_total": tax, "total": net + tax,
                               "created_at": day, "updated_at": day, "confirmed_at": day, "version": 1})
            with engine.begin() as conn:
                conn.execute(Order.__table__.insert(), orders)
                conn.execute(OrderLine.__table__.insert(), order_lines)
            before, written = written, written + len(order_lines)
            if written // 500_000 != before // 500_000 or written == lines:
                echo(f"  {written:,} lines ({time.perf_counter() - started:.1f} s)")

        def unit(_uid, i):
            return {"customer_id": customer(), "product_id": None if i % 50 == 0 else rng.choice(catalog)[0],
                    "model_name": f"Old boiler {i % 7}" if i % 50 == 0 else "", "serial": f"S{i:08d}",
                    "serial_key": f"s{i:08d}", "install_date": today - timedelta(days=rng.randrange(0, 3000)),
                    "location": "", "status": "retired" if rng.random() < 0.05 else "in_service", "notes": "",
                    "source": "manual", "created_at": now, "updated_at": now}

        echo(f"equipment: {units:,} units, {units // 2:,} service requests")
        _batches(engine, Equipment.__table__, units, unit, echo, "units")
        with engine.connect() as conn:
            umax = _max_id(conn, Equipment.__table__)

        def request(rid, _i):
            return {"id": rid, "customer_id": customer(), "equipment_id": rng.randrange(1, umax + 1),
                    "status": rng.choice(("new", "closed", "closed", "cancelled")), "priority": "normal",
                    "channel": "phone", "problem": "leak", "problem_category": rng.choice(("leak", "noise", "other")),
                    "coverage": rng.choice(("covered", "billable", "partly")),
                    "reported_on": today - timedelta(days=rng.randrange(0, 700)), "opened_at": now}

        with engine.connect() as conn:
            first_request = _max_id(conn, ServiceRequest.__table__) + 1
        _batches(engine, ServiceRequest.__table__, units // 2, request, echo, "service requests")
        _batches(engine, RequestLine.__table__, units // 2, lambda _id, i: {
            "request_id": first_request + i, "kind": "part", "description": "valve", "quantity": Decimal("1"),
            "unit_price": Decimal("35.50")}, echo, "request lines")
        finish(app, echo)


def finish(app, echo=print) -> None:
    """Statistics, sequences past the explicit ids (PostgreSQL), and the snapshots pages read."""
    from core.db import db
    from plugins.service.reliability import refresh_snapshot

    with app.app_context():
        engine = db.engine
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if engine.dialect.name == "postgresql":
                for (table,) in conn.execute(sa.text(
                        "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
                        "AND column_name = 'id'")).all():
                    seq = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
                    if seq:
                        conn.execute(sa.text(f"SELECT setval('{seq}', (SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))"))
            conn.execute(sa.text("ANALYZE"))
        started = time.perf_counter()
        refresh_snapshot()
        db.session.commit()
        echo(f"reliability snapshot refreshed ({time.perf_counter() - started:.1f} s)")
