"""The audit log and messaging: who changed a template is recorded; what people wrote is not.

Templates and their texts are audited like any record. Outbox messages and received mail
are not (their bodies are private correspondence): the audit notes that a failed message
was sent again or that unmatched mail was assigned, and the contact-history entries of
emails and SMS are recorded without their subject or body.
"""
from __future__ import annotations

import json
import re
from email.message import EmailMessage

import sqlalchemy as sa

from core.db import db
from core.testing import ADMIN_EMAIL
from core.testing import audit_entries as entries

SECRET_WORDS = "Η διάγνωση της κυρίας είναι μυστική"  # a body nobody may read in the audit
SMS_WORDS = "Ο κωδικός σας είναι 4711"


def _admin_id(app) -> int:
    from core.auth.models import User

    with app.app_context():
        return db.session.execute(sa.select(User.id).where(User.email == ADMIN_EMAIL)).scalar_one()


def _customer(app, name="Ζωή Παπαδοπούλου", email="zoe@example.com", phone="+306912345678") -> int:
    from core.customers.service import create_customer

    with app.app_context():
        customer = create_customer({"name": name, "emails": [email], "phones": [phone],
                                    "consents": {"email": True, "sms": True}})
        db.session.commit()
        return customer.id


def _everything(app) -> str:
    """Every entry's contents, times without their microseconds (they may read "…4711" by chance)."""
    return re.sub(r"(\d{2}:\d{2}:\d{2})\.\d{1,6}", r"\1", json.dumps(entries(app), default=str, ensure_ascii=False))


def test_who_changed_a_template_and_which_words(app, client, login):
    from core.messaging import ensure_template
    from core.messaging.models import MessageTemplate

    with app.app_context():
        ensure_template("service.repair_done", name="Repair done", source="service",
                        texts={"en": {"subject": "Done", "body": "Dear {{ customer.first_name }}, it is ready."}})
        db.session.commit()
        template_id = db.session.execute(sa.select(MessageTemplate.id)).scalar_one()
    login()
    form = {"key": "service.repair_done", "name": "Repair finished", "channel": "email", "description": "",
            "sample_variables": "", "subject_en": "Done",
            "body_en": "Dear {{ customer.first_name }}, it is ready for pick-up.",
            "subject_he": "התיקון הסתיים", "body_he": "שלום {{ customer.first_name }}"}
    assert client.post(f"/messages/templates/{template_id}", data=form).status_code == 302

    renamed = entries(app, record_type="message_template", record_id=str(template_id))[-1]
    assert renamed["action"] == "update" and renamed["origin"] == "web" and renamed["user_id"] == _admin_id(app)
    assert renamed["changes"]["name"] == ["Repair done", "Repair finished"]
    english = entries(app, record_type="message_template_text", record_id=f"{template_id}:en")[-1]
    assert english["action"] == "update" and english["user_id"] == _admin_id(app)
    assert english["changes"]["body"] == ["Dear {{ customer.first_name }}, it is ready.",
                                          "Dear {{ customer.first_name }}, it is ready for pick-up."]
    hebrew = entries(app, record_type="message_template_text", record_id=f"{template_id}:he")[-1]
    assert hebrew["action"] == "create" and hebrew["changes"]["subject"] == [None, "התיקון הסתיים"]

    page = client.get("/admin/audit", query_string={"type": "message_template_text"}).get_data(as_text=True)
    assert "Template text" in page and "it is ready for pick-up." in page

    assert client.post(f"/messages/templates/{template_id}/delete").status_code == 302
    deleted = entries(app, record_type="message_template", record_id=str(template_id))[-1]
    assert deleted["action"] == "delete" and deleted["changes"]["key"] == ["service.repair_done", None]


