"""Marketing at size: a three-criteria segment count and a campaign queued (issue 9).

    python -m bench.marketing                                    # SQLite, bench/data/marketing.db
    python -m bench.marketing --customers 1000000 --lines 5000000
    python -m bench.marketing --campaign 100000                  # also queue a campaign of that size
    python -m bench.marketing --raw 100000                       # the same emails written by hand (floor)
    python -m bench.marketing --reuse --no-count --campaign 100000  # time again on the filled database
    DATABASE_URL=postgresql://... python -m bench.marketing

Fills a database (sales and marketing on) with customers — a preferred language, email
consent for most — and confirmed orders with four lines each over 50 products, runs
``ANALYZE``, then times the count of the segment "prefers Greek AND agreed to email
marketing AND bought product P in the last year" exactly as the segment page and the API
build it (``plugins.marketing.segments``, the sales criterion from the ``segment_criteria``
hook), beside the raw hand-written SQL of the same question, with the database's plan.
``--campaign N`` then queues an email campaign to the first N consenting customers (a static
list) with the real job function and reports messages per second handed to the outbox;
``--send N`` sends N of the queued campaign emails to a local aiosmtpd with the outbox's own
``send_due`` (compare with the outbox's limit in bench/README.md, "Outbox"). ``--reuse`` times
again on a database filled before, whatever its size: no fill, and the outbox, recipients and
lists of earlier bench campaigns are emptied first (and their statistics retaken), so each run
starts where a fresh campaign starts. On PostgreSQL on this machine the bench also reports the
server's CPU time over the queuing (its processes' in /proc), beside the bench process's own.
Measurements only: nothing is asserted.
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

BATCH = 20_000
PRODUCTS = 50
LANGUAGES = ("en", "el", "lt", "fa", "he")


def database_url() -> str:
    from core.config import database_url as configured

    if os.environ.get("DATABASE_URL"):
        return configured("")
    path = HERE / "data" / "marketing.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _insert(engine, table, rows_iter, total, label):
    started, done = time.perf_counter(), 0
    batch = []
    for row in rows_iter:
        batch.append(row)
        if len(batch) == BATCH:
            with engine.begin() as conn:
                conn.execute(table.insert(), batch)
            done += len(batch)
            batch = []
            if done % 500_000 == 0:
                print(f"  {label}: {done:,} / {total:,} ({time.perf_counter() - started:.0f} s)", flush=True)
    if batch:
        with engine.begin() as conn:
            conn.execute(table.insert(), batch)


def fill(app, customers: int, lines: int, seed: int = 9) -> None:
    from core.catalog.models import Product
    from core.customers.models import Consent, Customer
    from core.db import db, utcnow
    from core.plugin_ops import initialise_database
    from plugins.sales.models import Order, OrderLine

    rng = random.Random(seed)
    with app.app_context():
        initialise_database(enable=["sales", "marketing"])
        have = db.session.execute(sa.select(sa.func.count(Customer.id))).scalar()
        if have >= customers:
            return
        print(f"filling: {customers:,} customers, {lines:,} order lines", flush=True)
        started = time.perf_counter()
        generate(app, customers, interactions_per_customer=0, echo=lambda *_: None)
        engine = db.engine
        # Languages and consents: set-based, as the generator leaves them empty.
        with engine.begin() as conn:
            for i, lang in enumerate(LANGUAGES):
                conn.execute(sa.update(Customer.__table__).where((Customer.__table__.c.id % 5) == i)
                             .values(preferred_language=lang))
        now = utcnow()
        _insert(engine, Consent.__table__, ({"customer_id": cid, "channel": "email", "granted": rng.random() < 0.8,
                                             "changed_at": now} for cid in range(1, customers + 1)
                                            if rng.random() < 0.85), customers, "consents")
        products = [Product(sku=f"B-{n:03d}", name=f"Bench product {n}", name_key=f"bench product {n}",
                            unit_price=Decimal("25.00")) for n in range(PRODUCTS)]
        db.session.add_all(products)
        db.session.commit()
        pids = [p.id for p in products]
        orders = lines // 4

        def order_rows():
            for i in range(orders):
                when = now - timedelta(days=rng.uniform(0, 730))
                yield {"id": i + 1, "number": f"M{i:09d}", "customer_id": rng.randrange(1, customers + 1),
                       "state": "confirmed" if rng.random() < 0.9 else "cancelled", "currency": "EUR", "notes": "",
                       "subtotal": Decimal("100.00"), "tax_total": Decimal("24.00"), "total": Decimal("124.00"),
                       "created_at": when, "updated_at": when, "confirmed_at": when}

        def line_rows():
            for i in range(orders * 4):
                yield {"order_id": i // 4 + 1, "position": i % 4, "product_id": rng.choice(pids),
                       "description": "", "sku": "", "kind": "product", "quantity": Decimal("1"),
                       "unit_price": Decimal("25.00"), "discount_percent": Decimal("0"), "tax_rate": Decimal("24"),
                       "line_total": Decimal("25.00"), "tax_amount": Decimal("6.00"), "warranty_months": 0}

        _insert(engine, Order.__table__, order_rows(), orders, "orders")
        _insert(engine, OrderLine.__table__, line_rows(), orders * 4, "order lines")
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('sales_order', 'id'), "
                                     "(SELECT MAX(id) FROM sales_order))"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
        print(f"filled in {time.perf_counter() - started:.0f} s", flush=True)


RAW = """
SELECT count(*) FROM core_customer c
WHERE c.preferred_language = 'el'
  AND EXISTS (SELECT 1 FROM core_consent k WHERE k.customer_id = c.id AND k.channel = 'email' AND k.granted)
  AND c.id IN (SELECT o.customer_id FROM sales_order o JOIN sales_order_line l ON l.order_id = o.id
               WHERE o.state = 'confirmed' AND o.confirmed_at >= :since AND l.product_id = :product)
