"""Core events: delivered after commit, never on rollback; listeners are isolated."""
from __future__ import annotations

import logging
import types

import pytest
import sqlalchemy as sa

from core import PluginManifest, hookimpl
from core.testing import login_client

RECEIVED: list = []


def _module(name, **hooks):
    mod = types.ModuleType(f"rapport_test_{name}")
    mod.__file__ = __file__
    mod.manifest = PluginManifest(name=name, label=name.title())
    for hook, fn in hooks.items():
        setattr(mod, hook, hookimpl(fn))
    return mod


# pluggy calls hooks by argument name, so each listener spells out its arguments.
RECORDER = _module(
    "recorder",
    customer_created=lambda customer: RECEIVED.append(("customer_created", customer)),
    customer_updated=lambda customer, changes: RECEIVED.append(("customer_updated", customer, changes)),
    customers_merged=lambda winner_id, loser_id: RECEIVED.append(("customers_merged", winner_id, loser_id)),
    interaction_logged=lambda interaction: RECEIVED.append(("interaction_logged", interaction)),
    plugin_enabled=lambda name: RECEIVED.append(("plugin_enabled", name)),
    plugin_disabled=lambda name: RECEIVED.append(("plugin_disabled", name)),
)


def _explode(customer):
    raise RuntimeError("listener exploded")


def _late_writer(customer):
    """A listener that writes to the database (its own work is committed)."""
    from core.history.service import log_event

    log_event(customer["id"], "aaa.seen", source="aaa", subject="seen by a listener")


# "aaa" sorts before "recorder": the failing listener runs first and must not stop it.
EXPLODER = _module("aaa", customer_created=_explode)
WRITER = _module("writer", customer_created=_late_writer)


@pytest.fixture(autouse=True)
def _clear(request):
    if "app" in request.fixturenames:
        request.getfixturevalue("app")  # building it enables plugins: not what the tests observe
    RECEIVED.clear()
    yield
    RECEIVED.clear()


def _names():
    return [e[0] for e in RECEIVED]


@pytest.mark.plugins("recorder", extra=[RECORDER])
def test_events_fire_after_commit_with_plain_payloads(app):
    from core.customers.models import Customer
    from core.customers.service import create_customer, merge_customers, update_customer
    from core.db import db
    from core.history.service import log_interaction

    with app.app_context():
        customer = create_customer({"name": "Σωκράτης Παπαδόπουλος", "emails": ["soc@example.com"]})
        assert _names() == []  # not before the commit
        db.session.commit()
        assert _names() == ["customer_created"]
        payload = RECEIVED[0][1]
        assert payload["name"] == "Σωκράτης Παπαδόπουλος" and payload["emails"] == ["soc@example.com"]
        assert payload["id"] == customer.id and isinstance(payload, dict)

        update_customer(customer, {"name": "Sokratis Papadopoulos", "emails": ["soc@example.com"]})
        assert _names() == ["customer_created"]
        db.session.commit()
        event = RECEIVED[-1]
        assert event[0] == "customer_updated" and event[2]["name"] == ["Σωκράτης Παπαδόπουλος", "Sokratis Papadopoulos"]

        log_interaction(customer.id, channel="phone", direction="inbound", subject="Called about a quote")
        db.session.commit()
        event = RECEIVED[-1]
        assert event[0] == "interaction_logged"
        assert event[1]["customer_id"] == customer.id and event[1]["channel"] == "phone"

        other = create_customer({"name": "Sokratis P."})
        db.session.commit()
        winner_id, loser_id = customer.id, other.id
        merge_customers(db.session.get(Customer, winner_id), db.session.get(Customer, loser_id))
        db.session.commit()
        assert ("customers_merged", winner_id, loser_id) in RECEIVED


@pytest.mark.plugins("recorder", extra=[RECORDER])
def test_rollback_drops_pending_events(app):
    from core.customers.service import create_customer
    from core.db import db
    from core.models import PluginState

    with app.app_context():
        create_customer({"name": "Never Saved"})
        db.session.rollback()
        db.session.commit()  # a later, unrelated commit must not deliver the dropped event
        assert _names() == []
        # A commit that fails (integrity error) delivers nothing either.
        create_customer({"name": "Doomed"})
        db.session.add(PluginState(name="core", enabled=True))  # duplicate primary key
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.commit()
        assert _names() == []
        from core.customers.models import Customer

        assert db.session.execute(sa.select(Customer.id)).first() is None


@pytest.mark.plugins("recorder", extra=[RECORDER])
def test_plugin_enabled_and_disabled_events(app):
    """A plugin hears its own enabling (after its migrations) and its own disabling."""
    from core.plugin_ops import disable_plugin, enable_plugin

    client = login_client(app.test_client())
    with app.app_context():
        disable_plugin("recorder")
    assert RECEIVED == [("plugin_disabled", "recorder")]
    with app.app_context():
        enable_plugin("recorder")
    assert RECEIVED[-1] == ("plugin_enabled", "recorder")
    client.post("/admin/plugins/recorder/disable")
    assert RECEIVED[-1] == ("plugin_disabled", "recorder")
    client.post("/admin/plugins/recorder/enable")
    assert RECEIVED[-1] == ("plugin_enabled", "recorder")


@pytest.mark.plugins("recorder", extra=[RECORDER, _module("bystander")])
def test_plugin_events_reach_other_plugins(app):
    client = login_client(app.test_client())
    client.post("/admin/plugins/bystander/enable")
    client.post("/admin/plugins/bystander/disable")
    assert RECEIVED == [("plugin_enabled", "bystander"), ("plugin_disabled", "bystander")]


@pytest.mark.plugins("aaa", "recorder", "writer", extra=[EXPLODER, RECORDER, WRITER])
def test_failing_listener_is_logged_and_isolated(app, caplog):
    caplog.set_level(logging.ERROR, logger="core.plugins")
    client = login_client(app.test_client())
    r = client.post("/customers/new", data={"kind": "person", "name": "Zoë Listener"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]  # the request did not fail
    assert "customer_created" in _names()  # the other listener ran
    failures = [rec for rec in caplog.records if "listener aaa.customer_created failed" in rec.getMessage()]
    assert failures and "listener exploded" in str(failures[0].exc_info[1])
    from core.customers.models import Customer
    from core.db import db
    from core.history.models import Interaction

    with app.app_context():
        customer_id = db.session.execute(sa.select(Customer.id).where(Customer.name == "Zoë Listener")).scalar_one()
        kinds = db.session.execute(sa.select(Interaction.kind).where(Interaction.customer_id == customer_id)).scalars()
        assert "aaa.seen" in list(kinds)  # the writing listener's work was committed
    # Its own interaction_logged event was delivered too.
    assert any(e[0] == "interaction_logged" and e[1]["kind"] == "aaa.seen" for e in RECEIVED)
    assert client.get(f"/customers/{customer_id}").status_code == 200


@pytest.mark.plugins("aaa", "recorder", extra=[EXPLODER, RECORDER])
def test_failing_listener_does_not_break_the_api(app, token_for):
    r = app.test_client().post("/api/v1/customers", json={"name": "Api Listener"}, headers=token_for())
    assert r.status_code == 201, r.get_data(as_text=True)
    assert "customer_created" in _names()


def test_disabled_plugins_do_not_hear_events(make_app):
    from core.customers.service import create_customer
    from core.db import db

    app = make_app(extra=[RECORDER])
    with app.app_context():
        create_customer({"name": "Nobody Listens"})
        db.session.commit()
    assert RECEIVED == []
