"""Writing to a customer from the customer page and the API, and the Outbox page: consent,
permissions and record rules, 422 on bad input, messages shown escaped, retry."""
from __future__ import annotations

import re
import types

import pytest
import sqlalchemy as sa

from core import PluginManifest, hookimpl
from core.contrib import RecordRule
from core.db import db
from core.messaging.models import OutboxMessage


def _customer(app, name="Ζωή Παπαδοπούλου", email="zoe@example.com", phone="+306912345678", **extra):
    from core.customers.service import create_customer

    with app.app_context():
        customer = create_customer({"name": name, "emails": [email] if email else [],
                                    "phones": [phone] if phone else [], **extra})
        db.session.commit()
        return customer.id


def _messages(app):
    with app.app_context():
        return db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_customer_page_offers_writing_and_the_form_queues_an_email(app, client, login):
    customer_id = _customer(app)
    login()
    page = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert f"/messages/customers/{customer_id}/new?channel=email" in page
    form = client.get(f"/messages/customers/{customer_id}/new?channel=email").get_data(as_text=True)
    assert 'value="zoe@example.com"' in form
    preview = client.post(f"/messages/customers/{customer_id}/new?channel=email",
                          data={"channel": "email", "to": "zoe@example.com", "subject": "Γεια",
                                "body": "Καλημέρα", "action": "preview"})
    assert preview.status_code == 200 and "Καλημέρα" in preview.get_data(as_text=True)
    assert _messages(app) == []
    sent = client.post(f"/messages/customers/{customer_id}/new?channel=email",
                       data={"channel": "email", "to": "zoe@example.com", "subject": "Γεια", "body": "Καλημέρα",
                             "action": "send"})
    assert sent.status_code == 302
    [message] = _messages(app)
    assert (message.channel, message.recipient, message.subject, message.status) == (
        "email", "zoe@example.com", "Γεια", "queued")


def test_sms_preview_shows_the_segment_count(app, client, login):
    customer_id = _customer(app)
    login()
    text = "Η επισκευή σας τελείωσε, περάστε να την παραλάβετε από το κατάστημα μας στην Αθήνα."
    page = client.post(f"/messages/customers/{customer_id}/new?channel=sms",
                       data={"channel": "sms", "to": "+306912345678", "body": text, "action": "preview"})
    html = page.get_data(as_text=True)
    assert "This SMS is sent as 2 parts (UCS-2)." in html
    assert f"{len(text)} characters · 2 SMS · UCS-2" in html


def test_withdrawn_consent_is_refused_with_a_clear_message(app, client, login):
    customer_id = _customer(app, consents={"email": False})
    login()
    page = client.get(f"/messages/customers/{customer_id}/new?channel=email").get_data(as_text=True)
    assert "withdrew consent" in page
    response = client.post(f"/messages/customers/{customer_id}/new?channel=email",
                           data={"channel": "email", "to": "zoe@example.com", "subject": "s", "body": "b",
                                 "action": "send"})
    assert response.status_code == 422 and _messages(app) == []


def test_a_recipient_not_on_file_is_refused(app, client, login):
    customer_id = _customer(app)
    login()
    response = client.post(f"/messages/customers/{customer_id}/new?channel=email",
                           data={"channel": "email", "to": "spy@example.com", "subject": "s", "body": "b",
                                 "action": "send"})
    assert response.status_code == 422 and _messages(app) == []


def test_writing_needs_the_permission(app, client, login, make_user):
    customer_id = _customer(app)
    make_user("reader@example.com", permissions=["customers.view"])
    login("reader@example.com")
    assert f"/messages/customers/{customer_id}/new" not in client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert client.get(f"/messages/customers/{customer_id}/new").status_code == 403
    assert client.get("/messages/outbox").status_code == 403


OWN_CUSTOMERS = types.ModuleType("rapport_test_own_customers")
OWN_CUSTOMERS.__file__ = __file__
OWN_CUSTOMERS.manifest = PluginManifest(name="owncustomers", label="Own customers")


def _rules():
    from core.customers.models import Customer

    return [RecordRule(Customer, "owner_id", "customers.all")]


OWN_CUSTOMERS.record_rules = hookimpl(_rules)


@pytest.mark.plugins("owncustomers", extra=[OWN_CUSTOMERS])
def test_record_rules_hide_customers_from_writing_in_the_page_and_the_api(app, client, login, make_user, token_for):
    customer_id = _customer(app)  # nobody owns it
    make_user("sales@example.com", permissions=["customers.view", "messages.send"])
    login("sales@example.com")
    assert client.get(f"/messages/customers/{customer_id}/new").status_code == 404
    headers = token_for("sales@example.com")
    response = client.post(f"/api/v1/customers/{customer_id}/messages", headers=headers,
                           json={"channel": "email", "subject": "s", "body": "b"})
    assert response.status_code == 404 and _messages(app) == []