"""


def explain(conn, stmt) -> list[str]:
    sql = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    if conn.dialect.name == "sqlite":
        return [row[-1] for row in conn.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"))]
    return [row[0] for row in conn.execute(sa.text(f"EXPLAIN {sql}"))]


def timed(run, repeat: int) -> tuple[float, object]:
    value = run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        value = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), value


def segment_count(app, repeat: int) -> None:
    from core.catalog.models import Product
    from core.customers.models import Customer
    from core.db import db, utcnow
    from plugins.marketing.segments import clean_rules, rules_condition

    with app.test_request_context():
        product = db.session.execute(sa.select(Product.id).where(Product.sku == "B-007")).scalar_one()
        tree = clean_rules({"op": "and", "items": [
            {"criterion": "core.language", "params": {"language": "el"}},
            {"criterion": "core.consent", "params": {"channel": "email"}},
            {"criterion": "sales.bought_product", "params": {"product": str(product), "days": "365"}}]})
        stmt = sa.select(sa.func.count()).select_from(Customer).where(rules_condition(tree))
        since = utcnow() - timedelta(days=365)
        with db.engine.connect() as conn:
            print("plan (segment as built):")
            for line in explain(conn, stmt):
                print("   ", line)
            ms, n = timed(lambda: conn.execute(stmt).scalar(), repeat)
            raw_ms, raw_n = timed(lambda: conn.execute(sa.text(RAW), {"since": since, "product": product}).scalar(),
                                  repeat)
        print(f"segment count (3 criteria, one from sales): {n:,} customers, median {ms:.0f} ms")
        print(f"raw SQL of the same question:              {raw_n:,} customers, median {raw_ms:.0f} ms")


def reset_campaigns(app) -> None:
    """Empty what earlier bench campaigns left (outbox, recipients, links, lists, jobs) and
    retake those tables' statistics, so a re-run on a filled database times what the first
    campaign on it would."""
    from core.db import db

    tables = ("marketing_recipient", "marketing_link", "marketing_campaign", "marketing_segment_member",
              "marketing_segment", "core_outbox_message")
    with app.app_context():
        engine = db.engine
        if not sa.inspect(engine).has_table("marketing_recipient") or not db.session.execute(
                sa.text("SELECT EXISTS (SELECT 1 FROM core_customer)")).scalar():
            raise SystemExit("--reuse: this database has not been filled yet (run without --reuse first)")
        with engine.begin() as conn:
            for table in tables:
                conn.execute(sa.text(f"DELETE FROM {table}"))
            conn.execute(sa.text("DELETE FROM core_job WHERE kind = 'marketing.send_campaign'"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text(f"VACUUM ANALYZE {', '.join(tables)}"))
            else:
                for table in tables:
                    conn.execute(sa.text(f"ANALYZE {table}"))


def server_cpu(conn) -> dict[int, float] | None:
    """CPU seconds used so far by each PostgreSQL backend serving this database (``{pid:
    seconds}``, from /proc: only for a server on this machine; another database's work on the
    same server is left out). The bench's pooled connections live through the timed part, so
    the difference of two readings is the server's work for it."""
    if conn.dialect.name != "postgresql":
        return None
    tick = os.sysconf("SC_CLK_TCK")
    pids = conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        out[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return out


def server_seconds(before: dict | None, after: dict | None) -> float | None:
    if before is None or after is None:
        return None
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


PERSONAL_TEXTS = {
    "en": {"subject": "News for {{ customer.name }}", "body": "Hello {{ customer.first_name }}, "
           "see https://shop.example.com/sale today."},
    "el": {"subject": "Νέα για {{ customer.name }}", "body": "Γεια σας {{ customer.first_name }}, "
           "δείτε https://shop.example.com/sale σήμερα."}}
# The same newsletter without the customer's name: rendered once per language and job.
PLAIN_TEXTS = {
    "en": {"subject": "News from the shop", "body": "Hello, see https://shop.example.com/sale today."},
    "el": {"subject": "Νέα από το κατάστημα", "body": "Γεια σας, δείτε https://shop.example.com/sale σήμερα."}}


def campaign(app, size: int, plain: bool = False) -> None:
    from core.customers.models import Consent
    from core.db import db
    from core.jobs.models import Job
    from core.messaging.models import OutboxMessage
    from plugins.marketing.models import Campaign, Segment, SegmentMember
    from plugins.marketing.sending import send_campaign
    from core.messaging import ensure_template

    with app.test_request_context():
        key = "bench.newsletter_plain" if plain else "bench.newsletter"
        ensure_template(key, name=f"Bench {key}", source="bench", texts=PLAIN_TEXTS if plain else PERSONAL_TEXTS)
        first = (sa.select(Consent.customer_id).where(Consent.channel == "email", Consent.granted.is_(True))
                 .order_by(Consent.customer_id).limit(size).subquery())
        segment = Segment(name=f"Bench {size}", kind="static")
        db.session.add(segment)
        db.session.flush()
        db.session.execute(sa.insert(SegmentMember).from_select(  # one statement: set-up, not timed
            ["segment_id", "customer_id"], sa.select(sa.literal(segment.id), first.c.customer_id)))
        members = db.session.execute(sa.select(sa.func.count()).select_from(SegmentMember)
                                     .where(SegmentMember.segment_id == segment.id)).scalar()
        campaign_row = Campaign(name=f"Bench {size}", channel="email", segment_id=segment.id,
                                template_key=key, state="sending")
        db.session.add(campaign_row)
        job = Job(kind="marketing.send_campaign", params={"campaign_id": 0}, status="running")
        db.session.add(job)
        db.session.commit()
        before = db.session.execute(sa.select(sa.func.count(OutboxMessage.id))).scalar()

        class Ctx:  # the job context's progress: commit, like the real one
            def progress(self, done, total=None, message=None):
                db.session.commit()

        with db.engine.connect() as probe:
            server = server_cpu(probe)
            started, cpu = time.perf_counter(), time.process_time()
            result = send_campaign(Ctx(), campaign_row.id)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            server = server_seconds(server, server_cpu(probe))
        queued = db.session.execute(sa.select(sa.func.count(OutboxMessage.id))).scalar() - before
        kind = "plain" if plain else "personal"
        print(f"campaign of {members:,} ({kind} template): {queued:,} messages queued in {seconds:.1f} s "
              f"({queued / seconds:,.0f} a second); CPU of this process {cpu:.1f} s ({queued / cpu:,.0f} a CPU second, "
              f"the fairer figure on a shared machine)"
              + ("" if server is None else f"; PostgreSQL server CPU {server:.1f} s")
              + f"; load average {os.getloadavg()[0]:.1f} — {result}")


def raw_queue(app, size: int) -> None:
    """The floor for queuing: the same number of personal emails written by hand — one query
    for the consenting customers' name, language and first email, ``str.format`` for the
    texts, three HMAC-SHA256 tokens each, one ``executemany`` of outbox rows per 500, one
    commit per 500 — with none of the checks (no consent re-check, no template sandbox, no
    recipient rows)."""
    import base64
    import hashlib
    import hmac
    import uuid

    from core.customers.models import Consent, Customer, CustomerEmail
    from core.db import db, utcnow
    from core.messaging.models import OutboxMessage

    with app.app_context():
        first_email = (sa.select(CustomerEmail.email).where(CustomerEmail.customer_id == Customer.id)
                       .order_by(CustomerEmail.id).limit(1).scalar_subquery())
        run = uuid.uuid4().hex[:8]
        keys = {p: hmac.new(f"bench{p}".encode(), digestmod=hashlib.sha256) for p in ("u", "c", "o")}

        def token(purpose, value):
            mac = keys[purpose].copy()
            mac.update(value.encode())
            return f"{value}.{base64.urlsafe_b64encode(mac.digest()).rstrip(b'=').decode()}"

        started, cpu = time.perf_counter(), time.process_time()
        people = db.session.execute(
            sa.select(Customer.id, Customer.name, Customer.preferred_language, first_email.label("email"))
            .join(Consent, sa.and_(Consent.customer_id == Customer.id, Consent.channel == "email",
                                   Consent.granted.is_(True)))
            .order_by(Customer.id).limit(size)).all()
        texts = {lang: PERSONAL_TEXTS.get(lang, PERSONAL_TEXTS["en"]) for lang in LANGUAGES}
        base = "http://localhost:5000/m/"
        rows, done = [], 0
        for p in people:
            if not p.email:
                continue
            t = texts[p.preferred_language]
            first = (p.name or "").split()[0] if p.name else ""
            subject = t["subject"].replace("{{ customer.name }}", p.name)
            body = t["body"].replace("{{ customer.first_name }}", first).replace(
                "https://shop.example.com/sale", base + "c/" + token("c", f"{p.id}-1"))
            body += "\n\n-- \nTo stop receiving these emails: " + base + "u/" + token("u", str(p.id))
            html = "<div>" + body.replace("\n", "<br>\n") + f'</div><img src="{base}o/{token("o", str(p.id))}">'
            rows.append(dict(channel="email", status="queued", purpose="marketing", customer_id=p.id,
                             recipient=p.email, recipient_name=p.name[:200], subject=subject, body_text=body,
                             body_html=html, headers={"List-Unsubscribe": f"<{base}u/x>"}, template_key=None,
                             language=p.preferred_language, segments=0, source="bench", ref=f"raw:{run}:{p.id}",
                             dedupe_key=f"raw:{run}:{p.id}", created_by_id=None, next_attempt_at=utcnow(),
                             message_id=f"<{uuid.uuid4().hex}@example.com>"))
            if len(rows) == 500:
                db.session.execute(sa.insert(OutboxMessage.__table__), rows)
                db.session.commit()
                done, rows = done + len(rows), []
        if rows:
            db.session.execute(sa.insert(OutboxMessage.__table__), rows)
            db.session.commit()
            done += len(rows)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"raw baseline, {done:,} personal emails written by hand: {seconds:.1f} s ({done / seconds:,.0f} a second); "
              f"CPU {cpu:.1f} s ({done / cpu:,.0f} a CPU second)")


