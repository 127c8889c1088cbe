"""Durable events: written with the change, delivered after commit, retried until each listener
succeeds, and each listener's work committed exactly once (issue 7; issue 16 finding 11)."""
from __future__ import annotations

import re
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

import eventtest_plugin
from core.testing import login_client
from processes import Processes, rapport_env, wait_until

EVENTTEST = pytest.mark.plugins("eventtest", extra=[eventtest_plugin])
SALES_SERVICE = pytest.mark.plugins("sales", "service")


@pytest.fixture(autouse=True)
def _reset():
    eventtest_plugin.reset()
    yield
    eventtest_plugin.reset()


def _new_customer(app, name="Σοφία Νικολάου"):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        customer = create_customer({"name": name})
        db.session.commit()
        return customer.id


def _deliveries(app, plugin="eventtest"):
    from core.db import db
    from core.events.models import Event, EventDelivery

    with app.app_context():
        rows = db.session.execute(
            sa.select(EventDelivery.id, Event.name, EventDelivery.status, EventDelivery.attempts,
                      EventDelivery.next_attempt_at, EventDelivery.last_error)
            .join(Event).where(EventDelivery.plugin == plugin).order_by(EventDelivery.id)).all()
        return [tuple(r) for r in rows]


def _seen(app, customer_id):
    """How many times the eventtest listener's work was committed for this customer."""
    from core.db import db
    from core.history.models import Interaction

    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).where(
            Interaction.customer_id == customer_id, Interaction.kind == "eventtest.seen")).scalar()


@EVENTTEST
def test_announce_writes_the_event_and_its_deliveries_in_the_same_transaction(app):
    from core.customers.service import create_customer
    from core.db import db
    from core.events.models import Event

    with app.app_context():
        create_customer({"name": "Rolled Back"})
        db.session.rollback()
        stored = sa.select(Event.id).where(Event.name == "customer_created")
        assert db.session.execute(stored).first() is None  # nothing announced, nothing stored
    customer_id = _new_customer(app)
    with app.app_context():
        event = db.session.execute(sa.select(Event).where(Event.name == "customer_created")).scalar_one()
        assert event.payload["customer"]["id"] == customer_id and event.payload["customer"]["name"] == "Σοφία Νικολάου"
        assert {d.plugin: d.status for d in event.deliveries} == {"eventtest": "done"}
        assert eventtest_plugin.calls == [(event.id, "Σοφία Νικολάου")]  # the listener got the event id
    assert _seen(app, customer_id) == 1


@EVENTTEST
def test_events_nobody_hears_or_catches_up_on_are_not_stored(app):
    """interaction_logged has no listener here and no plugin catches up on it; customer_created
    is stored even while its only listener is disabled, because that plugin will catch up."""
    from core.db import db
    from core.events.models import Event
    from core.history.service import log_interaction
    from core.plugin_ops import disable_plugin

    customer_id = _new_customer(app)
    with app.app_context():
        log_interaction(customer_id, channel="phone", direction="inbound", subject="Called")
        db.session.commit()
        disable_plugin("eventtest")
    _new_customer(app, "While disabled")
    with app.app_context():
        names = db.session.execute(sa.select(Event.name).order_by(Event.id)).scalars().all()
    assert "interaction_logged" not in names
    assert names.count("customer_created") == 2


@EVENTTEST
def test_payloads_must_be_plain_json(app):
    from core.db import announce
    from core.events.log import EventPayloadError

    with app.app_context():
        with pytest.raises(EventPayloadError, match="customer_created.*plain JSON"):
            announce("customer_created", customer={"id": 1, "born": date(1980, 1, 1)})
        with pytest.raises(EventPayloadError, match="event_id"):
            announce("customer_created", customer={"id": 1}, event_id=5)


@EVENTTEST
def test_a_failing_listener_is_retried_until_it_succeeds_and_its_work_is_committed_once(app, run_jobs):
    eventtest_plugin.behaviour["fail"] = True
    customer_id = _new_customer(app)  # the caller does not notice the failure
    [(_id, name, status, attempts, next_at, error)] = _deliveries(app)
    assert (name, status, attempts) == ("customer_created", "failed", 1)
    assert "eventtest listener is down" in error
    assert _seen(app, customer_id) == 0  # the failed attempt's work was rolled back

    assert run_jobs() == 0  # the retry waits (10 s after the first failure)
    assert run_jobs(later=15) == 1  # ... fails again: the next retry waits 20 s
    assert _deliveries(app)[0][2:4] == ("failed", 2)
    eventtest_plugin.behaviour["fail"] = False  # the cause is fixed
    assert run_jobs(later=60) == 1
    assert _deliveries(app)[0][2:4] == ("done", 3)
    assert len(eventtest_plugin.calls) == 3 and _seen(app, customer_id) == 1
    assert run_jobs(later=3600) == 0


