"""A mail no customer matched, taken over as a complaint from the Unmatched mail page: the
core offers plugins' actions there (``unmatched_mail_actions``); complaints' page assigns the
mail to an existing customer or to one created from the sender, and opens the complaint from
it in the same transaction (acknowledgement included). Mail arrives through a real aiosmtpd."""
from __future__ import annotations

import re
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


def _deliver(controller, sender, subject, text, to="complaints@rapport.test"):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content(text)
    with smtplib.SMTP(controller.hostname, controller.port) as smtp:
        smtp.send_message(msg, from_addr="bounce@example.org", to_addrs=[to])


def _unmatched(app, subject):
    from core.messaging.models import InboundMail

    with app.app_context():
        mail = db.session.execute(sa.select(InboundMail).where(InboundMail.subject == subject)).scalar_one()
        assert mail.customer_id is None
        return mail.id


def _complaints(app):
    from plugins.complaints.models import Complaint

    with app.app_context():
        return db.session.execute(sa.select(Complaint).order_by(Complaint.id)).scalars().all()


def test_open_a_complaint_for_a_customer_created_from_the_sender(app, client, login, receiver):
    from core.customers.models import Customer
    from core.messaging.models import OutboxMessage
    from plugins.complaints.models import ComplaintMessage, Settings

    with app.app_context():
        db.session.execute(sa.update(Settings).values(intake_address="complaints@rapport.test"))
        db.session.commit()
    _deliver(receiver, "Ρένα Αλεξίου <rena@example.org>", "Χαλασμένο ψυγείο", "Το ψυγείο δεν κρυώνει από χθες.")
    mail_id = _unmatched(app, "Χαλασμένο ψυγείο")
    assert _complaints(app) == []  # an unknown sender opens nothing by itself

    login()
    page = client.get(f"/messages/mail/{mail_id}").get_data(as_text=True)
    assert f'href="/complaints/from-mail/{mail_id}"' in page and "Open a complaint" in page
    form = client.get(f"/complaints/from-mail/{mail_id}").get_data(as_text=True)
    assert "A new customer: Ρένα Αλεξίου &lt;rena@example.org&gt;" in form and 'value="Χαλασμένο ψυγείο"' in form
    sent = client.post(f"/complaints/from-mail/{mail_id}", data={"who": "new", "title": "Χαλασμένο ψυγείο",
                                                                 "category_id": "", "severity_id": "", "team_id": ""})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    [complaint] = _complaints(app)
    assert sent.headers["Location"].endswith(f"/complaints/{complaint.id}")
    with app.app_context():
        customer = db.session.get(Customer, complaint.customer_id)
        assert (customer.name, customer.primary_email) == ("Ρένα Αλεξίου", "rena@example.org")
        assert (complaint.channel, complaint.inbound_mail_id, complaint.title) == ("email", mail_id, "Χαλασμένο ψυγείο")
        assert "δεν κρυώνει" in complaint.description
        assert db.session.execute(sa.select(ComplaintMessage.inbound_mail_id).where(
            ComplaintMessage.complaint_id == complaint.id, ComplaintMessage.direction == "in")).scalar() == mail_id
        ack = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.source == "complaints")).scalar_one()
        assert ack.customer_id == customer.id and complaint.reference in ack.subject
    # It is no longer unmatched: the page is gone, the list does not show it.
    assert client.get(f"/complaints/from-mail/{mail_id}").status_code == 404
    assert "Χαλασμένο ψυγείο" not in client.get("/messages/unmatched").get_data(as_text=True)


def test_open_a_complaint_for_an_existing_customer(app, client, login, receiver, make_user):
    from core.messaging.models import InboundMail

    with app.app_context():
        customer_id = td.customer(name="Jonas Petraitis", email="jonas@example.com").id
    _deliver(receiver, "Jonas at work <j.petraitis@work.example>", "Sugedęs virdulys", "Neveikia.")
    mail_id = _unmatched(app, "Sugedęs virdulys")

    login()
    # No customer chosen: refused, nothing saved, the mail still waits.
    refused = client.post(f"/complaints/from-mail/{mail_id}", data={"who": "existing", "customer_id": "",
                                                                    "title": "Sugedęs virdulys"})
    assert refused.status_code == 422 and "Choose the customer." in refused.get_data(as_text=True)
    assert client.post(f"/complaints/from-mail/{mail_id}", data={
        "who": "existing", "customer_id": str(customer_id), "title": ""}).status_code == 422
    assert _complaints(app) == [] and _unmatched(app, "Sugedęs virdulys") == mail_id

    sent = client.post(f"/complaints/from-mail/{mail_id}", data={
        "who": "existing", "customer_id": str(customer_id), "title": "Kettle broken"})
    assert sent.status_code == 302
    [complaint] = _complaints(app)
    assert (complaint.customer_id, complaint.title, complaint.inbound_mail_id) == (customer_id, "Kettle broken", mail_id)
    with app.app_context():
        assert db.session.get(InboundMail, mail_id).customer_id == customer_id
    # A second submit (another tab) finds the mail taken: no second complaint.
    again = client.post(f"/complaints/from-mail/{mail_id}", data={
        "who": "existing", "customer_id": str(customer_id), "title": "Kettle broken"})
    assert again.status_code == 404 and len(_complaints(app)) == 1


