"""Emails to the customer when staff decide what they asked for in the portal: a change of
details accepted or rejected (sales and service decisions: their plugins' portal tests). Sent
through the core outbox with the portal's templates, in the customer's language."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import portal_account, portal_login

CUSTOMER_PASSWORD = "violet-harbour-tangent-92"


@pytest.fixture
def mail_app(app, smtp_sink):
    app.config.update(SMTP_URL=smtp_sink.url, OUTBOX_RATE={"email": 0, "sms": 0},
                      PORTAL_PUBLIC_URL="https://portal.example.com")
    return app


def _customer(name, email, language):
    from core.customers.service import create_customer

    customer = create_customer({"name": name, "emails": [email], "preferred_language": language})
    db.session.commit()
    return customer.id


def _submit(app, customer_id, data):
    from core.portal.models import PortalChange

    customer = app.test_client()
    portal_login(customer, portal_account(app, customer_id, CUSTOMER_PASSWORD), CUSTOMER_PASSWORD)
    assert customer.post("/portal/account/details", data=data).status_code == 302
    with app.app_context():
        return db.session.execute(sa.select(PortalChange.id).where(PortalChange.customer_id == customer_id)
                                  ).scalar_one()


def _notices(app, customer_id):
    from core.messaging.models import OutboxMessage

    with app.app_context():
        return [(m.template_key, m.language, m.subject, m.body_text) for m in db.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.customer_id == customer_id, OutboxMessage.source == "portal")
            .order_by(OutboxMessage.id)).scalars()]


def test_accepted_details_are_emailed_in_greek_through_smtp(mail_app, client, login, smtp_sink):
    from core.messaging.sending import send_all_due

    with mail_app.app_context():
        zoe = _customer("Ζωή Παπαδοπούλου", "zoe@example.com", "el")
    change_id = _submit(mail_app, zoe, {"name": "Ζωή Λάμπρου", "emails": "zoe@example.com"})
    assert _notices(mail_app, zoe) == []  # nothing decided yet
    login()
    assert client.post(f"/customers/portal-changes/{change_id}/accept").status_code == 302
    [(key, language, subject, body)] = _notices(mail_app, zoe)
    assert (key, language, subject) == ("portal.details_accepted", "el", "Τα νέα στοιχεία επικοινωνίας σας αποθηκεύτηκαν")
    assert "Γεια σας Ζωή" in body and "https://portal.example.com/portal/account" in body
    with mail_app.app_context():
        send_all_due()
    [mail] = [m for m in smtp_sink.messages if m.rcpt_tos == ["zoe@example.com"]]
    assert mail.message["Subject"] == "Τα νέα στοιχεία επικοινωνίας σας αποθηκεύτηκαν"
    assert "ελέγξαμε και αποθηκεύσαμε" in mail.message.get_body(("plain",)).get_content()
    # Deciding again changes nothing and sends nothing.
    client.post(f"/customers/portal-changes/{change_id}/accept")
    assert len(_notices(mail_app, zoe)) == 1


def test_rejection_is_emailed_with_the_reason_in_the_customers_language(mail_app, client, login):
    with mail_app.app_context():
        rina = _customer("רינה כהן", "rina@example.com", "he")
        jonas = _customer("Jonas Petraitis", "jonas@example.com", "lt")
    rina_change = _submit(mail_app, rina, {"name": "Someone Else", "emails": "rina@example.com"})
    jonas_change = _submit(mail_app, jonas, {"name": "Jonas P.", "emails": "jonas@example.com"})
    login()
    client.post(f"/customers/portal-changes/{rina_change}/reject", data={"reason": "השם לא תואם"})
    client.post(f"/customers/portal-changes/{jonas_change}/reject", data={"reason": ""})
    [(key, language, subject, body)] = _notices(mail_app, rina)
    assert (key, language, subject) == ("portal.details_rejected", "he", "השינוי בפרטי הקשר שלך לא התקבל")
    assert "הסיבה: השם לא תואם" in body
    [(key, language, subject, body)] = _notices(mail_app, jonas)
    assert (language, subject) == ("lt", "Jūsų kontaktinių duomenų pakeitimas nepriimtas")
    assert "Priežastis: " in body and "No reason" not in body  # the "no reason given" text, in Lithuanian


def test_no_email_without_an_active_portal_account(app):
    from core.portal.models import PortalAccount
    from core.portal.notices import tell_customer

    with app.app_context():
        zoe = _customer("Ζωή Παπαδοπούλου", "zoe@example.com", "el")
        assert tell_customer(zoe, "portal.details_accepted", {"link": "x"}, ref="t:1") is None
    portal_account(app, zoe)
    with app.app_context():
        db.session.execute(sa.update(PortalAccount).values(active=False))
        assert tell_customer(zoe, "portal.details_accepted", {"link": "x"}, ref="t:2") is None
        db.session.execute(sa.update(PortalAccount).values(active=True))
        assert tell_customer(zoe, "portal.details_accepted", {"link": "x"}, ref="t:3") is not None
        assert tell_customer(zoe, "portal.details_accepted", {"link": "x"}, ref="t:3").id is not None  # once
        db.session.commit()
    assert len(_notices(app, zoe)) == 1