@EVENTTEST
def test_deliveries_left_by_a_process_that_died_after_commit_are_picked_up_once(app, monkeypatch):
    """In-process stand-in for a crash between commit and delivery (the real one is below)."""
    from core.db import utcnow
    from core.events import delivery

    monkeypatch.setattr(delivery, "deliver_committed", lambda events: None)  # "died" right after commit
    customer_id = _new_customer(app)
    monkeypatch.undo()
    [(_id, _name, status, attempts, next_at, _error)] = _deliveries(app)
    assert (status, attempts) == ("pending", 0) and _seen(app, customer_id) == 0
    with app.app_context():
        assert delivery.deliver_due() == 0  # not before the pick-up delay: the web process may still be at it
        later = utcnow() + timedelta(seconds=app.config["EVENTS_PICKUP_SECONDS"] + 1)
        assert delivery.deliver_due(now=later) == 1
        assert delivery.deliver_due(now=later) == 0
    assert _deliveries(app)[0][2:4] == ("done", 1) and _seen(app, customer_id) == 1


@EVENTTEST
def test_two_workers_on_the_same_delivery_run_the_listener_once(app, run_jobs):
    """A slow listener, two workers handed the same delivery at the same moment."""
    from core.events.delivery import deliver_ids

    app.config["EVENTS_DELIVERY"] = "worker"  # leave the delivery to workers
    eventtest_plugin.behaviour["sleep"] = 0.5
    customer_id = _new_customer(app)
    [(delivery_id, *_rest)] = _deliveries(app)
    results = []

    def worker():
        with app.app_context():
            results.append(deliver_ids([delivery_id]))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [0, 1]
    assert len(eventtest_plugin.calls) == 1 and _seen(app, customer_id) == 1
    assert _deliveries(app)[0][2:4] == ("done", 1)
    assert run_jobs() == 1  # the queue message of the commit: finds it done, does nothing
    assert len(eventtest_plugin.calls) == 1


@EVENTTEST
def test_delivery_can_be_left_to_the_workers(app, run_jobs):
    app.config["EVENTS_DELIVERY"] = "worker"
    customer_id = _new_customer(app)
    assert _deliveries(app)[0][2] == "pending" and eventtest_plugin.calls == []
    assert run_jobs() == 1
    assert _deliveries(app)[0][2] == "done" and _seen(app, customer_id) == 1


@EVENTTEST
def test_a_re_enabled_plugin_catches_up_on_what_it_missed_in_order(app, run_jobs):
    from core.db import db
    from core.jobs.models import Job
    from core.plugin_ops import disable_plugin, enable_plugin

    with app.app_context():
        disable_plugin("eventtest")
    missed = [_new_customer(app, name) for name in ("Ona", "Ρένα", "נועה")]
    assert eventtest_plugin.calls == []
    with app.app_context():
        enable_plugin("eventtest")
        job = db.session.execute(sa.select(Job).where(Job.kind == "core.catch_up_events")).scalar_one()
        assert (job.status, job.total, job.params) == ("queued", 3, {"plugin": "eventtest"})
    assert run_jobs() == 1
    assert [name for _id, name in eventtest_plugin.calls] == ["Ona", "Ρένα", "נועה"]
    assert all(_seen(app, c) == 1 for c in missed)
    with app.app_context():
        job = db.session.get(Job, job.id)
        assert (job.status, job.done, job.result) == ("done", 3, "3 missed events delivered.")
        # Disabled and enabled again with nothing missed: no job.
        disable_plugin("eventtest")
        enable_plugin("eventtest")
        assert db.session.execute(sa.select(sa.func.count()).where(Job.kind == "core.catch_up_events")).scalar() == 1


def _quiet_plugin():
    """A listener whose manifest does not ask to catch up."""
    import types

    from core import PluginManifest, hookimpl

    mod = types.ModuleType("quiet_listener")
    mod.__file__ = __file__
    mod.manifest = PluginManifest(name="quiet", label="Quiet")
    mod.heard = []
    mod.customer_created = hookimpl(lambda customer: mod.heard.append(customer["name"]))
    return mod


