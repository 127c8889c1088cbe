"""Inbound mail: `rapport mail-in`'s SMTP receiver (real aiosmtpd), matching by address and by
thread, the Unmatched mail page, attachments for the right staff only, bounces, and bad mail
that must never break anything."""
from __future__ import annotations

import smtplib
import types
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from core import PluginManifest, hookimpl
from core.db import db
from core.messaging import queue_message, receive_email
from core.messaging.models import InboundMail, OutboxMessage
from core.testing import _free_port

HEARD = []
LISTENER = types.ModuleType("rapport_test_mail_listener")
LISTENER.__file__ = __file__
LISTENER.manifest = PluginManifest(name="maillistener", label="Mail listener")
LISTENER.email_received = hookimpl(lambda message: HEARD.append(message))


def _customer(name="Ζωή Παπαδοπούλου", email="zoe@example.com", **extra):
    from core.customers.service import create_customer

    customer = create_customer({"name": name, "emails": [email] if email else [], **extra})
    db.session.commit()
    return customer


def _mail(sender="Zoë <Zoe@Example.com>", subject="Question", text="Hello", html=None, **headers):
    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    msg["To"] = "support@rapport.test"
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


@pytest.fixture
def receiver(app):
    from core.messaging.mailin import smtp_receiver

    controller = smtp_receiver(app, "127.0.0.1", _free_port())
    controller.start()
    yield controller
    controller.stop()


def _send(controller, msg):
    with smtplib.SMTP(controller.hostname, controller.port) as smtp:
        smtp.send_message(msg, from_addr="x@example.org", to_addrs=["support@rapport.test"])


@pytest.mark.plugins("maillistener", extra=[LISTENER])
def test_smtp_receiver_logs_mail_from_a_known_sender_and_tells_plugins(app, receiver):
    from core.history.models import Interaction

    HEARD.clear()
    with app.app_context():
        customer = _customer()
        customer_id = customer.id
    _send(receiver, _mail(subject="Πότε έρχεται ο τεχνικός;", text="Καλημέρα σας"))
    with app.app_context():
        mail = db.session.execute(sa.select(InboundMail)).scalar_one()
        assert (mail.customer_id, mail.matched_by, mail.subject) == (customer_id, "address", "Πότε έρχεται ο τεχνικός;")
        entry = db.session.execute(sa.select(Interaction).where(Interaction.customer_id == customer_id)).scalar_one()
        assert (entry.kind, entry.channel, entry.direction) == ("messaging.received", "email", "inbound")
        assert entry.body.strip() == "Καλημέρα σας" and entry.data["inbound_id"] == mail.id
    assert len(HEARD) == 1
    assert HEARD[0]["customer_id"] == customer_id and HEARD[0]["from_address"] == "Zoe@Example.com"
    assert HEARD[0]["subject"] == "Πότε έρχεται ο τεχνικός;" and HEARD[0]["bounce"] is None


def test_a_reply_is_threaded_to_the_message_we_sent(app):
    with app.app_context():
        customer = _customer(email="zoe@example.com")
        sent = queue_message(channel="email", customer=customer, subject="Your offer", body="Here it is")
        db.session.commit()
        reply = _mail(sender="Zoë at work <zoe.p@company.example>", subject="Re: Your offer",
                      In_Reply_To=sent.message_id, References=sent.message_id)
        mail = receive_email(reply.as_bytes())
        assert (mail.customer_id, mail.matched_by, mail.outbox_id) == (customer.id, "thread", sent.id)


def test_unknown_sender_lands_on_unmatched_and_staff_assign_it(app, client, login):
    with app.app_context():
        mail = receive_email(_mail(sender="Stranger <who@example.net>", subject="Hi").as_bytes())
        customer = _customer(name="דנה כהן", email="dana@example.co.il")
        mail_id, customer_id = mail.id, customer.id
        assert mail.customer_id is None
    login()
    page = client.get("/messages/unmatched").get_data(as_text=True)
    assert f"/messages/mail/{mail_id}" in page and "who@example.net" in page
    found = client.get(f"/messages/mail/{mail_id}?q=dana").get_data(as_text=True)
    assert "דנה כהן" in found
    response = client.post(f"/messages/mail/{mail_id}/assign", data={"customer_id": customer_id})
    assert response.status_code == 302
    again = client.post(f"/messages/mail/{mail_id}/assign", data={"customer_id": customer_id})
    assert "Someone else has assigned this mail" in client.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(InboundMail, mail_id).customer_id == customer_id
    assert f"/messages/mail/{mail_id}" not in client.get("/messages/unmatched").get_data(as_text=True)
    detail = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert "Hi" in detail and f"/messages/mail/{mail_id}" in detail


def test_create_a_customer_from_an_unmatched_mail(app, client, login):
    with app.app_context():
        mail_id = receive_email(_mail(sender="Νίκος Γεωργίου <Nikos@Example.gr>").as_bytes()).id
    login()
    response = client.post(f"/messages/mail/{mail_id}/new-customer")
    assert response.status_code == 302
    with app.app_context():
        from core.customers.models import Customer

        customer = db.session.execute(sa.select(Customer).where(Customer.name == "Νίκος Γεωργίου")).scalar_one()
        assert [e.email for e in customer.emails] == ["nikos@example.gr"]
        assert db.session.get(InboundMail, mail_id).customer_id == customer.id


