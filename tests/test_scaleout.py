"""The production layout, for real: two web processes and two workers on PostgreSQL and Redis.

Shows that work shared by several processes is done exactly once — jobs, event deliveries,
outbox messages sent to a real SMTP server (aiosmtpd) — that a worker killed in the middle of
sending neither loses nor repeats a message, and that the login rate limit is counted in Redis,
across web processes.

Needs PostgreSQL (``TEST_DATABASE_URL`` or a PostgreSQL ``DATABASE_URL``, as the rest of the
suite) and Redis (``TEST_REDIS_URL``, else a throw-away ``redis-server`` started here when the
binary is installed). Skipped with the reason otherwise; ``RAPPORT_REQUIRE_SCALEOUT=1`` (CI)
turns a missing prerequisite into a failure.

Extending it: the module-scoped ``layout`` fixture starts everything once;
write another ``test_…(layout)`` that acts through ``layout.web`` (an ``Http`` client per web
process; ``layout.api(i, method, path, json=...)`` calls the API of process ``i`` with an admin
token), waits with ``layout.wait_until(...)`` and reads the database inside
``layout.app.app_context()``. Plugins enabled: sales, service, jobtest (tests/jobtest_plugin.py).
Environment of every process: ``layout.env`` (add settings there before the processes start);
email goes to ``layout.smtp`` (:class:`HoldingSmtp`). Work queued from the test process itself
goes to that process's own SQLite queue, which no worker reads: act through the web processes.
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.testing import ADMIN_EMAIL, PASSWORD, _pg_base_url, _test_config
from processes import Http, Processes, free_port, rapport_env, wait_until

PLUGINS = ("jobtest", "sales", "service")
JOBS, ORDERS, MESSAGES = 20, 10, 40
LEASE = 8  # RAPPORT_OUTBOX_LEASE_SECONDS of every process: a killed worker's messages are recovered soon
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.M | re.I)


class HoldingSmtp:
    """A real SMTP server (aiosmtpd) that logs the Message-ID of every message it accepts and can
    *hold* one: ``hold(subject)`` makes the message with that subject wait, after its body has
    arrived and before the server answers, until ``release()`` — a worker caught mid-send.
    ``held`` is set while it waits; ``held_peer`` is the sending connection's (host, port)."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        sink = self
        self.received: list[bytes] = []
        self.lock = threading.Lock()
        self.hold_subject: str | None = None
        self.held = threading.Event()
        self.released = threading.Event()
        self.held_peer = None

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import email
                import email.policy

                raw = envelope.original_content or envelope.content
                found = MESSAGE_ID.search(raw)
                with sink.lock:
                    sink.received.append(found.group(1) if found else b"<none>")
                subject = email.message_from_bytes(raw, policy=email.policy.default)["Subject"]
                if sink.hold_subject is not None and subject == sink.hold_subject:
                    sink.held_peer = session.peer
                    sink.held.set()
                    while not sink.released.is_set():  # the event loop keeps serving other connections
                        await asyncio.sleep(0.05)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{self.controller.port}"

    def hold(self, subject: str) -> None:
        self.hold_subject = subject

    def release(self) -> None:
        self.released.set()

    def counts(self) -> Counter:
        with self.lock:
            return Counter(self.received)

    def stop(self) -> None:
        self.release()
        self.controller.stop()


