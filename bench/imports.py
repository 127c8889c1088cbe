"""How fast imports and exports run, beside a raw baseline doing the same writes.

    python -m bench.imports                         # 1,000,000 customers on SQLite, every case
    python -m bench.imports --rows 200000 --cases import raw export
    DATABASE_URL=postgresql://postgres@127.0.0.1:55508/postgres python -m bench.imports
    RAPPORT_IMPORT_WORKERS=1 python -m bench.imports --rows 100000 --cases import   # check in-process

Cases (each in its own process, so its peak memory is its own):

* ``raw`` — the baseline: the same CSV read with :mod:`csv` and written to the same tables
  (customers, emails, phones, addresses) with one ``executemany`` per table in one
  transaction, the SQLite search index rebuilt once: no validation, no duplicate matching.
* ``import`` — ``rapport import customers`` as a user runs it: sniffing, mapping, every row
  through the customer form's validation (email-validator, phonenumbers to E.164), duplicate
  matching against the database and inside the file, the spool, one transaction.
* ``reimport`` — the same file again: every row matched as a duplicate and skipped.
* ``orders`` — historical order lines (``--rows`` lines, ~3 per order, 200 catalog products)
  for the customers imported before.
* ``export`` — the customer list to CSV, streamed (to /dev/null).

The machine is shared (a load of 20–30 on two cores while colleagues run their suites), so
each case also reports its process's CPU time (user + system) and rows per CPU-second: that is
the figure to compare; wall time is printed too. PostgreSQL's own CPU is not in it.
Memory is the process's resident set, sampled every 0.2 s (``VmRSS``); its peak is printed.
A fresh database is made for each run (SQLite: ``bench/data/imports.db``; PostgreSQL: the
database ``rapport_bench_imports``, dropped and created). Figures: bench/README.md.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CASES = ("raw", "import", "reimport", "orders", "export")

FIRST = ["Γιώργος", "Μαρία", "Ελένη", "Rūta", "Jonas", "Aistė", "דוד", "שרה", "علی", "مریم", "Anna", "Peter"]
LAST = ["Παπαδόπουλος", "Νικολάου", "Kazlauskienė", "Žukauskas", "כהן", "לוי", "محمدی", "رضایی", "Smith", "Müller"]
CITIES = ["Αθήνα", "Θεσσαλονίκη", "Vilnius", "Kaunas", "תל אביב", "تهران", "Patra"]


def _url() -> str:
    base = os.environ.get("DATABASE_URL")
    if base and base.startswith("postgresql"):
        return base.rsplit("/", 1)[0] + "/rapport_bench_imports"
    return "sqlite:///" + str(DATA / "imports.db")


def _fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            path = Path(url[len("sqlite:///"):] + suffix)
            if path.exists():
                path.unlink()
        return
    import sqlalchemy as sa

    admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS rapport_bench_imports"))
        conn.execute(sa.text("CREATE DATABASE rapport_bench_imports"))
    admin.dispose()


def _app(url: str):
    from core.app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
                       "SECRET_KEY": "bench", "INSTANCE_PATH": str(DATA), "IMPORT_MAX_MB": 2000})


def customers_csv(path: Path, rows: int) -> None:
    """``rows`` customers with unique emails, valid unique Greek mobiles and a reference."""
    rng = random.Random(8)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Κωδικός", "Ονοματεπώνυμο", "Email", "Τηλέφωνο", "Πόλη"])
        for i in range(rows):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}"
            phone = f"+30 697 {i // 10_000:03d} {i % 10_000:04d}"  # valid and unique up to a million
            w.writerow([f"K{i:07d}", name, f"c{i}@example.gr", phone, rng.choice(CITIES)])


def orders_csv(path: Path, lines: int, customers: int) -> None:
    rng = random.Random(9)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Πελάτης", "Ημερομηνία", "Κωδικός είδους", "Ποσότητα", "Τιμή", "Έκπτωση"])
        n = 0
        while n < lines:
            customer = f"K{rng.randrange(customers):07d}"
            day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2025)}"
            for _ in range(rng.randint(1, 5)):
                w.writerow([customer, day, f"P-{rng.randrange(200):03d}", rng.randint(1, 4),
                            f"{rng.randint(1, 2000)},{rng.randint(0, 99):02d}", rng.choice(["", "", "5", "10"])])
                n += 1
                if n == lines:
                    break


class Peak(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.2):
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        self.peak = max(self.peak, int(line.split()[1]) * 1024)


def run_case(case: str, rows: int) -> dict:
    """One case in this process; returns its figures."""
    import sqlalchemy as sa

    url = _url()
    app = _app(url)
    peak = Peak()
    peak.start()
    from core.db import db

    with app.app_context():
        from core.plugin_ops import initialise_database

        if case in ("raw", "import"):
            _fresh_database(url)
            db.engine.dispose()
            initialise_database(["sales"])
        started, cpu = time.perf_counter(), _cpu()
        if case == "raw":
            count = _raw(DATA / "customers.csv")
        elif case in ("import", "reimport"):
            count = _import("customers", DATA / "customers.csv")
        elif case == "orders":
            _products()
            db.session.execute(sa.text("DELETE FROM sales_order_line"))
            db.session.execute(sa.text("DELETE FROM sales_order"))
            db.session.commit()
            started, cpu = time.perf_counter(), _cpu()
            count = _import("orders", DATA / "orders.csv", language="el")
        else:
            count = _export()
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        rows_in_db = db.session.execute(sa.text("SELECT count(*) FROM core_customer")).scalar()
    peak.stop.set()
    peak.join()
    return {"case": case, "rows": count, "seconds": round(seconds, 1), "rows_per_s": round(count / seconds),
            "cpu": round(cpu, 1), "rows_per_cpu_s": round(count / cpu), "peak_mb": round(peak.peak / 2**20),
            "customers_in_db": rows_in_db}


def _cpu() -> float:
    """This process's CPU time (user + system) and its ended children's (the import's check
    workers, ``RAPPORT_IMPORT_WORKERS``): steadier than wall time on a shared machine."""
    import resource

    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                   resource.getrusage(resource.RUSAGE_CHILDREN)))


def _raw(path: Path) -> int:
    from core.customers.bulk import bulk_search_index
    from core.db import db, utcnow
    from core.text import fold

    now = utcnow()
    n = 0
    conn = db.session.connection()
    with bulk_search_index():
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh, delimiter=";")
            next(reader)
            batch = []
            for row in reader:
                batch.append(row)
                if len(batch) == 5000:
                    n += _raw_batch(conn, batch, now, fold)
                    batch = []
            n += _raw_batch(conn, batch, now, fold)
    db.session.commit()
    return n


def _raw_batch(conn, batch, now, fold) -> int:
    from core.customers.models import Address, Customer, CustomerEmail, CustomerPhone

    if not batch:
        return 0
    t = Customer.__table__
    ids = [r[0] for r in conn.execute(t.insert().returning(t.c.id, sort_by_parameter_order=True), [
        {"kind": "person", "name": r[1], "name_key": fold(r[1]), "search_key": fold(" ".join(r[1:4])),
         "notes": "", "external_ref": r[0], "created_at": now, "updated_at": now, "version": 1} for r in batch])]
    conn.execute(CustomerEmail.__table__.insert(), [{"customer_id": i, "email": r[2], "label": ""} for i, r in zip(ids, batch)])
    conn.execute(CustomerPhone.__table__.insert(), [{"customer_id": i, "number": "+30" + r[3][4:].replace(" ", ""), "label": ""}
                                                   for i, r in zip(ids, batch)])
    conn.execute(Address.__table__.insert(), [{"customer_id": i, "city": r[4], "label": "", "street": "", "postcode": "",
                                              "region": "", "country": ""} for i, r in zip(ids, batch)])
    return len(batch)


def _import(kind: str, path: Path, language: str = "en") -> int:
    from core.transfer.engine import run_import
    from core.transfer.service import create_run, importer_for
    from core.db import db

    importer = importer_for(kind)
    run = create_run(importer, str(path), path.name, user_id=None, options={"language": language})
    db.session.commit()
    run = run_import(run, importer)
    if run.state != "done":
        raise SystemExit(f"import {kind} failed: {run.message}")
    print(f"  {kind}: {run.message}", file=sys.stderr)
    return run.rows_read


def _products() -> None:
    from decimal import Decimal

    import sqlalchemy as sa

    from core.catalog.models import Product
    from core.db import db

    if db.session.execute(sa.select(sa.func.count()).select_from(Product)).scalar():
        return
    db.session.add_all([Product(sku=f"P-{i:03d}", name=f"Προϊόν {i}", name_key=f"προιον {i}",
                                unit_price=Decimal("10.00") + i, tax_rate=Decimal("24")) for i in range(200)])
    db.session.commit()


def _export() -> int:
    from werkzeug.datastructures import MultiDict

    from core.transfer.service import exporter_for
    from core.transfer.writers import csv_stream

    headers, rows = exporter_for("customers").rows(None, MultiDict())
    n = 0
    with open(os.devnull, "wb") as out:
        for chunk in csv_stream(headers, rows):
            out.write(chunk)
            n += chunk.count(b"\n")
    return n - 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)  # one case, in a child process
    args = parser.parse_args(argv)
    DATA.mkdir(exist_ok=True)
    if args.case:
        print(json.dumps(run_case(args.case, args.rows)))
        return 0
    if not (DATA / "customers.csv").exists() or _rows_in(DATA / "customers.csv") != args.rows:
        customers_csv(DATA / "customers.csv", args.rows)
    if "orders" in args.cases:
        orders_csv(DATA / "orders.csv", args.rows, args.rows)
    db = "PostgreSQL" if _url().startswith("postgresql") else "SQLite"
    print(f"{db}, {args.rows:,} rows; CSV {os.path.getsize(DATA / 'customers.csv') / 2**20:.0f} MB")
    print(f"{'case':<10}{'rows':>10}{'wall s':>9}{'rows/s':>9}{'CPU s':>8}{'rows/CPU s':>11}{'peak MB':>9}")
    for case in args.cases:
        out = subprocess.run([sys.executable, "-m", "bench.imports", "--rows", str(args.rows), "--case", case],
                             capture_output=True, text=True, env=os.environ)
        if out.returncode:
            print(f"{case}: failed\n{out.stderr[-2000:]}")
            return 1
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{case:<10}{r['rows']:>10,}{r['seconds']:>9}{r['rows_per_s']:>9,}{r['cpu']:>8}{r['rows_per_cpu_s']:>11,}"
              f"{r['peak_mb']:>9}", flush=True)
    return 0


def _rows_in(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 22), b"")) - 1


if __name__ == "__main__":
    sys.exit(main())
