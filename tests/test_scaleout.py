"""The production layout, for real: two web processes and two workers on PostgreSQL and Redis.

Shows that work shared by several processes is done exactly once — jobs, event deliveries —
and that the login rate limit is counted in Redis, across web processes.

Needs PostgreSQL (``TEST_DATABASE_URL`` or a PostgreSQL ``DATABASE_URL``, as the rest of the
suite) and Redis (``TEST_REDIS_URL``, else a throw-away ``redis-server`` started here when the
binary is installed). Skipped with the reason otherwise; ``RAPPORT_REQUIRE_SCALEOUT=1`` (CI)
turns a missing prerequisite into a failure.

Extending it (the outbox will): the module-scoped ``layout`` fixture starts everything once;
write another ``test_…(layout)`` that acts through ``layout.web`` (an ``Http`` client per web
process; ``layout.api(i, method, path, json=...)`` calls the API of process ``i`` with an admin
token), waits with ``layout.wait_until(...)`` and reads the database inside
``layout.app.app_context()``. Plugins enabled: sales, service, jobtest (tests/jobtest_plugin.py).
Environment of every process: ``layout.env`` (add settings there before the processes start).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.testing import ADMIN_EMAIL, PASSWORD, _pg_base_url, _test_config
from processes import Http, Processes, free_port, rapport_env, wait_until

PLUGINS = ("jobtest", "sales", "service")
JOBS, ORDERS = 20, 10


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
    env = rapport_env(app, tmp, RAPPORT_REDIS_URL=redis_db, RAPPORT_QUEUE_NAME=f"scaleout-{uuid.uuid4().hex[:8]}",
                      RAPPORT_EXTRA_PLUGINS="jobtest_plugin", RAPPORT_EVENT_DELIVERY="worker",
                      RAPPORT_EVENT_PICKUP_SECONDS=5)
    procs = Processes(tmp)
    ports = [free_port(), free_port()]
    try:
        for i, port in enumerate(ports):
            procs.start(["serve", "--port", str(port), "--threads", "4"], env, f"web-{i + 1}")
        for i in range(2):
            procs.start(["worker", "--workers", "2"], env, f"worker-{i + 1}")
        web = [Http(f"http://127.0.0.1:{port}") for port in ports]
        wait_until(lambda: all(w.up() for w in web), timeout=90, what="both web processes", logs=procs.logs)
        wait_until(lambda: procs.logs().count("on Redis") == 2, timeout=60, what="both workers on Redis",
                   logs=procs.logs)
        yield Layout(app, web, {"Authorization": f"Bearer {token}"}, procs, env)
    finally:
        procs.stop_all()
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
    limit = int(layout.app.config["LOGIN_RATE_LIMIT"].split()[0])

    def login(i: int, password: str) -> int:
        browser = layout.web[i % 2]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', browser.request("GET", "/login")[1])
        return browser.request("POST", "/login", form={"csrf_token": token.group(1), "email": ADMIN_EMAIL,
                                                       "password": password})[0]

    answers = [login(i, "wrong password") for i in range(limit + 1)]
    # Each process saw about half of the attempts: only a count shared through Redis reaches the limit.
    assert 429 not in answers[:limit] and answers[limit] == 429, answers
    assert login(limit + 1, PASSWORD) == 429  # the other process refuses too, even the right password
