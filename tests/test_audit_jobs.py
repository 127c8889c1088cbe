"""The audit log for work done outside a request: jobs, and event listeners run by workers.

A job's changes say "background job", the user who started it, the job's kind and id;
a listener's changes name the event and the listener, on behalf of the user whose change
announced the event. Real queue (SqliteHuey) drained in-process, as in tests/test_jobs.py.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import eventtest_plugin
import jobtest_plugin
from core.testing import ADMIN_EMAIL, login_client
from core.testing import audit_entries as entries

JOBTEST = pytest.mark.plugins("jobtest", extra=[jobtest_plugin])
EVENTTEST = pytest.mark.plugins("eventtest", extra=[eventtest_plugin])


@pytest.fixture(autouse=True)
def _reset():
    eventtest_plugin.reset()
    yield
    eventtest_plugin.reset()


def _admin_id(app) -> int:
    from core.auth.models import User
    from core.db import db

    with app.app_context():
        return db.session.execute(sa.select(User.id).where(User.email == ADMIN_EMAIL)).scalar_one()


def _customer(app, name="Ρένα Δημητρίου") -> int:
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        customer = create_customer({"name": name})
        db.session.commit()
        return customer.id


def _history_entries(app, customer_id, kind):
    """Audit entries of the contact-history rows of ``kind`` logged for the customer."""
    from core.db import db
    from core.history.models import Interaction

    with app.app_context():
        ids = {str(i) for i in db.session.execute(sa.select(Interaction.id).where(
            Interaction.customer_id == customer_id, Interaction.kind == kind)).scalars()}
    assert ids, f"no {kind} entry in the history"
    return [e for e in entries(app, record_type="interaction") if e["record_id"] in ids]


@JOBTEST
def test_a_jobs_changes_name_the_job_and_the_user_who_started_it(app, client, run_jobs):
    from core.auth.models import User
    from core.db import db
    from core.jobs import start_job

    customer_id = _customer(app)
    with app.app_context():
        admin = db.session.execute(sa.select(User).where(User.email == ADMIN_EMAIL)).scalar_one()
        job_id = start_job("jobtest.count", {"n": 2, "note": str(customer_id)}, user=admin).id
        db.session.commit()
    assert run_jobs() == 1

    (entry,) = _history_entries(app, customer_id, "jobtest.counted")
    assert entry["action"] == "create"
    assert (entry["origin"], entry["user_id"], entry["actor"]) == ("job", _admin_id(app), "jobtest.count")
    assert entry["detail"] == {"job_id": job_id}
    assert entry["remote_addr"] is None

    # The admin page says so: the job's number and what ran it, beside the user's name.
    login_client(client)
    page = client.get("/admin/audit", query_string={"type": "interaction", "record": entry["record_id"]})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "background job" in text and f"#{job_id}" in text and "jobtest.count" in text


@JOBTEST
def test_a_job_nobody_started_is_recorded_without_a_user(app, run_jobs):
    from core.db import db
    from core.jobs import start_job

    customer_id = _customer(app)
    with app.app_context():
        job_id = start_job("jobtest.count", {"n": 1, "note": str(customer_id)}).id
        db.session.commit()
    run_jobs()
    (entry,) = _history_entries(app, customer_id, "jobtest.counted")
    assert (entry["origin"], entry["user_id"], entry["actor"]) == ("job", None, "jobtest.count")
    assert entry["detail"] == {"job_id": job_id}


@EVENTTEST
def test_a_listener_run_by_a_worker_acts_for_the_user_whose_change_announced_the_event(app, client, run_jobs):
    app.config["EVENTS_DELIVERY"] = "worker"
    login_client(client)
    assert client.post("/customers/new", data={"kind": "person", "name": "Ηλίας Μαυρίδης"}).status_code == 302
    with app.app_context():
        from core.customers.models import Customer
        from core.db import db

        customer_id = db.session.execute(sa.select(Customer.id).where(Customer.name == "Ηλίας Μαυρίδης")).scalar_one()
    assert eventtest_plugin.calls == []  # left to the workers
    assert run_jobs() == 1

    (created,) = entries(app, record_type="customer", record_id=str(customer_id))
    assert created["origin"] == "web"  # the customer itself: from the form
    (entry,) = _history_entries(app, customer_id, "eventtest.seen")
    event_id = eventtest_plugin.calls[0][0]
    assert (entry["origin"], entry["user_id"], entry["actor"]) == (
        "job", _admin_id(app), "eventtest: customer_created")
    assert entry["detail"] == {"event": "customer_created", "event_id": event_id, "listener": "eventtest"}


@EVENTTEST
def test_a_listener_delivered_right_after_the_request_is_recorded_as_that_request(app, client):
    client.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    login_client(client)
    client.post("/customers/new", data={"kind": "person", "name": "Άννα Λεβί"})
    (event_id, _name), = eventtest_plugin.calls
    with app.app_context():
        from core.customers.models import Customer
        from core.db import db

        customer_id = db.session.execute(sa.select(Customer.id).where(Customer.name == "Άννα Λεβί")).scalar_one()
    (entry,) = _history_entries(app, customer_id, "eventtest.seen")
    assert (entry["origin"], entry["user_id"], entry["remote_addr"]) == ("web", _admin_id(app), "192.0.2.44")
    assert entry["actor"] == "eventtest: customer_created"
    assert entry["detail"]["event_id"] == event_id


@EVENTTEST
def test_a_catch_up_job_delivers_with_the_job_and_the_event_named(app, run_jobs):
    """Events missed while a plugin was disabled, delivered by the catch-up job on re-enabling."""
    from core.db import db
    from core.jobs.models import Job
    from core.plugin_ops import disable_plugin, enable_plugin

    with app.app_context():
        disable_plugin("eventtest")
    customer_id = _customer(app, "Μάρκος Κάππος")
    with app.app_context():
        enable_plugin("eventtest")
    assert run_jobs() == 1
    with app.app_context():
        job_id = db.session.execute(sa.select(Job.id).where(Job.kind == "core.catch_up_events")).scalar_one()
    (entry,) = _history_entries(app, customer_id, "eventtest.seen")
    assert entry["origin"] == "job" and entry["actor"] == "eventtest: customer_created"
    assert entry["detail"]["job_id"] == job_id and entry["detail"]["event"] == "customer_created"


@EVENTTEST
def test_a_listener_run_inline_by_a_cli_command_is_recorded_as_the_command(app):
    from core.audit import CLI, audit_context

    with app.app_context(), audit_context(CLI, actor="maria"):
        customer_id = _customer(app, "Ιωάννα Πέτρου")
    (entry,) = _history_entries(app, customer_id, "eventtest.seen")
    assert (entry["origin"], entry["user_id"], entry["actor"]) == ("cli", None, "eventtest: customer_created")
    assert entry["detail"]["event"] == "customer_created"