def test_who_may_open_a_complaint_from_unmatched_mail(app, client, receiver, make_user):
    """Unmatched mail needs ``messages.inbound`` (the core's rule) and complaints ``complaints.view``;
    without either the page is a 404 and the action is not offered."""
    from core.testing import login_client

    _deliver(receiver, "someone@example.org", "Hello", "Text")
    mail_id = _unmatched(app, "Hello")
    with app.app_context():
        make_user("agent@example.com", permissions=["complaints.view", "customers.view"])
        make_user("clerk@example.com", permissions=["messages.inbound", "customers.view"])
    login_client(client, "agent@example.com")
    assert client.get(f"/complaints/from-mail/{mail_id}").status_code == 404
    client.get("/logout")
    login_client(client, "clerk@example.com")
    assert client.get(f"/complaints/from-mail/{mail_id}").status_code == 404
    page = client.get(f"/messages/mail/{mail_id}").get_data(as_text=True)
    assert "/complaints/from-mail/" not in page


def test_plain_assign_of_mail_to_the_complaints_address_opens_a_complaint(app, client, login, receiver):
    """The core's own *Assign* and *New customer* buttons (not complaints' action): the core announces
    ``email_assigned`` and complaints opens the complaint a known sender's mail would have opened
    on arrival — only for mail to the complaints address; a subject naming a complaint of that
    customer joins it instead."""
    from core.auth.models import User
    from core.messaging.models import OutboxMessage
    from plugins.complaints.models import ComplaintMessage, Settings

    with app.app_context():
        db.session.execute(sa.update(Settings).values(intake_address="complaints@rapport.test"))
        db.session.commit()
        customer_id = td.customer(name="Dalia Vaitkutė", email="dalia@example.com").id
        earlier = td.complaint(customer_id, title="Late delivery")
        earlier_id, earlier_ref = earlier.id, earlier.reference
    _deliver(receiver, "Dalia from work <dalia@work.example>", "Sulaužyta kėdė", "Kėdės koja nulūžo.")
    _deliver(receiver, "Dalia from work <dalia@work.example>", "Invoice copy", "Please send it.",
             to="office@rapport.test")
    _deliver(receiver, "Dalia from work <dalia@work.example>", f"Re: [{earlier_ref}] still late", "Nothing yet.",
             to="office@rapport.test")
    _deliver(receiver, "Amir Karimi <amir@example.net>", "کالای معیوب", "دستگاه روشن نمی‌شود.")
    chair, invoice, reply, new = (_unmatched(app, s) for s in (
        "Sulaužyta kėdė", "Invoice copy", f"Re: [{earlier_ref}] still late", "کالای معیوب"))
    assert [c.id for c in _complaints(app)] == [earlier_id]

    login()
    for mail_id in (chair, invoice, reply):
        done = client.post(f"/messages/mail/{mail_id}/assign", data={"customer_id": str(customer_id)})
        assert done.status_code == 302 and done.headers["Location"].endswith(f"/customers/{customer_id}")
    made = client.post(f"/messages/mail/{new}/new-customer")
    assert made.status_code == 302

    complaints = {c.inbound_mail_id: c for c in _complaints(app)}
    assert set(complaints) == {None, chair, new}  # the earlier one (staff), the chair, the new customer's
    opened = complaints[chair]
    with app.app_context():
        admin_id = db.session.execute(sa.select(User.id).where(User.email == "admin@example.com")).scalar()
        assert (opened.customer_id, opened.channel, opened.title, opened.created_by_id) == (
            customer_id, "email", "Sulaužyta kėdė", admin_id)
        assert "nulūžo" in opened.description
        assert complaints[new].customer_id != customer_id and complaints[new].title == "کالای معیوب"
        # The reply naming her earlier complaint is in its conversation; the invoice mail is nowhere.
        threaded = db.session.execute(sa.select(ComplaintMessage.complaint_id, ComplaintMessage.inbound_mail_id)
                                      .where(ComplaintMessage.direction == "in")).all()
        assert sorted(threaded) == sorted([(earlier_id, reply), (opened.id, chair), (complaints[new].id, new)])
        acks = db.session.execute(sa.select(OutboxMessage.subject).where(
            OutboxMessage.source == "complaints", OutboxMessage.customer_id == customer_id)).scalars().all()
        assert any(opened.reference in s for s in acks)
    # The customer page shows it in the complaints panel.
    page = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert opened.reference in page and "Sulaužyta kėdė" in page


def test_an_out_of_office_answer_assigned_by_hand_opens_no_complaint(app, client, login, receiver):
    """Staff file an automatic answer to the complaints address under its customer: it goes to the
    history, but it is no complaint (the Auto-Submitted header is kept with the mail)."""
    from core.messaging.models import InboundMail

    with app.app_context():
        from plugins.complaints.models import Settings

        db.session.execute(sa.update(Settings).values(intake_address="complaints@rapport.test"))
        db.session.commit()
        customer_id = td.customer(name="Νίκος Αλεξίου", email="nikos@example.com").id
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Nikos <nikos@holiday.example>", "complaints@rapport.test", "Εκτός γραφείου"
    msg["Auto-Submitted"] = "auto-replied"
    msg.set_content("Επιστρέφω τη Δευτέρα.")
    with smtplib.SMTP(receiver.hostname, receiver.port) as smtp:
        smtp.send_message(msg, from_addr="", to_addrs=["complaints@rapport.test"])
    mail_id = _unmatched(app, "Εκτός γραφείου")
    login()
    done = client.post(f"/messages/mail/{mail_id}/assign", data={"customer_id": str(customer_id)})
    assert done.status_code == 302
    assert _complaints(app) == []
    with app.app_context():
        mail = db.session.get(InboundMail, mail_id)
        assert (mail.customer_id, mail.auto_submitted) == (customer_id, "auto-replied")
