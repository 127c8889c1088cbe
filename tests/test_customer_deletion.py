"""Deleting a customer never deletes business records silently; erasing a person (GDPR)
removes their personal data and keeps those records (API, page and CLI)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db

pytestmark = pytest.mark.plugins("sales", "service")
API = "/api/v1/customers"


@pytest.fixture
def world(app):
    """Customer 1: a confirmed order, an opportunity, equipment. 2: a confirmed order.
    3: a company with a draft quotation. Seeded through the services."""
    from tests.test_api_fuzz import seed_everything

    seed_everything(app)


def _count(app, model, **where) -> int:
    with app.app_context():
        stmt = sa.select(sa.func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return db.session.execute(stmt).scalar()


def _plain_customer(app, **data) -> int:
    from core.customers.service import create_customer
    from core.history.service import log_interaction

    with app.app_context():
        customer = create_customer({"name": "Plain", "emails": ["plain@example.com"], **data})
        db.session.flush()
        log_interaction(customer.id, channel="phone", subject="Hello", body="", user_id=1)
        db.session.commit()
        return customer.id


def test_delete_is_refused_with_a_confirmed_order_and_names_it(app, client, token_for, world):
    from plugins.sales.models import Order

    r = client.delete(f"{API}/2", headers=token_for())
    assert r.status_code == 409
    assert "orders and quotations: 1" in r.get_json()["message"]
    assert "nothing was deleted" in r.get_json()["message"]
    assert _count(app, Order, customer_id=2, state="confirmed") == 1
    assert client.get(f"{API}/2", headers=token_for()).status_code == 200
    r = client.delete(f"{API}/1", headers=token_for())
    assert r.status_code == 409
    message = r.get_json()["message"]
    assert "orders and quotations: 1" in message and "opportunities: 1" in message and "equipment: 3" in message


def test_the_database_refuses_too(app, world):
    """sales_order.customer_id no longer cascades: even raw SQL cannot drop a customer's orders."""
    with app.app_context():
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text("DELETE FROM core_customer WHERE id = 2"))
            db.session.flush()
        db.session.rollback()


def test_a_disabled_plugins_records_still_block(app, client, token_for, world):
    from core.plugin_ops import disable_plugin

    with app.app_context():
        disable_plugin("service")
        disable_plugin("sales")
    r = client.delete(f"{API}/2", headers=token_for())
    assert r.status_code == 409 and "orders and quotations: 1" in r.get_json()["message"]


def test_delete_cascades_the_customers_own_details_and_unlinks_people(app, client, token_for, world):
    from core.customers.models import Customer, CustomerEmail
    from core.history.models import Interaction

    company = _plain_customer(app, kind="company", name="Acme")
    person = _plain_customer(app, name="Worker", company_id=company, emails=["w@example.com"])
    h = token_for()
    assert client.delete(f"{API}/{company}", headers=h).status_code == 204
    assert _count(app, Customer, id=company) == 0
    assert _count(app, Interaction, customer_id=company) == 0
    assert _count(app, CustomerEmail, customer_id=company) == 0
    assert client.get(f"{API}/{person}", headers=h).get_json()["company_id"] is None


def test_the_page_says_what_blocks_the_delete(app, client, login, world):
    login()
    r = client.post("/customers/2/delete", follow_redirects=True)
    assert "orders and quotations: 1" in r.text and "erase" in r.text
    assert client.get("/customers/2").status_code == 200


def _customer(app, customer_id):
    from core.customers.models import Customer

    with app.app_context():
        return db.session.get(Customer, customer_id)