def _owner_of_connection(procs: Processes, local_port: int):
    """The started process (of ``procs``) holding the TCP connection from 127.0.0.1:``local_port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in open(table).read().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == local_port:
                inodes.add(f"socket:[{fields[9]}]")
    for proc, _log in procs.started:
        if proc.poll() is not None:
            continue
        try:
            fds = os.listdir(f"/proc/{proc.pid}/fd")
        except FileNotFoundError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{proc.pid}/fd/{fd}") in inodes:
                    return proc
            except OSError:
                continue
    return None


def _unavailable(reason: str):
    if os.environ.get("RAPPORT_REQUIRE_SCALEOUT") == "1":
        pytest.fail(f"the scale-out test is required (RAPPORT_REQUIRE_SCALEOUT=1) but {reason}", pytrace=False)
    pytest.skip(f"scale-out test skipped: {reason}")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """``TEST_REDIS_URL``, or a private redis-server on a free port for this module."""
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if binary is None:
        _unavailable("no Redis: set TEST_REDIS_URL or install redis-server")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    wait_until(lambda: _pings(client), timeout=20, what="redis-server")
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def _pings(client) -> bool:
    import redis

    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@dataclass
class Layout:
    app: object
    web: list[Http]
    headers: dict
    procs: Processes
    env: dict
    smtp: HoldingSmtp

    def api(self, i: int, method: str, path: str, **kwargs):
        """``(status, body)`` of an API call on web process ``i`` (0 or 1), as the admin."""
        return self.web[i % 2].json(method, f"/api/v1{path}", headers=self.headers, **kwargs)

    def wait_until(self, check, timeout=120, what="the workers"):
        return wait_until(check, timeout=timeout, what=what, logs=self.procs.logs)


@pytest.fixture(scope="module")
def layout(database_factory, tmp_path_factory, redis_url):
    if _pg_base_url() is None:
        _unavailable("it needs PostgreSQL (set TEST_DATABASE_URL)")
    import jobtest_plugin

    from core.app import create_app
    from core.auth.models import ApiToken, User
    from core.db import db

    tmp = tmp_path_factory.mktemp("scaleout")
    url = database_factory.new_database(PLUGINS, [jobtest_plugin])
    app = create_app(_test_config(url, tmp, [jobtest_plugin]))
    with app.app_context():
        admin = db.session.execute(sa.select(User).where(User.email == ADMIN_EMAIL)).scalar_one()
        _row, token = ApiToken.issue(admin, "scale-out")
        db.session.commit()
    redis_db = redis_url.rsplit("/", 1)[0] + "/1"  # a database of its own in a shared Redis
    import redis

    redis.Redis.from_url(redis_db).flushdb()
    smtp = HoldingSmtp()
    env = rapport_env(app, tmp, RAPPORT_REDIS_URL=redis_db, RAPPORT_QUEUE_NAME=f"scaleout-{uuid.uuid4().hex[:8]}",
                      RAPPORT_EXTRA_PLUGINS="jobtest_plugin", RAPPORT_EVENT_DELIVERY="worker",
                      RAPPORT_EVENT_PICKUP_SECONDS=5, RAPPORT_SMTP_URL=smtp.url,
                      RAPPORT_MAIL_FROM="Rapport Σέρβις <service@rapport.test>", RAPPORT_EMAIL_RATE=50,
                      RAPPORT_OUTBOX_LEASE_SECONDS=LEASE)
    procs = Processes(tmp)
    ports = [free_port(), free_port()]
    try:
        for i, port in enumerate(ports):
            procs.start(["serve", "--port", str(port), "--processes", "1", "--threads", "4"], env, f"web-{i + 1}")
        for i in range(2):
            procs.start(["worker", "--workers", "2"], env, f"worker-{i + 1}")
        web = [Http(f"http://127.0.0.1:{port}") for port in ports]
        wait_until(lambda: all(w.up() for w in web), timeout=90, what="both web processes", logs=procs.logs)
        wait_until(lambda: procs.full_logs().count("on Redis") == 2, timeout=60, what="both workers on Redis",
                   logs=procs.logs)
        yield Layout(app, web, {"Authorization": f"Bearer {token}"}, procs, env, smtp)
    finally:
        procs.stop_all()
        smtp.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        database_factory.drop(url)


def test_jobs_started_on_two_web_processes_run_once_each_on_two_workers(layout):
    from core.db import db
    from core.history.models import Interaction
    from core.jobs.models import Job

    status, body = layout.api(0, "POST", "/customers", json={"name": "Ιωάννα Σταύρου"})
    assert status == 201, body
    customer = body["id"]
    ids = []
    for i in range(JOBS):
        status, body = layout.api(i, "POST", "/jobtest/count", json={"n": 3, "note": customer})
        assert status == 201, body
        ids.append(body["id"])

    def finished():
        with layout.app.app_context():
            rows = db.session.execute(sa.select(Job.status, Job.attempts, Job.worker).where(Job.id.in_(ids))).all()
            db.session.remove()
            return rows if all(status == "done" for status, _a, _w in rows) else None

    rows = layout.wait_until(finished, what=f"{JOBS} jobs done")
    assert [attempts for _s, attempts, _w in rows] == [1] * JOBS
    assert len({worker.rsplit(":", 1)[1] for _s, _a, worker in rows}) == 2  # both worker processes took jobs
    with layout.app.app_context():
        subjects = db.session.execute(sa.select(Interaction.subject).where(
            Interaction.customer_id == customer, Interaction.kind == "jobtest.counted")).scalars().all()
    assert sorted(subjects) == sorted(f"job {i} attempt 1" for i in ids)  # each job's work, once
    for i in ids[:2]:
        status, body = layout.api(1, "GET", f"/jobs/{i}")
        assert (status, body["status"], body["done"], body["total"]) == (200, "done", 3, 3)


def test_event_deliveries_are_processed_once_by_the_workers(layout):
    """Orders confirmed on both web processes; every delivery is left to the two workers."""
    from core.auth.models import User
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.db import db
    from core.events.models import Event, EventDelivery
    from plugins.sales.orders import create_quotation
    from plugins.service.models import Equipment

    with layout.app.app_context():
        product = Product(sku="WP-7", name="Heat pump", name_key="heat pump", unit_price=Decimal("2400"),
                          warranty_months=36)
        db.session.add(product)
        customer = create_customer({"name": "Rūta Kazlauskienė"})
        db.session.flush()
        admin = db.session.execute(sa.select(User.id).where(User.email == ADMIN_EMAIL)).scalar_one()
        orders = [create_quotation({"customer_id": customer.id, "lines": [{"product_id": product.id,
                                                                           "quantity": "3"}]}, owner_id=admin).id
                  for _ in range(ORDERS)]
        db.session.commit()
    for i, order_id in enumerate(orders):
        status, body = layout.api(i, "POST", f"/sales/orders/{order_id}/confirm")
        assert status == 200, body

    def delivered():
        with layout.app.app_context():
            rows = db.session.execute(
                sa.select(EventDelivery.status, EventDelivery.attempts).join(Event)
                .where(Event.name == "sales_order_confirmed", EventDelivery.plugin == "service")).all()
            db.session.remove()
            return rows if len(rows) == ORDERS and all(s == "done" for s, _a in rows) else None

    rows = layout.wait_until(delivered, what=f"{ORDERS} confirmations delivered to service")
    assert [attempts for _s, attempts in rows] == [1] * ORDERS
    with layout.app.app_context():
        per_order = dict(db.session.execute(
            sa.select(Equipment.order_id, sa.func.count()).where(Equipment.order_id.in_(orders))
            .group_by(Equipment.order_id)).all())
    assert per_order == {order_id: 3 for order_id in orders}  # 3 units each: none missing, none twice


def test_the_login_rate_limit_is_shared_through_redis(layout):
    """Failed logins from one address, alternating between the two web processes, count together."""
    limit = int(layout.app.config["LOGIN_ACCOUNT_LIMIT"].split()[0])

    def login(i: int, password: str) -> int:
        browser = layout.web[i % 2]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', browser.request("GET", "/login")[1])
        return browser.request("POST", "/login", form={"csrf_token": token.group(1), "email": ADMIN_EMAIL,
                                                       "password": password})[0]

    answers = [login(i, "wrong password") for i in range(limit + 1)]
    # Each process saw about half of the attempts: only a count shared through Redis reaches the limit.
    assert 429 not in answers[:limit] and answers[limit] == 429, answers
    assert login(limit + 1, PASSWORD) == 429  # the other process refuses too, even the right password


# -- the outbox: sent by the workers, each message once -----------------------------------------


def _queue_emails(layout, count: int, subject: str) -> list[int]:
    """``count`` emails to four customers, queued through the API of both web processes in turn."""
    customers = []
    for i, name in enumerate(("Ελένη Οικονόμου", "נועה ברק", "سارا رضایی", "Jonas Petrauskas")):
        status, body = layout.api(i, "POST", "/customers",
                                  json={"name": name, "emails": [f"{subject}-{i}@example.com"]})
        assert status == 201, body
        customers.append(body["id"])
    ids = []
    for i in range(count):
        status, body = layout.api(i, "POST", f"/customers/{customers[i % 4]}/messages",
                                  json={"channel": "email", "subject": f"{subject} {i}", "body": "Καλημέρα — שלום"})
        assert status == 201, body
        ids.append(body["id"])
    return ids


def _messages(layout, ids: list[int]) -> dict:
    """``{subject: (status, attempts, Message-ID as bytes, last_error)}`` of the outbox rows ``ids``."""
    from core.db import db
    from core.messaging.models import OutboxMessage

    with layout.app.app_context():
        rows = db.session.execute(sa.select(
            OutboxMessage.subject, OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.message_id,
            OutboxMessage.last_error).where(OutboxMessage.id.in_(ids))).all()
        db.session.remove()
    return {subject: (status, attempts, message_id.encode(), error) for subject, status, attempts, message_id, error
            in rows}


def test_outbox_messages_queued_on_both_web_processes_are_sent_once_each(layout):
    """Each API call's commit queues a background call on Redis; two workers send every message
    exactly once to a real SMTP server, with no minute-long wait for the sweep."""
    ids = _queue_emails(layout, MESSAGES, "offer")

    def all_sent():
        rows = _messages(layout, ids)
        return rows if all(status == "sent" for status, *_rest in rows.values()) else None

    rows = layout.wait_until(all_sent, what=f"{MESSAGES} emails sent")
    assert len(rows) == MESSAGES and {attempts for _s, attempts, _m, _e in rows.values()} == {1}
    received = layout.smtp.counts()
    assert {message_id: received[message_id] for _s, _a, message_id, _e in rows.values()} \
        == {message_id: 1 for _s, _a, message_id, _e in rows.values()}  # every message once, none twice


def test_a_worker_killed_while_sending_loses_nothing_and_repeats_nothing(layout):
    """SIGKILL to the worker whose SMTP connection is in the middle of a message. As docs/messaging.md
    promises: every message ends `sent` (received once) or `unknown` (received at most once; never
    resent by itself, staff decide) — none stays queued or sending, none arrives twice. The message
    caught mid-send is `unknown`; the surviving worker sends the rest."""
    smtp = layout.smtp
    smtp.hold("crash 3")
    ids = _queue_emails(layout, 12, "crash")
    layout.wait_until(smtp.held.is_set, what="a worker sending the message to be held")
    victim = _owner_of_connection(layout.procs, smtp.held_peer[1])
    assert victim is not None and victim.log_path.name.startswith("worker-"), layout.procs.logs()
    Processes.kill(victim, signal.SIGKILL)
    smtp.release()  # the server accepts the body after all: the message did leave
    ids += _queue_emails(layout, 4, "after")  # queued once the victim is gone: the other worker sends them

    def settled():  # the victim's claim runs out after LEASE s; a later send_due (the sweep) recovers it
        rows = _messages(layout, ids)
        return rows if all(status in ("sent", "unknown") for status, *_rest in rows.values()) else None

    rows = layout.wait_until(settled, timeout=180, what="every message sent or recovered as unknown")
    received = layout.smtp.counts()
    status, _attempts, held_id, error = rows["crash 3"]
    assert status == "unknown" and "worker stopped while sending" in error
    assert received[held_id] == 1
    for subject, (status, _attempts, message_id, _error) in rows.items():
        if status == "sent":
            assert received[message_id] == 1, subject  # sent: arrived exactly once
        else:
            assert received[message_id] <= 1, subject  # unknown: may have arrived, never twice
    assert [rows[f"after {i}"][0] for i in range(4)] == ["sent"] * 4  # the surviving worker kept sending
