"""What the audit log costs bulk work: create and update N customers with and without it.

    python -m bench.audit                               # 10,000 customers, SQLite files in bench/data/
    python -m bench.audit --customers 50000 --batch 500
    DATABASE_URL=postgresql://user@host/postgres python -m bench.audit   # PostgreSQL (creates and drops
                                                                         # one database per case there)

Each case starts from an empty database (schema from the migrations, core only) and
does the same work, in transactions of ``--batch`` customers:

* **raw**: SQLAlchemy Core ``executemany`` of the rows (customers and their emails),
  then ``executemany`` of the updates — the floor for this work;
* **ORM, audit off**: ``Customer`` objects with an email, added and committed; then each
  batch loaded and two fields changed (``AUDIT_ENABLED=False``);
* **ORM, audit on**: the same with the audit log recording every row;
* ``--service``: the same through ``core.customers.service`` (validation, search keys,
  events), with and without audit, as a web form or the API creates customers.

Printed per case: seconds and rows per second for the creation and for the update,
the audit entries written and how many INSERT statements wrote them (one executemany
per transaction). Measurements, never assertions; figures go to bench/README.md.

    python -m bench.audit --pages 1000000     # the audit page and API on a million entries

``--pages N`` fills one database with N entries (Core executemany, spread over two years,
50 users, 20,000 customers) and times the audit page, its filters, the Changes tab and
the API, each the median of 10 runs after a warm-up.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent


# -- databases ------------------------------------------------------------------------------


class Databases:
    """A fresh database per case: a SQLite file, or a PostgreSQL database created for it."""

    def __init__(self):
        import os

        from core.config import database_url

        self.pg = database_url("") if os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")) \
            else None
        if self.pg and self.pg.startswith("postgresql://"):
            self.pg = "postgresql+psycopg://" + self.pg[len("postgresql://"):]
        self.created: list[str] = []

    def new(self, label: str) -> str:
        name = f"bench_audit_{label}_{uuid.uuid4().hex[:6]}"
        if self.pg:
            admin = sa.create_engine(self.pg, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            self.created.append(name)
            return sa.engine.make_url(self.pg).set(database=name).render_as_string(hide_password=False)
        folder = HERE / "data"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.db"
        self.created.append(str(path))
        return f"sqlite:///{path}"

    def drop_all(self) -> None:
        if self.pg:
            admin = sa.create_engine(self.pg, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
            with admin.connect() as conn:
                for name in self.created:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        else:
            for path in self.created:
                for suffix in ("", "-wal", "-shm"):
                    Path(path + suffix).unlink(missing_ok=True)


def make_app(url: str, audit: bool):
    from core.app import create_app
    from core.plugin_ops import initialise_database

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(HERE / "data"),
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "AUDIT_ENABLED": audit,
    })
    with app.app_context():
        initialise_database(enable=[])
    return app


class Clock:
    """Wall time and this process's CPU time (on a busy shared machine the CPU time is the
    steadier figure; with SQLite it includes the database's own work, with PostgreSQL not)."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