def test_erasure_through_the_api_keeps_the_business_records(app, client, token_for, world):
    from plugins.sales.models import Opportunity, Order
    from plugins.service.models import Equipment

    h = token_for()
    with app.app_context():
        opp = db.session.get(Opportunity, 1)
        opp.prospect_email, opp.notes = "eleni@example.com", "Lives next to the bakery"
        db.session.get(Equipment, 1).location = "Ermou 1, Athens"
        db.session.commit()
    client.patch(f"{API}/1", headers=h, json={"emails": ["eleni@example.com"], "phones": ["+302101234567"],
                                               "notes": "Allergic to cats", "birth_date": "1980-05-17",
                                               "tags": ["vip"]})
    assert client.post(f"{API}/1/erasure", headers=h, json={}).status_code == 422
    assert client.post(f"{API}/1/erasure", headers=h, json={"confirm": False}).status_code == 422
    r = client.post(f"{API}/1/erasure", headers=h, json={"confirm": True})
    assert r.status_code == 200
    erased = r.get_json()
    assert erased["name"] == "#1" and erased["emails"] == [] and erased["phones"] == [] and erased["tags"] == []
    assert erased["notes"] == "" and erased["birth_date"] is None and erased["erased_at"].endswith("+00:00")
    timeline = client.get(f"{API}/1/interactions", headers=h).get_json()["items"]
    assert all(i["subject"] == "" and i["body"] == "" for i in timeline if i["kind"] == "interaction")
    assert "core.erased" in [i["kind"] for i in timeline]
    assert _count(app, Order, customer_id=1, state="confirmed") == 1
    with app.app_context():
        opp = db.session.get(Opportunity, 1)
        assert (opp.customer_id, opp.prospect_email, opp.notes) == (1, "", "")  # erase_customer_data (sales)
        eq = db.session.get(Equipment, 1)
        assert (eq.customer_id, eq.location, eq.serial) == (1, "", "SN-1")  # erase_customer_data (service)
    assert client.get(f"{API}?q=eleni", headers=h).get_json()["items"] == []


def test_erasure_from_the_page_and_the_cli(app, client, login, runner, world):
    login()
    page = client.get("/customers/2")
    assert "/customers/2/erase" in page.text and "cannot be undone" in page.text
    r = client.post("/customers/2/erase", follow_redirects=True)
    assert r.status_code == 200 and "Personal data erased" in r.text and "#2" in r.text
    assert "The personal data were erased" in r.text
    result = runner.invoke(args=["customers", "erase", "3"], input="n\n")
    assert result.exit_code != 0 and _customer(app, 3).erased_at is None  # not confirmed: nothing happens
    result = runner.invoke(args=["customers", "erase", "3", "--yes"])
    assert result.exit_code == 0, result.output
    assert _customer(app, 3).name == "#3" and _customer(app, 3).erased_at is not None
    result = runner.invoke(args=["customers", "delete", "3", "--yes"])
    assert result.exit_code != 0 and "orders and quotations: 1" in result.output
    plain = _plain_customer(app)
    result = runner.invoke(args=["customers", "delete", str(plain), "--yes"])
    assert result.exit_code == 0 and _customer(app, plain) is None


def test_customer_relations_are_declared_per_plugin(app):
    from core.contrib import BLOCK
    from core.customers.deletion import declared_relations, references

    with app.app_context():
        declared = declared_relations()
        assert declared[("sales_order", "customer_id")].on_delete == BLOCK
        assert declared[("service_equipment", "customer_id")].on_delete == BLOCK
        found = {(t.name, c.name): r.on_delete for t, c, r in references(db.session.connection())}
        assert found[("sales_order", "customer_id")] == BLOCK
        assert found[("core_customer_email", "customer_id")] == "cascade"
        assert found[("core_customer", "company_id")] == "anonymise"


def test_order_lines_survive_the_foreign_key_migration(app):
    """sales_0008 rebuilds sales_order on SQLite: the lines pointing at it must stay."""
    from core.migrate import downgrade, upgrade
    from plugins.sales.models import OrderLine
    from tests.test_api_fuzz import seed_everything

    seed_everything(app)
    lines = _count(app, OrderLine)
    assert lines == 3
    with app.app_context():
        db.session.remove()
        downgrade("sales@sales_0001")
        upgrade("sales@head")
    assert _count(app, OrderLine) == lines
    with app.app_context():
        fks = sa.inspect(db.engine).get_foreign_keys("sales_order")
        customer_fk = next(fk for fk in fks if fk["referred_table"] == "core_customer")
        assert (customer_fk.get("options") or {}).get("ondelete", "").upper() == "RESTRICT"