QUIET = _quiet_plugin()


@pytest.mark.plugins("quiet", extra=[QUIET])
def test_plugins_without_catch_up_events_miss_what_happened_while_disabled(app, run_jobs):
    from core.db import db
    from core.jobs.models import Job
    from core.plugin_ops import disable_plugin, enable_plugin

    QUIET.heard.clear()
    with app.app_context():
        disable_plugin("quiet")
    _new_customer(app, "Unheard")
    with app.app_context():
        enable_plugin("quiet")
        assert db.session.execute(sa.select(Job.id)).first() is None
    _new_customer(app, "Heard")
    assert QUIET.heard == ["Heard"]


@EVENTTEST
def test_admin_page_lists_failing_deliveries_and_retries_them(app, make_user):
    eventtest_plugin.behaviour["fail"] = True
    customer_id = _new_customer(app)
    make_user("clerk@example.com", permissions=["customers.view"])
    clerk = login_client(app.test_client(), "clerk@example.com")
    assert clerk.get("/admin/events/").status_code == 403
    assert clerk.post("/admin/events/retry").status_code == 403

    admin = login_client(app.test_client())
    page = admin.get("/admin/events/").get_data(as_text=True)
    assert "customer_created" in page and "eventtest listener is down" in page and "Retry now" in page
    [(delivery_id, *_rest)] = _deliveries(app)
    page = admin.post(f"/admin/events/{delivery_id}/retry", follow_redirects=True).get_data(as_text=True)
    assert "failed again in eventtest" in page
    eventtest_plugin.behaviour["fail"] = False
    page = admin.post(f"/admin/events/{delivery_id}/retry", follow_redirects=True).get_data(as_text=True)
    assert "Delivered “customer_created” to eventtest." in page
    assert "No failing deliveries" in page and _seen(app, customer_id) == 1
    assert admin.post("/admin/events/999999/retry").status_code == 404


@EVENTTEST
def test_retry_all_hands_failed_deliveries_to_the_workers(app, run_jobs):
    eventtest_plugin.behaviour["fail"] = True
    customers = [_new_customer(app, n) for n in ("A", "B")]
    eventtest_plugin.behaviour["fail"] = False
    admin = login_client(app.test_client())
    page = admin.post("/admin/events/retry", follow_redirects=True).get_data(as_text=True)
    assert "2 deliveries handed to the workers." in page
    run_jobs()
    assert all(_seen(app, c) == 1 for c in customers)
    assert [d[2] for d in _deliveries(app)] == ["done", "done"]


@EVENTTEST
def test_old_delivered_events_are_purged_undelivered_ones_kept(app):
    from core.db import db, utcnow
    from core.events.models import Event
    from core.events.tasks import purge_events

    eventtest_plugin.behaviour["fail"] = True
    _new_customer(app, "Kept")  # its delivery keeps failing
    eventtest_plugin.behaviour["fail"] = False
    _new_customer(app, "Forgotten")
    with app.app_context():
        db.session.execute(sa.update(Event).values(created_at=utcnow() - timedelta(days=60)))
        db.session.commit()
        purge_events()
        left = db.session.execute(sa.select(Event.name, Event.payload)).all()
        assert [p["customer"]["name"] for name, p in left if name == "customer_created"] == ["Kept"]
        assert len(left) == 1


# -- sales and service: finding 11 of issue 16 ---------------------------------------------------


def _sales_data(app, orders=1):
    """A customer, a product with a 24-month warranty, and ``orders`` quotations of 2 units each."""
    from core.auth.models import User
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.db import db
    from plugins.sales.orders import create_quotation

    with app.app_context():
        product = Product(sku="AC-9", name="Air conditioner", name_key="air conditioner", unit_price=Decimal("899"),
                          warranty_months=24)
        db.session.add(product)
        customer = create_customer({"name": "Γιώργος Αντωνίου"})
        db.session.flush()
        admin = db.session.execute(sa.select(User.id).where(User.email == "admin@example.com")).scalar_one()
        ids = [create_quotation({"customer_id": customer.id, "lines": [{"product_id": product.id, "quantity": "2"}]},
                                owner_id=admin).id for _ in range(orders)]
        db.session.commit()
        return ids


def _order_action(app, order_id, action):
    from core.db import db
    from plugins.sales import orders
    from plugins.sales.models import Order

    with app.app_context():
        getattr(orders, action)(db.session.get(Order, order_id))
        db.session.commit()