class AuditStatements:
    """Counts the statements that write audit entries and the rows they carry, and times the
    audit's own work: noting each row during the flush, folding it into the transaction's
    entries, and those INSERT statements. On a
    machine shared with other work this is the steadiest measure of what the audit adds."""

    def __init__(self, engine):
        from core.audit import recorder

        self.statements = 0
        self.rows = 0
        self.own = 0.0  # seconds spent in the audit's listeners and its INSERTs
        self._started = None
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)
        originals = {name: getattr(recorder, name) for name in ("_note", "_merge")}

        def timed(function):
            def wrapper(*args):
                started = time.perf_counter()
                try:
                    return function(*args)
                finally:
                    self.own += time.perf_counter() - started
            return wrapper

        for name, function in originals.items():
            setattr(recorder, name, timed(function))
        self._restore = lambda: [setattr(recorder, n, f) for n, f in originals.items()]

    def _before(self, _conn, _cursor, statement, parameters, _context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO CORE_AUDIT"):
            self.statements += 1
            self.rows += len(parameters) if executemany else 1
            self._started = time.perf_counter()

    def _after(self, *_args):
        if self._started is not None:
            self.own += time.perf_counter() - self._started
            self._started = None

    def close(self):
        self._restore()


# -- the work -------------------------------------------------------------------------------


def _name(i: int) -> str:
    return f"Ζωή Παπαδοπούλου {i:06d}"


def raw(app, n: int, batch: int):
    from core.customers.models import Customer, CustomerEmail
    from core.db import db, utcnow
    from core.text import fold

    cust, email = Customer.__table__, CustomerEmail.__table__
    with app.app_context():
        engine = db.engine
        clock = Clock()
        for start in range(0, n, batch):
            now = utcnow()
            ids = range(start + 1, min(start + batch, n) + 1)
            rows = [{"id": i, "kind": "person", "name": _name(i), "name_key": fold(_name(i)),
                     "search_key": fold(f"{_name(i)} c{i}@example.com"), "notes": "", "created_at": now,
                     "updated_at": now} for i in ids]
            with engine.begin() as conn:
                conn.execute(cust.insert(), rows)
                conn.execute(email.insert(), [{"customer_id": i, "email": f"c{i}@example.com", "label": ""}
                                              for i in ids])
        created = clock.stop()
        clock = Clock()
        for start in range(0, n, batch):
            now = utcnow()
            rows = [{"cid": i, "name": _name(i) + " Β", "notes": "Called back", "updated_at": now}
                    for i in range(start + 1, min(start + batch, n) + 1)]
            with engine.begin() as conn:
                conn.execute(cust.update().where(cust.c.id == sa.bindparam("cid"))
                             .values(name=sa.bindparam("name"), notes=sa.bindparam("notes"),
                                     updated_at=sa.bindparam("updated_at")), rows)
        updated = clock.stop()
    return created, updated


def _through_the_session(app, n: int, batch: int, create_one, change_one):
    """Create ``n`` customers with ``create_one(i)``, committing every ``batch``; then load them a
    batch at a time and ``change_one(customer)``. Returns the two (wall, cpu) timings."""
    from core.customers.models import Customer
    from core.db import db

    with app.app_context():
        clock = Clock()
        for start in range(0, n, batch):
            for i in range(start + 1, min(start + batch, n) + 1):
                create_one(i)
            db.session.commit()
        created = clock.stop()
        clock = Clock()
        last = 0
        while True:
            rows = db.session.execute(sa.select(Customer).where(Customer.id > last).order_by(Customer.id)
                                      .limit(batch)).scalars().all()
            if not rows:
                break
            for customer in rows:
                change_one(customer)
            last = rows[-1].id
            db.session.commit()
        updated = clock.stop()
        db.session.remove()
    return created, updated


def orm(app, n: int, batch: int):
    """Plain ORM objects: what any code path writing customers costs at least."""
    from core.customers.models import Customer, CustomerEmail
    from core.db import db
    from core.text import fold

    def create_one(i):
        db.session.add(Customer(kind="person", name=_name(i), name_key=fold(_name(i)),
                                search_key=fold(f"{_name(i)} c{i}@example.com"),
                                emails=[CustomerEmail(email=f"c{i}@example.com")]))

    def change_one(customer):
        customer.name, customer.notes = customer.name + " Β", "Called back"

    return _through_the_session(app, n, batch, create_one, change_one)


def service(app, n: int, batch: int):
    """The customer service, as the web form and the API use it (validation, keys, events)."""
    from core.customers.service import create_customer, update_customer

    return _through_the_session(
        app, n, batch, lambda i: create_customer({"name": _name(i), "emails": [f"c{i}@example.com"]}),
        lambda customer: update_customer(customer, {"name": customer.name + " Β", "notes": "Called back"}))


CASES = [("raw (Core executemany)", raw, False), ("ORM, audit off", orm, False), ("ORM, audit on", orm, True)]
SERVICE_CASES = [("service, audit off", service, False), ("service, audit on", service, True)]


def fill_entries(app, n: int, batch: int = 20_000) -> None:
    import random
    from datetime import timedelta

    from core.audit.models import AuditEntry
    from core.db import db, utcnow

    rng = random.Random(11)
    now = utcnow()
    types = ["customer"] * 6 + ["consent", "interaction", "activity", "sales.order", "sales.order_line",
                                "service.equipment", "user", "token"]
    table = AuditEntry.__table__
    with app.app_context():
        for start in range(0, n, batch):
            rows = []
            for i in range(start, min(start + batch, n)):
                at = now - timedelta(days=730) + timedelta(seconds=63_072_000 * i / n)
                kind = rng.choice(types)
                cid = rng.randint(1, 20_000)
                rows.append({"at": at, "user_id": rng.randint(1, 50), "actor": None,
                             "origin": rng.choice(("web", "web", "api", "job")), "remote_addr": "192.0.2.1",
                             "action": rng.choice(("create", "update", "update", "update", "delete")),
                             "record_type": kind, "record_id": str(cid if kind == "customer" else rng.randint(1, n)),
                             "record_label": f"Record {i}", "customer_id": cid,
                             "changes": {"name": [f"Old {i}", f"New {i}"], "notes": ["", "Called back"]},
                             "detail": None})
            with db.engine.begin() as conn:
                conn.execute(table.insert(), rows)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))


