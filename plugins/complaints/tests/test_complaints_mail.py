"""Mail around complaints with real SMTP on both sides: our messages leave through the
outbox to an aiosmtpd sink; the customer's answers arrive through `rapport mail-in`'s
aiosmtpd receiver and land in the right complaint — by thread, or by the reference in
the subject from the complaint's own customer — and mail to the intake address opens one."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import _free_port
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints")


@pytest.fixture
def receiver(app, smtp_sink):
    from core.messaging.mailin import smtp_receiver

    app.config.update(SMTP_URL=smtp_sink.url, MAIL_FROM="Rapport <care@rapport.test>",
                      OUTBOX_RATE={"email": 0, "sms": 0})
    controller = smtp_receiver(app, "127.0.0.1", _free_port())
    controller.start()
    yield controller
    controller.stop()


def _deliver(controller, sender, subject, text, to="care@rapport.test", **headers):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    with smtplib.SMTP(controller.hostname, controller.port) as smtp:
        smtp.send_message(msg, from_addr="bounce@example.org", to_addrs=[to])


def _messages(complaint_id, direction="in"):
    from plugins.complaints.models import ComplaintMessage

    return db.session.execute(sa.select(ComplaintMessage).where(ComplaintMessage.complaint_id == complaint_id,
                                                                ComplaintMessage.direction == direction)
                              .order_by(ComplaintMessage.id)).scalars().all()


def test_a_reply_to_our_mail_is_threaded_into_its_complaint(app, receiver, smtp_sink):
    from core.messaging import send_due
    from plugins.complaints.mail import reply

    with app.app_context():
        customer_id = td.customer(email="zoe@example.com", language="el").id
        first = td.complaint(customer_id, "Χαλασμένος βραστήρας").id
        second = td.complaint(customer_id, "Λάθος τιμολόγιο").id
        from plugins.complaints.models import Complaint

        reply(db.session.get(Complaint, second), body="Could you send the invoice number?")
        db.session.commit()
        send_due("email")
    sent = {m.message["Subject"]: m.message for m in smtp_sink.messages}
    [question] = [m for s, m in sent.items() if "C-000002" in s and "invoice" in m.get_body().get_content()]
    # The customer answers our question: her client quotes our Message-ID, her subject is her own.
    _deliver(receiver, "Zoë <zoe@example.com>", "Re: the number", "Ο αριθμός είναι 7781",
             In_Reply_To=question["Message-ID"], References=question["Message-ID"])
    with app.app_context():
        [answer] = _messages(second)
        assert "7781" in answer.body and answer.inbound_mail_id is not None
        assert _messages(first) == []


def test_the_reference_in_the_subject_counts_only_from_the_complaints_customer(app, receiver):
    with app.app_context():
        zoe = td.customer(email="zoe@example.com").id
        td.customer(name="Ona Petraitytė", email="ona@example.lt")
        complaint_id = td.complaint(zoe, "Late delivery").id
    _deliver(receiver, "ona@example.lt", "About C-000001", "I guess numbers")
    _deliver(receiver, "zoe@example.com", "Fw: [C-000001] still waiting", "Any news?")
    with app.app_context():
        [mail] = _messages(complaint_id)
        assert mail.body.strip() == "Any news?"


def test_mail_to_the_intake_address_opens_a_complaint_once(app, receiver):
    from plugins.complaints.models import Complaint, Settings

    with app.app_context():
        db.session.execute(sa.update(Settings).values(intake_address="complaints@rapport.test"))
        db.session.commit()
        customer_id = td.customer(email="zoe@example.com", language="el").id
    _deliver(receiver, "zoe@example.com", "Σπασμένη οθόνη", "Η οθόνη ήρθε ραγισμένη", to="complaints@rapport.test")
    _deliver(receiver, "stranger@example.org", "Who are you", "Unknown sender", to="complaints@rapport.test")
    _deliver(receiver, "zoe@example.com", "Thanks", "Just saying thanks", to="care@rapport.test")
    with app.app_context():
        [complaint] = db.session.execute(sa.select(Complaint)).scalars().all()
        assert (complaint.customer_id, complaint.channel, complaint.title) == (customer_id, "email", "Σπασμένη οθόνη")
        assert "ραγισμένη" in complaint.description
        from plugins.complaints.mail import receive

        # the same mail heard twice (a retried event) opens nothing more
        from core.messaging.models import InboundMail

        mail = db.session.get(InboundMail, complaint.inbound_mail_id)
        assert receive({"id": mail.id, "customer_id": customer_id, "to": ["complaints@rapport.test"], "cc": [],
                        "subject": mail.subject, "text": mail.text_body, "bounce": None,
                        "auto_submitted": "no"}) is None
        db.session.commit()
        assert db.session.execute(sa.select(sa.func.count()).select_from(Complaint)).scalar() == 1


def test_out_of_office_answers_are_not_added(app, receiver):
    with app.app_context():
        customer_id = td.customer(email="zoe@example.com").id
        complaint_id = td.complaint(customer_id).id
    _deliver(receiver, "zoe@example.com", "Auto: [C-000001]", "I am away", Auto_Submitted="auto-replied")
    with app.app_context():
        assert _messages(complaint_id) == []
