"""How fast the outbox sends: 10,000 emails to a local aiosmtpd with 1 and 4 workers, beside
a plain smtplib loop sending the same messages over one connection (the limit here).

    python -m bench.outbox                          # SQLite in bench/data/
    python -m bench.outbox --messages 2000 --workers 1 2 4
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python -m bench.outbox

The SMTP server runs in its own process and writes the Message-ID of every message it
accepts to a file; after each run the file shows whether every message arrived exactly
once. Two ways of sending, each with 1 and 4 processes and no rate limit:

* ``send_due`` loops: processes calling ``core.messaging.send_due`` until nothing is due
  (the sending engine alone);
* ``rapport worker``: real worker processes (Huey, the SQLite queue in bench/data/, one
  thread each) running the ``core.send_outbox`` background calls that ``queue_message``'s
  commit queues — what production does. The clock runs from queuing the calls until no
  message is left queued or sending.

Between runs the same messages are queued again. These are measurements, never test
assertions; figures are in bench/README.md.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import smtplib
import socket
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
NAMES = ["Ζωή Παπαδοπούλου", "דנה כהן", "سارا رضایی", "Šarūnas Kazlauskas", "Zoë Brontë", "Νίκος Γεωργίου",
         "יוסי לוי", "علی محمدی", "Ieva Petraitytė", "John Smith"]
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.M | re.I)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sink(port: int, log_path: str, ready) -> None:
    """The SMTP server: accepts everything, logs each Message-ID (one line per message)."""
    import asyncio

    from aiosmtpd.controller import Controller

    log = open(log_path, "ab", buffering=0)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            found = MESSAGE_ID.search(envelope.original_content or envelope.content)
            log.write((found.group(1) if found else b"<none>") + b"\n")
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        asyncio.run(asyncio.sleep(10**9))
    finally:
        controller.stop()


def _database(url: str | None, reset: bool) -> str:
    if url and url.startswith(("postgres://", "postgresql")):
        from core.testing import _psycopg, _with_db

        url = _psycopg(url)
        admin = sa.create_engine(_with_db(url, "postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.execute(sa.text('DROP DATABASE IF EXISTS "rapport_bench_outbox" WITH (FORCE)'))
            conn.execute(sa.text('CREATE DATABASE "rapport_bench_outbox"'))
        admin.dispose()
        return _with_db(url, "rapport_bench_outbox")
    DATA.mkdir(exist_ok=True)
    path = DATA / "outbox.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _app(url: str, smtp_url: str):
    from core.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(DATA),
                      "RATELIMIT_ENABLED": False})
    app.config.update(SMTP_URL=smtp_url, MAIL_FROM="Rapport Σέρβις <service@rapport.test>",
                      OUTBOX_RATE={"email": 0, "sms": 0})
    return app


def _fill(app, count: int) -> float:
    """Customers and ``count`` queued emails; returns the seconds queuing took."""
    from core.customers.service import create_customer
    from core.db import db
    from core.messaging import queue_message
    from core.plugin_ops import initialise_database

    with app.app_context():
        initialise_database(enable=[])
        customers = []
        for i in range(min(1000, count)):
            customers.append(create_customer({"name": f"{NAMES[i % len(NAMES)]} {i}",
                                              "emails": [f"customer{i}@example.com"]}))
        db.session.commit()
        started = time.perf_counter()
        for i in range(count):
            customer = customers[i % len(customers)]
            queue_message(channel="email", customer=customer, subject=f"Η προσφορά σας #{i} — ההצעה שלך",
                          body=f"Καλημέρα {customer.name},\n\nη προσφορά σας είναι έτοιμη.\n\nשלום, ההצעה מוכנה.\n",
                          headers={"List-Unsubscribe": f"<https://rapport.test/u/{i}>",
                                   "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
                          purpose="service", source="bench")
            if i % 1000 == 999:
                db.session.commit()
        db.session.commit()
        return time.perf_counter() - started


def _requeue(app) -> None:
    from core.db import db
    from core.history.models import Interaction
    from core.messaging.models import OutboxMessage

    with app.app_context():
        db.session.execute(sa.delete(Interaction).where(Interaction.kind == "messaging.sent"))
        db.session.execute(sa.update(OutboxMessage).values(status="queued", attempts=0, sent_at=None,
                                                           claim_token=None, claimed_at=None, provider_id=None))
        db.session.commit()


def _worker(url: str, smtp_url: str, limit: int, ready, go) -> None:
    from core.db import db
    from core.messaging import send_due

    app = _app(url, smtp_url)
    with app.app_context():  # connect and load everything before the clock starts
        db.session.execute(sa.text("SELECT 1"))
        db.session.remove()
    ready.release()
    go.wait()
    with app.app_context():
        while send_due("email", limit=limit).claimed:
            pass
        db.session.remove()


def _outbox_run(url: str, smtp_url: str, workers: int, limit: int) -> float:
    ctx = mp.get_context("spawn")
    go, ready = ctx.Event(), ctx.Semaphore(0)
    procs = [ctx.Process(target=_worker, args=(url, smtp_url, limit, ready, go)) for _ in range(workers)]
    for p in procs:
        p.start()
    for _ in procs:  # every worker has imported and built its app before the clock starts
        ready.acquire(timeout=120)
    started = time.perf_counter()
    go.set()
    for p in procs:
        p.join()
    return time.perf_counter() - started


def _worker_env(url: str, smtp_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(DATABASE_URL=url, RAPPORT_INSTANCE=str(DATA), RAPPORT_SECRET_KEY="bench", RAPPORT_SMTP_URL=smtp_url,
               RAPPORT_MAIL_FROM="Rapport Σέρβις <service@rapport.test>", RAPPORT_EMAIL_RATE="0",
               PYTHONPATH=str(HERE.parent))
    return env


def _unsent(app) -> int:
    from core.db import db
    from core.messaging.models import OutboxMessage

    with app.app_context():
        left = db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.status.in_(("queued", "sending")))).scalar()
        db.session.remove()
    return left


def _worker_run(app, url: str, smtp_url: str, workers: int) -> float:
    """``workers`` real ``rapport worker`` processes; seconds from queuing the calls until all is sent."""
    import signal
    import subprocess

    from core.jobs.queue import queue

    rapport = Path(sys.executable).with_name("rapport")
    logs = [DATA / f"worker-{i}.log" for i in range(workers)]
    procs = []
    for log in logs:
        with open(log, "wb") as out:
            procs.append(subprocess.Popen([str(rapport), "worker", "--workers", "1", "--no-periodic"],
                                          env=_worker_env(url, smtp_url), stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True))
    try:
        deadline = time.monotonic() + 120
        while not all("Rapport worker" in log.read_text(errors="replace") for log in logs):
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not start:\n" + "\n".join(log.read_text() for log in logs))
            time.sleep(0.2)
        time.sleep(3)  # let each worker's start-up sweep run before the clock starts
        started = time.perf_counter()
        with app.app_context():
            for _ in range(workers):  # as many calls as workers (one per commit that queued messages)
                queue(app).enqueue_call("core.send_outbox", {"channel": "email"})
        while _unsent(app):
            time.sleep(0.2)
        return time.perf_counter() - started
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=60)


def _baseline(app, smtp_port: int) -> tuple[float, float]:
    """The same messages through smtplib over one connection: (seconds sending prebuilt bytes,
    seconds building each MIME message and sending it)."""
    import email.utils

    from core.db import db
    from core.messaging.models import OutboxMessage
    from core.messaging.smtp import build_email

    with app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        sender = app.config["MAIL_FROM"]
        envelope_from = email.utils.parseaddr(sender)[1]

        def build(m):
            return build_email(sender=sender, recipient=m.recipient, recipient_name=m.recipient_name,
                               subject=m.subject, text=m.body_text, html_body=m.body_html, message_id=m.message_id,
                               headers=m.headers)

        data = [(m.recipient, build(m)) for m in rows]
        with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
            started = time.perf_counter()
            for recipient, raw in data:
                smtp.sendmail(envelope_from, [recipient], raw)
            prebuilt = time.perf_counter() - started
        with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
            started = time.perf_counter()
            for m in rows:
                smtp.sendmail(envelope_from, [m.recipient], build(m))
            with_building = time.perf_counter() - started
        return prebuilt, with_building


def _clear(log_path: Path) -> None:
    """Empty the sink's log (truncate: the sink keeps the file open in append mode)."""
    with open(log_path, "wb"):
        pass