def test_sent_email_and_sms_leave_their_words_out_of_the_audit(app, smtp_sink, tmp_path):
    from core.customers.models import Customer
    from core.history.models import Interaction
    from core.messaging import queue_message, send_due

    app.config.update(SMTP_URL=smtp_sink.url, MAIL_FROM="Rapport <service@rapport.test>",
                      SMS_GATEWAY="file", SMS_FILE=str(tmp_path / "sms.jsonl"), OUTBOX_RATE={"email": 0, "sms": 0})
    customer_id = _customer(app)
    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        queue_message(channel="email", customer=customer, subject="Αποτελέσματα εξετάσεων", body=SECRET_WORDS)
        queue_message(channel="sms", customer=customer, body=SMS_WORDS)
        db.session.commit()
        assert send_due("email").sent == 1 and send_due("sms").sent == 1
        history = {i.channel: str(i.id) for i in db.session.execute(
            sa.select(Interaction).where(Interaction.kind == "messaging.sent")).scalars()}
    assert set(history) == {"email", "sms"}

    for channel, record_id in history.items():
        (entry,) = entries(app, record_type="interaction", record_id=record_id)
        assert entry["action"] == "create" and entry["customer_id"] == customer_id
        assert entry["changes"]["body"] is None and entry["changes"]["subject"] is None  # changed, not recorded
        assert entry["changes"]["channel"] == [None, channel]  # the rest is there
        assert entry["record_label"] is None
    text = _everything(app)
    assert SECRET_WORDS not in text and "Αποτελέσματα" not in text and "4711" not in text


def test_a_staff_note_keeps_its_words_in_the_audit(app, client, login):
    """Only messages are private: what staff write in the history is audited as before."""
    customer_id = _customer(app)
    login()
    client.post(f"/customers/{customer_id}/interactions", data={
        "channel": "phone", "direction": "inbound", "subject": "Κλήση", "body": "Ζήτησε προσφορά"})
    entry = entries(app, record_type="interaction", customer_id=customer_id)[-1]
    assert entry["changes"]["body"] == [None, "Ζήτησε προσφορά"] and entry["record_label"] == "Κλήση"


def test_received_mail_and_its_assignment_keep_the_words_out(app, client, login):
    from core.messaging import receive_email

    message = EmailMessage()
    message["From"] = "Stranger <who@example.net>"
    message["To"] = "service@rapport.test"
    message["Subject"] = "Ιδιωτικό θέμα"
    message.set_content(SECRET_WORDS)
    customer_id = _customer(app, name="דנה כהן", email="dana@example.co.il", phone="+306912345679")
    with app.app_context():
        mail_id = receive_email(message.as_bytes()).id
    login()
    assert client.post(f"/messages/mail/{mail_id}/assign", data={"customer_id": customer_id}).status_code == 302

    (assigned,) = entries(app, record_type="inbound_mail", record_id=str(mail_id))
    assert (assigned["action"], assigned["user_id"], assigned["customer_id"]) == ("update", _admin_id(app), customer_id)
    assert assigned["changes"] == {"customer_id": [None, customer_id], "matched_by": [None, "staff"]}
    received = [e for e in entries(app, record_type="interaction", customer_id=customer_id)
                if e["action"] == "create" and e["changes"].get("channel") == [None, "email"]]
    assert len(received) == 1 and received[0]["changes"]["body"] is None
    text = _everything(app)
    assert SECRET_WORDS not in text and "Ιδιωτικό" not in text

    changes_tab = client.get(f"/customers/{customer_id}/changes").get_data(as_text=True)
    assert "Received mail" in changes_tab and "Matched by" in changes_tab and "a staff member" in changes_tab


def test_sending_a_failed_message_again_is_recorded_without_its_contents(app, client, login):
    from core.customers.models import Customer
    from core.messaging import queue_message

    customer_id = _customer(app)
    with app.app_context():
        message = queue_message(channel="email", customer=db.session.get(Customer, customer_id),
                                subject="Κρυφό", body=SECRET_WORDS)
        db.session.commit()
        message.status, message.last_error = "failed", "550 no such user"
        db.session.commit()
        message_id = message.id
    login()
    assert client.post(f"/messages/outbox/{message_id}/retry").status_code == 302
    assert client.post(f"/messages/outbox/{message_id}/retry").status_code == 302  # queued now: refused
    (entry,) = entries(app, record_type="outbox_message", record_id=str(message_id))
    assert (entry["action"], entry["user_id"], entry["customer_id"]) == ("update", _admin_id(app), customer_id)
    assert entry["changes"] == {"status": ["failed", "queued"]} and entry["detail"] == {"channel": "email"}
    assert SECRET_WORDS not in _everything(app) and "Κρυφό" not in _everything(app)
