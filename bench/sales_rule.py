"""The salesperson's record rule at size: query plans and timings (issue 17).

    python -m bench.sales_rule                                  # SQLite, bench/data/sales_rule.db
    python -m bench.sales_rule --opportunities 200000 --orders 200000
    DATABASE_URL=postgresql://... python -m bench.sales_rule

Fills a database (sales plugin on) with customers, opportunities and orders, most of
them owned by one busy salesperson, runs ``ANALYZE``, then prints for each statement a
salesperson's pages run — built by the real ``plugins.sales.access.visible`` — the
database's plan (``EXPLAIN QUERY PLAN`` / ``EXPLAIN``) and the median time of the bare
statement, beside the same statement for a manager (no rule). Measurements only.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from bench.generate import HERE, generate, make_app

BATCH = 5_000


class Person:
    """Just enough of a user for ``visible()``: an id and permissions."""

    is_authenticated = True

    def __init__(self, uid: int, manager: bool):
        self.id, self.manager = uid, manager

    def can(self, permission):
        return self.manager or permission == "sales.user"


def database_url() -> str:
    from core.config import database_url as configured

    if os.environ.get("DATABASE_URL"):
        return configured("")
    path = HERE / "data" / "sales_rule.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def fill(app, customers: int, opportunities: int, orders: int, salespeople: int, busy_share: float, seed=11):
    from core.auth.models import User
    from core.db import db, utcnow
    from core.plugin_ops import initialise_database
    from plugins.sales.models import Opportunity, Order, Stage

    rng = random.Random(seed)
    with app.app_context():
        initialise_database(enable=["sales"])
        if db.session.execute(sa.select(sa.func.count(Opportunity.id))).scalar():
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))  # statistics for indexes added since
            return
        generate(app, customers, interactions_per_customer=0, echo=lambda *_: None)
        users = [User(email=f"sales{n}@example.com", name=f"Sales {n}", password_hash="x") for n in range(salespeople)]
        stages = [Stage(name=f"Stage {n}", position=n, probability=10 * n) for n in range(1, 6)]
        db.session.add_all(users + stages)
        db.session.commit()
        uids, sids = [u.id for u in users], [s.id for s in stages]
        now = utcnow()

        def owner():
            return uids[0] if rng.random() < busy_share else rng.choice(uids[1:])

        engine = db.engine
        for table, total, make in (
            (Opportunity.__table__, opportunities, lambda i: {
                "title": f"Deal {i}", "customer_id": rng.randrange(1, customers + 1), "owner_id": owner(),
                "stage_id": rng.choice(sids), "status": "open", "expected_revenue": Decimal(rng.randrange(100, 90000)),
                "currency": "EUR", "probability": 10, "source": "other", "tags": "", "notes": "",
                "prospect_name": "", "prospect_email": "", "prospect_phone": "", "lost_note": "",
                "created_at": now - timedelta(days=rng.uniform(0, 700)),
                "updated_at": now - timedelta(days=rng.uniform(0, 700))}),
            (Order.__table__, orders, lambda i: {
                "number": f"B{i:08d}", "customer_id": rng.randrange(1, customers + 1), "owner_id": owner(),
                "state": rng.choice(("draft", "sent", "confirmed", "confirmed", "cancelled")), "currency": "EUR",
                "notes": "", "subtotal": Decimal("100.00"), "tax_total": Decimal("24.00"), "total": Decimal("124.00"),
                "created_at": now - timedelta(days=rng.uniform(0, 700)),
                "updated_at": now - timedelta(days=rng.uniform(0, 700))}),
        ):
            for start in range(0, total, BATCH):
                rows = [make(i) for i in range(start, min(total, start + BATCH))]
                with engine.begin() as conn:
                    conn.execute(table.insert(), rows)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))


def statements(salesperson_id: int, stage_id: int):
    """The salesperson's statements, as the pages and the API build them."""
    from plugins.sales.access import visible
    from plugins.sales.models import Opportunity, Order

    def both(build):
        return {who: build(Person(salesperson_id, manager=(who == "manager"))) for who in ("salesperson", "manager")}

    return {
        "kanban column (stage, newest touched)": both(lambda u: visible(sa.select(Opportunity), Opportunity, u)
                                                      .where(Opportunity.stage_id == stage_id)
                                                      .order_by(Opportunity.updated_at.desc(), Opportunity.id.desc())
                                                      .limit(26)),
        "opportunities list / API (newest first)": both(lambda u: visible(sa.select(Opportunity), Opportunity, u)
                                                        .order_by(Opportunity.id.desc()).limit(51)),
        "orders list / API (newest first)": both(lambda u: visible(sa.select(Order), Order, u)
                                                 .order_by(Order.id.desc()).limit(51)),
        "orders list, confirmed only": both(lambda u: visible(sa.select(Order), Order, u)
                                            .where(Order.state == "confirmed").order_by(Order.id.desc()).limit(51)),
    }


def explain(conn, stmt) -> list[str]:
    sql = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    if conn.dialect.name == "sqlite":
        return [row[-1] for row in conn.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"))]
    return [row[0] for row in conn.execute(sa.text(f"EXPLAIN {sql}"))]


def timed(conn, stmt, repeat: int) -> float:
    conn.execute(stmt).all()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        conn.execute(stmt).all()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--opportunities", type=int, default=200_000)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--salespeople", type=int, default=20)
    parser.add_argument("--busy-share", type=float, default=0.5, help="share of rows owned by one salesperson")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    url = database_url()
    app = make_app(url)
    started = time.perf_counter()
    fill(app, args.customers, args.opportunities, args.orders, args.salespeople, args.busy_share)
    print(f"database ready in {time.perf_counter() - started:.1f} s: "
          f"{sa.engine.make_url(url).render_as_string(hide_password=True)}")
    from core.auth.models import User
    from core.db import db
    from plugins.sales.models import Opportunity, Stage

    with app.app_context():
        stage = db.session.execute(sa.select(Stage.id).order_by(Stage.id).limit(1)).scalar_one()
        for email in ("sales0@example.com", "sales1@example.com"):  # the busy one, then a quiet one
            uid = db.session.execute(sa.select(User.id).where(User.email == email)).scalar_one()
            owned = db.session.execute(sa.select(sa.func.count()).where(Opportunity.owner_id == uid)).scalar()
            print(f"#### {email} owns {owned:,} opportunities\n")
            with db.engine.connect() as conn:
                for label, by_role in statements(uid, stage).items():
                    print(f"== {label}")
                    for role, stmt in by_role.items():
                        ms = timed(conn, stmt, args.repeat)
                        print(f"  {role:<12} median {ms:7.2f} ms")
                        if role == "salesperson":
                            for line in explain(conn, stmt):
                                print(f"      {line}")
                    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