def _received(log_path: Path) -> Counter:
    return Counter(log_path.read_bytes().splitlines()) if log_path.exists() else Counter()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--batch", type=int, default=100, help="messages per send_due call")
    args = parser.parse_args(argv)

    url = _database(os.environ.get("DATABASE_URL"), reset=True)
    port = _free_port()
    smtp_url = f"smtp://127.0.0.1:{port}"
    log_path = DATA / "outbox-received.log"
    DATA.mkdir(exist_ok=True)
    log_path.unlink(missing_ok=True)
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    sink = ctx.Process(target=_sink, args=(port, str(log_path), ready), daemon=True)
    sink.start()
    ready.wait(30)
    Path(DATA / "queue.db").unlink(missing_ok=True)
    app = _app(url, smtp_url)
    n = args.messages
    queue_seconds = _fill(app, n)
    from core.jobs.queue import queue

    queue(app).huey.flush()  # the calls _fill's commits queued: each run queues its own
    dialect = sa.engine.make_url(url).get_backend_name()
    print(f"database: {dialect}; {n} emails queued in {queue_seconds:.1f} s ({n / queue_seconds:,.0f}/s)")

    prebuilt, built = _baseline(app, port)
    rows = [("smtplib loop, one connection, prebuilt bytes", prebuilt, None),
            ("smtplib loop, one connection, building each message", built, None)]
    runs = [(f"outbox, {w} send_due loop{'s' if w > 1 else ''}", "loop", w) for w in args.workers]
    runs += [(f"outbox, {w} rapport worker{'s' if w > 1 else ''}", "worker", w) for w in args.workers]
    for label, how, workers in runs:
        _requeue(app)
        _clear(log_path)
        if how == "loop":
            seconds = _outbox_run(url, smtp_url, workers, args.batch)
        else:
            seconds = _worker_run(app, url, smtp_url, workers)
        time.sleep(0.5)
        received = _received(log_path)
        twice = sum(1 for c in received.values() if c > 1)
        from core.db import db
        from core.messaging.models import OutboxMessage

        with app.app_context():
            statuses = dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                               .group_by(OutboxMessage.status)).all())
        check = f"received {sum(received.values())}, distinct {len(received)}, twice {twice}, statuses {statuses}"
        rows.append((label, seconds, check))
        print(f"{label}: {seconds:.1f} s; {check}", flush=True)
    sink.terminate()
    limit = n / prebuilt
    print(f"\n{'case':55} {'seconds':>8} {'msg/s':>8} {'vs limit':>9}")
    for label, seconds, check in rows:
        rate = n / seconds
        print(f"{label:55} {seconds:8.2f} {rate:8,.0f} {limit / rate:8.2f}×")
        if check:
            print(f"{'':55} {check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
