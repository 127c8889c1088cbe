"""Browser test, English and Hebrew: staff open a complaint from an unmatched mail (the mail's
page → *Open a complaint* → a customer from the sender), and the customer, in the portal,
follows *Complain about this* from their equipment to the form with it chosen. Fails on any
JavaScript error or failed resource. Screenshots: test-artifacts/complaints-{from-mail,
portal-equipment,portal-about}-<lang>.png."""
from __future__ import annotations

import pytest

from core.db import db
from core.testing import PASSWORD, browser_login, choose_language, portal_account, watch_page
from plugins.complaints.tests import complaints_testdata as td

pytestmark = [pytest.mark.browser, pytest.mark.plugins("complaints", "service")]

SENDER = {"en": ("Rena Alexiou", "The fridge stopped cooling", "Since yesterday it is warm inside."),
          "he": ("רנה אלכסיו", "המקרר הפסיק לקרר", "מאתמול חם בפנים.")}


@pytest.mark.parametrize("lang", ["en", "he"])
def test_complaint_from_unmatched_mail_and_from_the_portal(app, live_server, browser_page, _playwright_browser,
                                                           screenshot, lang):
    from core.messaging.models import InboundMail
    from plugins.complaints.models import Complaint
    from plugins.service.models import Equipment

    name, subject, text = SENDER[lang]
    with app.app_context():
        mail = InboundMail(raw_sha256="b" * 64, from_address="rena@example.org", from_name=name,
                           to_addresses="complaints@rapport.test", subject=subject, text_body=text)
        customer = td.customer(name="דנה כהן" if lang == "he" else "Dana Cohen", email="dana@example.com",
                               language=lang)
        boiler = Equipment(customer_id=customer.id, model_name="Boiler BO-20", serial="BX-2024-000123")
        db.session.add_all([mail, boiler])
        db.session.commit()
        mail_id, customer_id, boiler_id = mail.id, customer.id, boiler.id

    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    choose_language(page, lang)
    page.goto(f"{live_server.url}/messages/mail/{mail_id}")
    with page.expect_navigation():
        page.locator(f"a[href='/complaints/from-mail/{mail_id}']").click()
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "he" else "ltr")
    assert page.locator("#who-new").is_checked()
    screenshot(page, f"complaints-from-mail-{lang}")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    with app.app_context():
        complaint = db.session.query(Complaint).one()
        assert complaint.inbound_mail_id == mail_id and complaint.customer.name == name
    assert page.url.endswith(f"/complaints/{complaint.id}")

    context = _playwright_browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(15_000)
    portal = context.new_page()
    portal_problems = watch_page(portal)
    portal.goto(f"{live_server.url}/portal/login")
    portal.fill("input[name=email]", portal_account(app, customer_id))
    portal.fill("input[name=password]", PASSWORD)
    with portal.expect_navigation():
        portal.locator("main form button[type=submit]").click()
    portal.goto(f"{live_server.url}/portal/service/equipment/{boiler_id}")
    screenshot(portal, f"complaints-portal-equipment-{lang}")
    with portal.expect_navigation():
        portal.locator("a[href*='/portal/complaints/new?about=']").click()
    assert portal.locator("#about_ref").input_value() == f"service.equipment:equipment_id={boiler_id}"
    screenshot(portal, f"complaints-portal-about-{lang}")
    context.close()
    assert problems == [] and portal_problems == []