def test_api_queues_email_and_sms_and_reports_status(app, client, token_for):
    customer_id = _customer(app, preferred_language="he")
    headers = token_for()
    response = client.post(f"/api/v1/customers/{customer_id}/messages", headers=headers,
                           json={"channel": "email", "subject": "שלום", "body": "ההזמנה מוכנה",
                                 "headers": {"List-Unsubscribe": "<mailto:u@rapport.test>"}, "ref": "crm:1"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["recipient"], body["subject"], body["ref"]) == (
        "queued", "zoe@example.com", "שלום", "crm:1")
    sms = client.post(f"/api/v1/customers/{customer_id}/messages", headers=headers,
                      json={"channel": "sms", "body": "שלום " * 20})
    assert sms.status_code == 201 and sms.get_json()["segments"] == 2
    one = client.get(f"/api/v1/messages/{body['id']}", headers=headers)
    assert one.status_code == 200 and one.get_json()["message_id"].startswith("<")
    listed = client.get(f"/api/v1/customers/{customer_id}/messages?limit=1", headers=headers).get_json()
    assert len(listed["items"]) == 1 and listed["next_cursor"]
    rest = client.get(f"/api/v1/customers/{customer_id}/messages?limit=1&cursor={listed['next_cursor']}",
                      headers=headers).get_json()
    assert [m["id"] for m in rest["items"]] == [body["id"]]


@pytest.mark.parametrize("payload, field", [
    ({"channel": "fax", "body": "x"}, "channel"),
    ({"channel": "email", "body": "x"}, "subject"),
    ({"channel": "email", "subject": "s", "body": "b", "to": "other@example.com"}, "to"),
    ({"channel": "email", "subject": "s", "body": "b", "headers": {"Bcc": "spy@example.com"}}, "headers"),
    ({"channel": "email", "template": "nope"}, "template"),
    ({"channel": "email", "subject": "s", "body": "b", "purpose": "marketing"}, "consent"),
    ({"channel": "sms", "body": 5}, "body"),
])
def test_api_bad_input_is_a_422_and_queues_nothing(app, client, token_for, payload, field):
    customer_id = _customer(app)
    response = client.post(f"/api/v1/customers/{customer_id}/messages", headers=token_for(), json=payload)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]
    assert _messages(app) == []


def test_api_needs_the_permissions(app, client, make_user, token_for):
    customer_id = _customer(app)
    make_user("viewer@example.com", permissions=["customers.view"])
    response = client.post(f"/api/v1/customers/{customer_id}/messages", headers=token_for("viewer@example.com"),
                           json={"channel": "email", "subject": "s", "body": "b"})
    assert response.status_code == 403
    make_user("sender@example.com", permissions=["messages.send"])
    response = client.post(f"/api/v1/customers/{customer_id}/messages", headers=token_for("sender@example.com"),
                           json={"channel": "email", "subject": "s", "body": "b"})
    assert response.status_code == 403
    assert client.post("/api/v1/customers/999999/messages", headers=token_for(),
                       json={"channel": "email", "subject": "s", "body": "b"}).status_code == 404
    assert client.get("/api/v1/messages/999999", headers=token_for()).status_code == 404


def test_outbox_page_filters_shows_escaped_and_retries(app, client, login):
    from core.messaging import queue_message

    customer_id = _customer(app)
    with app.app_context():
        from core.customers.models import Customer

        customer = db.session.get(Customer, customer_id)
        ok = queue_message(channel="email", customer=customer, subject="<b>bold</b>", body="<script>x()</script>",
                           html="<p onclick='x()'>hi</p>")
        failed = queue_message(channel="email", customer=customer, subject="Failed one", body="b")
        db.session.commit()
        failed.status, failed.last_error = "failed", "550 no such user"
        db.session.commit()
        ok_id, failed_id = ok.id, failed.id
    login()
    page = client.get("/messages/outbox").get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page
    assert "RAPPORT_SMTP_URL is not set" in page
    only_failed = client.get("/messages/outbox?status=failed").get_data(as_text=True)
    assert "Failed one" in only_failed and "bold" not in only_failed
    detail = client.get(f"/messages/outbox/{ok_id}").get_data(as_text=True)
    assert "&lt;script&gt;x()&lt;/script&gt;" in detail and "<script>x()" not in detail
    assert "&lt;p onclick=" in detail
    assert client.post(f"/messages/outbox/{ok_id}/retry").status_code == 302  # queued: refused, nothing changes
    assert client.post(f"/messages/outbox/{failed_id}/retry").status_code == 302
    with app.app_context():
        assert db.session.get(OutboxMessage, failed_id).status == "queued"
    assert client.get("/messages/outbox?cursor=bogus").status_code == 400
    assert client.get("/messages/outbox/999999").status_code == 404


def test_outbox_page_filters_cancelled_messages_and_offers_no_retry(app, client, login):
    """A withdrawn message (a cancelled campaign's) is listed under its own status, in the
    reader's language, and cannot be sent again from its page."""
    from core.messaging import cancel_messages, queue_message

    customer_id = _customer(app)
    with app.app_context():
        from core.customers.models import Customer

        customer = db.session.get(Customer, customer_id)
        kept = queue_message(channel="email", customer=customer, subject="Still going", body="b")
        withdrawn = queue_message(channel="email", customer=customer, subject="Withdrawn one", body="b")
        db.session.commit()
        assert cancel_messages([withdrawn.id]) == 1
        db.session.commit()
        kept_id, withdrawn_id = kept.id, withdrawn.id
    login()
    only = client.get("/messages/outbox?status=cancelled").get_data(as_text=True)
    assert "Withdrawn one" in only and "Still going" not in only
    assert re.search(r'<option value="cancelled" selected>Cancelled</option>', only)
    queued = client.get("/messages/outbox?status=queued").get_data(as_text=True)
    assert "Still going" in queued and "Withdrawn one" not in queued
    detail = client.get(f"/messages/outbox/{withdrawn_id}").get_data(as_text=True)
    assert "Cancelled" in detail and "Send again" not in detail
    assert client.post(f"/messages/outbox/{withdrawn_id}/retry").status_code == 302
    with app.app_context():
        assert db.session.get(OutboxMessage, withdrawn_id).status == "cancelled"  # refused: never sent
        assert db.session.get(OutboxMessage, kept_id).status == "queued"
    client.post("/language", data={"lang": "he"})
    hebrew = client.get("/messages/outbox?status=cancelled").get_data(as_text=True)
    assert re.search(r'<option value="cancelled" selected>בוטלה</option>', hebrew) and "Withdrawn one" in hebrew