def _units(app, order_id):
    from core.db import db
    from plugins.service.models import Equipment

    with app.app_context():
        return sorted(db.session.execute(sa.select(Equipment.status).where(Equipment.order_id == order_id)).scalars())


@SALES_SERVICE
def test_a_cancellation_overtaking_a_failed_confirmation_registers_nothing(app, run_jobs, monkeypatch):
    """The confirmation's delivery fails, the cancellation is delivered, then the confirmation is retried."""
    from plugins.service import sales_events

    [order_id] = _sales_data(app)
    real = sales_events.order_confirmed

    def down(order, event_id):
        raise RuntimeError("service database busy")

    monkeypatch.setattr(sales_events, "order_confirmed", down)
    _order_action(app, order_id, "confirm")
    assert _units(app, order_id) == []
    monkeypatch.setattr(sales_events, "order_confirmed", real)
    _order_action(app, order_id, "cancel")
    run_jobs(later=60)  # the confirmation again, now after the cancellation
    assert _units(app, order_id) == []
    assert [d[1:3] for d in _deliveries(app, "service")] == [("sales_order_confirmed", "done"),
                                                             ("sales_order_cancelled", "done")]


@SALES_SERVICE
def test_service_catches_up_on_orders_confirmed_and_cancelled_while_disabled(app, run_jobs):
    from core.plugin_ops import disable_plugin, enable_plugin

    kept, cancelled = _sales_data(app, orders=2)
    with app.app_context():
        disable_plugin("service")
    _order_action(app, kept, "confirm")
    _order_action(app, cancelled, "confirm")
    _order_action(app, cancelled, "cancel")
    with app.app_context():
        enable_plugin("service")
    assert _units(app, kept) == [] and run_jobs() == 1
    assert _units(app, kept) == ["in_service", "in_service"]
    assert _units(app, cancelled) == ["retired", "retired"]  # registered, then retired, in order
    run_jobs(later=7200)
    assert _units(app, kept) == ["in_service", "in_service"]


CRASH_AFTER_COMMIT = """
import os, signal, sys
import core.events.delivery as delivery
from core.app import create_app

def die(events):  # the process is killed right after the commit, before any listener ran
    os.kill(os.getpid(), signal.SIGKILL)

delivery.deliver_committed = die
app = create_app()
with app.app_context():
    from core.db import db
    from plugins.sales.models import Order
    from plugins.sales.orders import confirm

    confirm(db.session.get(Order, int(sys.argv[1])))
    db.session.commit()
print("not reached")
"""


@SALES_SERVICE
def test_finding_11_a_crash_between_confirmation_and_the_service_listener(app, tmp_path):
    """Issue 16, finding 11: a process killed (SIGKILL) between an order's confirmation and the
    service listener. After a worker runs, the confirmed order has its equipment, exactly once."""
    import subprocess
    import sys

    from core.db import db
    from plugins.sales.models import Order

    [order_id] = _sales_data(app)
    env = rapport_env(app, tmp_path, RAPPORT_EVENT_PICKUP_SECONDS=0)
    script = tmp_path / "confirm_and_crash.py"
    script.write_text(CRASH_AFTER_COMMIT)
    crashed = subprocess.run([sys.executable, str(script), str(order_id)], env=env, capture_output=True, text=True,
                             timeout=120)
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    with app.app_context():
        assert db.session.get(Order, order_id).state == "confirmed"  # the confirmation was committed
    assert _units(app, order_id) == []  # ... and the listener never ran: today's finding 11
    assert [d[1:4] for d in _deliveries(app, "service")] == [("sales_order_confirmed", "pending", 0)]

    procs = Processes(tmp_path)
    try:
        procs.start(["worker", "--workers", "2"], env, "worker-a")
        procs.start(["worker", "--workers", "2"], env, "worker-b")  # two workers race for it
        wait_until(lambda: _units(app, order_id) == ["in_service", "in_service"]
                   and _deliveries(app, "service")[0][2] == "done", timeout=90,
                   what="the order's equipment", logs=procs.logs)
        late = procs.start(["worker"], env, "worker-c")  # a later worker's sweep finds nothing left to do
        wait_until(lambda: re.search(r"core\.jobs\.queue\.sweep: \S+ executed", late.log_path.read_text()),
                   timeout=60, what="the third worker's sweep", logs=procs.logs)
    finally:
        procs.stop_all()
    assert _units(app, order_id) == ["in_service", "in_service"]
    assert _deliveries(app, "service")[0][2:4] == ("done", 1)
