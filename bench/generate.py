"""Fill a database with many customers, fast, for the list and search benchmarks.

    python -m bench.generate                       # 100,000 customers into bench/data/bench.db
    python -m bench.generate --customers 1000000   # a million
    DATABASE_URL=postgresql://... python -m bench.generate

Rows go in with SQLAlchemy Core ``insert`` in batches (executemany), not through the
ORM, so 100,000 customers take seconds. The folded ``name_key`` and ``search_key``
are computed with :func:`core.text.fold` exactly as
:func:`core.customers.service.refresh_keys` does, so the pages and the API find them
the same way they find customers created through the forms. Emails and phones are
valid (E.164, numbers the product's own validation accepts) but made up; the generator
trusts its plans instead of validating each number. Each batch goes in through the bulk
path's search index switch (:func:`core.customers.bulk.bulk_search_index`): on SQLite the
per-row trigger that indexes a new customer is off for the batch and its rows are indexed
in one statement, as imports do.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
DEFAULT_DB = HERE / "data" / "bench.db"
BENCH_EMAIL = "bench-admin@example.com"
BENCH_PASSWORD = "bench password 1234"
BATCH = 5_000
# A few rare customers so a search can match "few rows" at any size.
RARE_NAMES = ["Ξενοφών Ζαχαρόπουλος", "Quentin Zyzzyva", "Ąžuolė Žvirblytė"]
# (country code + national prefix, digits to add) for well-formed E.164 mobile numbers.
# Every number of every plan passes the product's own validation (phonenumbers), which
# tests/test_bench_generate.py checks: "+9725…", "+447…" and "+1617…" did not (Israeli
# 051/054…, British 070/076… and Boston 617-0xx/1xx numbers are not allocated).
PHONE_PLANS = [("+30690", 7), ("+3706", 7), ("+97253", 7), ("+98912", 7), ("+4475", 8), ("+16175", 6)]


def database_url() -> str:
    from core.config import database_url as configured

    if os.environ.get("DATABASE_URL"):
        return configured("")
    DEFAULT_DB.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DB}"


def make_app(url: str):
    from core.app import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": str(HERE / "data"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
    })


def prepare(app) -> None:
    """Create the schema (core only) and the benchmark's admin user."""
    from core.auth.models import User
    from core.auth.service import create_user
    from core.db import db
    from core.plugin_ops import initialise_database

    with app.app_context():
        initialise_database(enable=[])
        if db.session.execute(sa.select(User.id).where(User.email == BENCH_EMAIL)).first() is None:
            create_user(BENCH_EMAIL, BENCH_PASSWORD, name="Bench", roles=["admin"])


def _names():
    from core.demo import COMPANIES, NAMES

    people = []
    for script in NAMES.values():
        for gender in ("female", "male"):
            people += [f"{f} {last}" for f in script[gender] for last in script[f"last_{gender}"]]
    companies = [c for names in COMPANIES.values() for c in names]
    return people, companies


def generate(app, n_customers: int, *, seed: int = 7, interactions_per_customer: float = 2.0, echo=print) -> int:
    """Append ``n_customers`` customers (with an email, a phone and some interactions)."""
    from core.customers.bulk import bulk_search_index, search_text
    from core.customers.models import Customer, CustomerEmail, CustomerPhone
    from core.db import db, utcnow
    from core.history.models import CHANNELS, Interaction
    from core.text import fold

    rng = random.Random(seed)
    people, companies = _names()
    cust_t, email_t, phone_t, inter_t = (Customer.__table__, CustomerEmail.__table__, CustomerPhone.__table__,
                                         Interaction.__table__)
    now = utcnow()
    started = time.perf_counter()
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            next_id = (conn.execute(sa.select(sa.func.max(cust_t.c.id))).scalar() or 0) + 1
            next_email = (conn.execute(sa.select(sa.func.max(email_t.c.id))).scalar() or 0) + 1
            next_phone = (conn.execute(sa.select(sa.func.max(phone_t.c.id))).scalar() or 0) + 1
        done = 0
        while done < n_customers:
            size = min(BATCH, n_customers - done)
            customers, emails, phones, interactions = [], [], [], []
            for k in range(size):
                cid = next_id + done + k
                is_company = rng.random() < 0.1
                if done + k < len(RARE_NAMES):
                    name = RARE_NAMES[done + k]
                else:
                    name = rng.choice(companies) if is_company else rng.choice(people)
                email = f"c{cid}@{rng.choice(('example.com', 'example.org', 'example.net'))}"
                prefix, digits = rng.choice(PHONE_PLANS)
                phone = prefix + "".join(str(rng.randrange(10)) for _ in range(digits))
                created = now - timedelta(days=rng.uniform(0, 1500))
                customers.append({
                    "id": cid, "kind": "company" if is_company else "person", "name": name,
                    "name_key": fold(name)[:200], "search_key": search_text(name, [email], [phone]),
                    "notes": "", "created_at": created, "updated_at": created,
                })
                emails.append({"id": next_email + done + k, "customer_id": cid, "email": email, "label": ""})
                phones.append({"id": next_phone + done + k, "customer_id": cid, "number": phone, "label": ""})
                for _ in range(int(interactions_per_customer) + (rng.random() < interactions_per_customer % 1)):
                    channel = rng.choice(CHANNELS)
                    interactions.append({
                        "customer_id": cid, "kind": "interaction", "source": "core", "channel": channel,
                        "direction": None if channel == "note" else rng.choice(("inbound", "outbound")),
                        "occurred_at": created + timedelta(days=rng.uniform(0, 365)),
                        "subject": "Benchmark interaction", "body": "", "created_at": created,
                    })
            with engine.begin() as conn, bulk_search_index(conn):
                conn.execute(cust_t.insert(), customers)
                conn.execute(email_t.insert(), emails)
                conn.execute(phone_t.insert(), phones)
                if interactions:
                    conn.execute(inter_t.insert(), interactions)
            done += size
            if done % 50_000 < BATCH or done == n_customers:
                echo(f"  {done:,} customers ({time.perf_counter() - started:.1f} s)")
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
                # Explicit ids leave the sequences behind; the app's own inserts need them ahead.
                for table in (cust_t, email_t, phone_t):
                    conn.execute(sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))
        else:
            with engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))
    return n_customers


def customer_count(app) -> int:
    from core.customers.models import Customer
    from core.db import db

    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(Customer.id))).scalar()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000, help="how many to add (default 100,000)")
    parser.add_argument("--interactions", type=float, default=2.0, help="interactions per customer (average)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    url = database_url()
    app = make_app(url)
    prepare(app)
    print(f"adding {args.customers:,} customers to {sa.engine.make_url(url).render_as_string(hide_password=True)}")
    started = time.perf_counter()
    generate(app, args.customers, seed=args.seed, interactions_per_customer=args.interactions)
    print(f"done in {time.perf_counter() - started:.1f} s; the database now has {customer_count(app):,} customers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