def test_erasure_removes_what_messaging_holds_about_the_person(app, run_jobs):
    """The outbox rows, received mail (with its stored files) and the history's messaging
    entries lose addresses, subjects and texts; a message still queued is not sent. Other
    people's mail is untouched."""
    import os
    from email.message import EmailMessage

    from core.customers.deletion import erase_customer
    from core.customers.models import Customer
    from core.history.models import Interaction
    from core.messaging.inbound import receive_email, stored_path
    from core.messaging.models import InboundMail, OutboxMessage
    from core.messaging.outbox import queue_message

    def mail(sender, subject, attachment):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = sender, "support@rapport.test", subject
        msg.set_content("Καλημέρα, το κλιματιστικό κάνει θόρυβο.")
        msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="τιμολόγιο.pdf")
        return msg.as_bytes()

    zoe_id = _plain_customer(app, name="Ζωή Παπαδοπούλου", emails=["zoe@example.gr"])
    other_id = _plain_customer(app, name="Other", emails=["other@example.com"])
    with app.app_context():
        zoe = db.session.get(Customer, zoe_id)
        queued = queue_message(channel="email", customer=zoe, subject="Η προσφορά σας", body="Ζωή, ορίστε.")
        kept = queue_message(channel="email", customer=db.session.get(Customer, other_id), subject="Offer",
                             body="Here")
        db.session.commit()
        queued, kept = queued.id, kept.id
        received = receive_email(mail("Ζωή <zoe@example.gr>", "Θόρυβος", b"%PDF-1.4 Zoe's invoice"))
        other_mail = receive_email(mail("Other <other@example.com>", "Noise", b"%PDF-1.4 shared"))
        also = receive_email(mail("Ζωή <zoe@example.gr>", "Και κάτι ακόμα", b"%PDF-1.4 shared"))
        assert also.customer_id == zoe_id
        db.session.commit()
        files = [stored_path("raw", received.raw_sha256), stored_path("attachments", received.attachments[0].sha256)]
        other_raw = stored_path("raw", other_mail.raw_sha256)
        shared = stored_path("attachments", other_mail.attachments[0].sha256)
        assert all(os.path.exists(f) for f in [*files, other_raw])
        assert db.session.execute(sa.select(sa.func.count()).select_from(Interaction).where(
            Interaction.customer_id == zoe_id, Interaction.kind == "messaging.received")).scalar() == 2

        erase_customer(db.session.get(Customer, zoe_id), user_id=1)
        db.session.commit()
        run_jobs()

        out = db.session.get(OutboxMessage, queued)
        assert (out.status, out.recipient, out.recipient_name, out.subject, out.body_text) == ("failed", "", "", "", "")
        assert db.session.get(OutboxMessage, kept).recipient == "other@example.com"
        got = db.session.get(InboundMail, received.id)
        assert (got.from_address, got.from_name, got.subject, got.text_body, got.raw_stored) == ("", "", "", "", False)
        assert got.attachments[0].filename == "" and not got.attachments[0].stored
        entries = db.session.execute(sa.select(Interaction).where(Interaction.customer_id == zoe_id,
                                                                  Interaction.kind.like("messaging.%"))).scalars().all()
        assert entries and all((e.subject, e.body, e.data) == ("", "", None) for e in entries)
        assert not any(os.path.exists(f) for f in files) and not os.path.exists(stored_path("raw", also.raw_sha256))
        assert os.path.exists(other_raw) and os.path.exists(shared)  # the other person's mail keeps its files
        assert db.session.get(InboundMail, other_mail.id).subject == "Noise"