def send(app, count: int) -> None:
    """Send ``count`` queued campaign emails to a local aiosmtpd, as a worker does (``send_due``)."""
    from core.db import db
    from core.messaging.models import OutboxMessage
    from core.messaging.sending import send_due
    from core.testing import SmtpSink

    sink = SmtpSink()
    app.config.update(SMTP_URL=sink.url, OUTBOX_RATE={"email": 0, "sms": 0})
    try:
        with app.app_context():
            waiting = db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status == "queued", OutboxMessage.source == "marketing")).scalar()
            started, sent = time.perf_counter(), 0
            while sent < min(count, waiting):
                report = send_due("email", limit=100)
                if not report.claimed:
                    break
                sent += report.sent
            seconds = time.perf_counter() - started
        print(f"sent {sent:,} campaign emails to a local aiosmtpd in {seconds:.1f} s ({sent / seconds:,.0f} a second, "
              f"1 process; received {len(sink.messages):,})")
    finally:
        sink.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--campaign", type=int, default=0, help="also queue a campaign to this many customers")
    parser.add_argument("--plain", action="store_true",
                        help="the campaign's template reads no customer data (rendered once per language)")
    parser.add_argument("--raw", type=int, default=0,
                        help="also queue this many personal emails by hand (the floor for --campaign)")
    parser.add_argument("--send", type=int, default=0, help="then send this many of them to a local aiosmtpd")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true",
                        help="use the database as filled before (no fill) and empty earlier bench campaigns first")
    parser.add_argument("--no-count", action="store_true", help="skip the segment count")
    args = parser.parse_args(argv)
    url = database_url()
    app = make_app(url)
    print(f"database: {sa.engine.make_url(url).render_as_string(hide_password=True)}")
    if args.reuse:
        reset_campaigns(app)
    else:
        fill(app, args.customers, args.lines)
    if not args.no_count:
        segment_count(app, args.repeat)
    if args.campaign:
        campaign(app, args.campaign, args.plain)
    if args.raw:
        raw_queue(app, args.raw)
    if args.send:
        send(app, args.send)
    return 0


if __name__ == "__main__":
    sys.exit(main())