def test_attachments_are_downloads_for_staff_who_may_see_the_customer(app, client, login, make_user):
    with app.app_context():
        _customer()
        msg = _mail()
        msg.add_attachment(b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="τιμολόγιο.pdf")
        msg.add_attachment(b"<script>alert(1)</script>", maintype="text", subtype="html", filename="page.html")
        mail = receive_email(msg.as_bytes())
        ids = [a.id for a in mail.attachments]
        names = [a.filename for a in mail.attachments]
    assert names == ["τιμολόγιο.pdf", "page.html"]
    make_user("nobody@example.com", permissions=["catalog.view"])
    login("nobody@example.com")
    assert client.get(f"/messages/attachments/{ids[0]}").status_code == 404
    login()
    response = client.get(f"/messages/attachments/{ids[1]}")
    assert response.status_code == 200 and response.data == b"<script>alert(1)</script>"
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/messages/attachments/{ids[0]}").data == b"%PDF-1.4 invoice"


def test_html_with_scripts_is_shown_sanitised(app, client, login):
    with app.app_context():
        _customer()
        html = ('<p onclick="steal()">Γεια <b>σας</b></p><script>alert("x")</script>'
                '<img src="x" onerror="alert(1)"><a href="javascript:alert(1)">link</a>')
        mail_id = receive_email(_mail(html=html).as_bytes()).id
    login()
    page = client.get(f"/messages/mail/{mail_id}").get_data(as_text=True)
    assert "Γεια <b>σας</b>" in page
    assert "alert" not in page and "onclick" not in page and "onerror" not in page


def test_a_delivery_report_marks_our_message_bounced(app):
    with app.app_context():
        customer = _customer()
        sent = queue_message(channel="email", customer=customer, subject="Offer", body="x")
        db.session.commit()
        sent.status = "sent"
        db.session.commit()
        dsn = (
            "From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nTo: rapport@rapport.test\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
            "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry.\r\n"
            "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
            "Final-Recipient: rfc822; zoe@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
            f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {sent.message_id}\r\nSubject: Offer\r\n\r\n"
            "--B--\r\n"
        ).encode()
        mail = receive_email(dsn)
        assert mail.is_bounce and mail.outbox_id == sent.id
        db.session.expire_all()
        row = db.session.get(OutboxMessage, sent.id)
        assert row.status == "bounced" and "550 5.1.1 user unknown" in row.last_error


BAD_MAIL = {
    "malformed MIME": (b"From: zoe@example.com\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
                       b"Content-Type: multipart/mixed\r\n\r\nno boundary at all\r\n--\r\n"),
    "encoded words": ("From: =?utf-8?b?zpbPic6u?= <zoe@example.com>\r\n"
                      "Subject: =?utf-8?q?=CE=93=CE=B5=CE=B9=CE=B1_?= =?iso-8859-8?b?+ezl7Q==?=\r\n"
                      "\r\nbody\r\n").encode(),
    "wrong charset": (b"From: zoe@example.com\r\nSubject: charset\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
                      b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "Καλημέρα".encode("utf-8") + b"\r\n"),
    "unknown charset": (b"From: zoe@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n"
                        b"\xff\xfe hello\r\n"),
    "no sender": b"Subject: anonymous\r\n\r\nwho am I\r\n",
    "garbage": b"\x00\x01\x02 not an email at all \xff\xfe",
    "broken base64": (b"From: zoe@example.com\r\nSubject: b64\r\nContent-Type: text/plain; charset=utf-8\r\n"
                      b"Content-Transfer-Encoding: base64\r\n\r\n@@@not base64@@@\r\n"),
}


@pytest.mark.parametrize("case", sorted(BAD_MAIL))
def test_bad_mail_never_breaks_anything(app, client, login, case):
    with app.app_context():
        _customer()
        mail = receive_email(BAD_MAIL[case])
        mail_id = mail.id
        if case == "encoded words":
            assert mail.subject == "Γεια שלום" and mail.from_name == "Ζωή"
        if case == "wrong charset":
            assert mail.text_body.strip() == "Καλημέρα"
        if case == "no sender":
            assert mail.customer_id is None and "no sender" in mail.problems
        assert receive_email(BAD_MAIL[case]).id == mail_id  # the same bytes again: stored once
    login()
    assert client.get(f"/messages/mail/{mail_id}").status_code == 200
    assert client.get("/messages/unmatched").status_code == 200


def test_a_30_mb_message_is_refused_by_smtp_and_kept_as_headers_over_imap(app, receiver):
    big = _mail(text="x")
    big.add_attachment(b"\0" * (30 * 1024 * 1024), maintype="application", subtype="octet-stream", filename="big.bin")
    raw = big.as_bytes()
    with pytest.raises(smtplib.SMTPException) as exc:
        _send(receiver, big)
    assert "552" in str(exc.value) or getattr(exc.value, "smtp_code", None) == 552
    _send(receiver, _mail(subject="still alive"))  # the receiver keeps working
    with app.app_context():
        assert [m.subject for m in db.session.execute(sa.select(InboundMail)).scalars()] == ["still alive"]
        mail = receive_email(raw, source="imap")  # IMAP cannot refuse: headers only
        assert not mail.raw_stored and mail.attachments == [] and mail.subject == "Question"
        assert any("only the headers" in p for p in mail.problems)


def test_mail_of_a_customer_is_hidden_from_staff_who_may_not_see_it(app, client, login, make_user):
    with app.app_context():
        _customer()
        mail_id = receive_email(_mail().as_bytes()).id
        stranger_id = receive_email(_mail(sender="who@example.net").as_bytes()).id
    make_user("clerk@example.com", permissions=["catalog.view"])
    login("clerk@example.com")
    assert client.get(f"/messages/mail/{mail_id}").status_code == 404
    assert client.get(f"/messages/mail/{stranger_id}").status_code == 404
    assert client.get("/messages/unmatched").status_code == 403
    assert client.post(f"/messages/mail/{stranger_id}/assign", data={"customer_id": 1}).status_code == 403