def pages(n: int, repeat: int = 10) -> None:
    from datetime import date, timedelta

    from core.auth.service import create_user

    dbs = Databases()
    try:
        app = make_app(dbs.new("pages"), True)
        with app.app_context():
            create_user("bench-audit@example.com", "bench password 1234", roles=["admin"])
        clock = Clock()
        fill_entries(app, n)
        print(f"audit page benchmark: {n:,} entries (filled in {clock.stop()[0]:.0f} s) on "
              f"{'PostgreSQL' if dbs.pg else 'SQLite'}; median of {repeat} runs")
        client = app.test_client()
        client.post("/login", data={"email": "bench-audit@example.com", "password": "bench password 1234"})
        from core.auth.models import ApiToken, User
        from core.db import db

        with app.app_context():
            user = db.session.execute(sa.select(User).where(User.email == "bench-audit@example.com")).scalar_one()
            _row, clear = ApiToken.issue(user, "bench")
            db.session.commit()
        headers = {"Authorization": f"Bearer {clear}"}
        month = date.today() - timedelta(days=365)
        deep = "/admin/audit"
        for _hop in range(20):
            html = client.get(deep).get_data(as_text=True)
            marker = 'rel="next" href="'
            deep = html.split(marker, 1)[1].split('"', 1)[0].replace("&amp;", "&")
        cases = [
            ("page, newest", "/admin/audit", None),
            ("page 21 (20 × next)", deep, None),
            ("user", "/admin/audit?user=7", None),
            ("record type", "/admin/audit?type=sales.order", None),
            ("one record", "/admin/audit?type=customer&record=4242", None),
            ("a month", f"/admin/audit?since={month}&until={month + timedelta(days=30)}", None),
            ("user + month", f"/admin/audit?user=7&since={month}&until={month + timedelta(days=30)}", None),
            ("Changes tab", "/customers/1/changes", None),
            ("API, one customer", "/api/v1/audit?customer_id=4242", headers),
            ("API, user, 200 rows", "/api/v1/audit?user_id=7&limit=200", headers),
        ]
        if not client.get("/customers/1/changes").status_code == 200:
            from core.customers.service import create_customer

            with app.app_context():
                create_customer({"name": "Bench"})
                db.session.commit()
        for label, url, hdrs in cases:
            client.get(url, headers=hdrs)
            times = []
            for _ in range(repeat):
                clock = Clock()
                response = client.get(url, headers=hdrs)
                times.append(clock.stop()[0] * 1000)
            print(f"  {label:<22} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms   "
                  f"HTTP {response.status_code}")
        with app.app_context():
            db.engine.dispose()
    finally:
        dbs.drop_all()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000, help="customers per transaction")
    parser.add_argument("--repeat", type=int, default=3, help="runs of every case (interleaved); medians shown")
    parser.add_argument("--service", action="store_true", help="also through core.customers.service")
    parser.add_argument("--pages", type=int, default=0, metavar="N", help="time the audit page on N entries instead")
    args = parser.parse_args(argv)
    if args.pages:
        pages(args.pages)
        return 0
    from core.db import db

    dbs = Databases()
    n = args.customers
    cases = CASES + (SERVICE_CASES if args.service else [])
    print(f"audit benchmark: {n:,} customers created then updated, {args.batch:,} per transaction, "
          f"on {'PostgreSQL' if dbs.pg else 'SQLite'}; median of {args.repeat} interleaved runs")
    results: dict[str, list] = {label: [] for label, _w, _a in cases}
    try:
        for _run in range(args.repeat):
            for label, work, audit in cases:
                app = make_app(dbs.new(label.split()[0].strip(",").lower()), audit)
                with app.app_context():
                    counter = AuditStatements(db.engine)
                created, updated = work(app, n, args.batch)
                counter.close()
                with app.app_context():
                    db.engine.dispose()
                results[label].append((created, updated, counter.rows, counter.statements, counter.own))
                dbs.drop_all()
                dbs.created.clear()
    finally:
        dbs.drop_all()
    print(f"  {'case':<24} {'create wall':>11} {'cpu':>7} {'rows/s':>8}  {'update wall':>11} {'cpu':>7} "
          f"{'rows/s':>8}  {'entries':>8} {'INSERTs':>7} {'audit own':>10}")
    for label, runs in results.items():
        cw = statistics.median(r[0][0] for r in runs)
        cc = statistics.median(r[0][1] for r in runs)
        uw = statistics.median(r[1][0] for r in runs)
        uc = statistics.median(r[1][1] for r in runs)
        print(f"  {label:<24} {cw:10.2f}s {cc:6.2f}s {n / cw:8,.0f}  {uw:10.2f}s {uc:6.2f}s {n / uw:8,.0f}  "
              f"{runs[-1][2]:8,} {runs[-1][3]:7,} {statistics.median(r[4] for r in runs):9.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
