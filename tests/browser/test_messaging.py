"""Headless Chromium: write an SMS and an email from the customer page (live part counter),
see them in the Outbox, assign an unmatched mail, preview a template — in English and Hebrew.

Screenshots land in test-artifacts/ (messages-*.png).
"""
from __future__ import annotations

import pytest

from core.testing import browser_login, choose_language, watch_page

pytestmark = pytest.mark.browser

NAME = "Ζωή Παπαδοπούλου"


def _seed(app):
    from core.customers.service import create_customer
    from core.db import db
    from core.messaging import ensure_template, receive_email

    with app.app_context():
        customer = create_customer({"name": NAME, "emails": ["zoe@example.com"], "phones": ["+306912345678"],
                                    "preferred_language": "el"})
        create_customer({"name": "דנה כהן", "emails": ["dana@example.co.il"], "preferred_language": "he"})
        ensure_template("service.repair_done", name="Repair done", sample_variables={"repair": {"number": "R-12"}},
                        texts={"en": {"subject": "Your repair {{ repair.number }} is done",
                                      "body": "Dear {{ customer.first_name }},\n\nyour repair is ready."},
                               "he": {"subject": "התיקון {{ repair.number }} הסתיים",
                                      "body": "שלום {{ customer.first_name }},\n\nהמכשיר מוכן לאיסוף."},
                               "el": {"subject": "Η επισκευή {{ repair.number }} τελείωσε",
                                      "body": "Αγαπητή {{ customer.first_name }},\n\nη συσκευή σας είναι έτοιμη."}})
        mail = receive_email(
            "From: =?utf-8?b?15nXldeh15kg15zXldeZ?= <yossi@example.net>\r\nTo: support@rapport.test\r\n"
            "Subject: =?utf-8?b?16nXkNec15Qg15zXkteR15kg15TXqteZ16fXldef?=\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/html; charset=utf-8\r\n\r\n<p>שלום, <b>מתי</b> הטכנאי מגיע?</p>"
            "<script>alert('x')</script>\r\n".encode())
        db.session.commit()
        return customer.id, mail.id


@pytest.fixture
def checked_page(browser_page):
    """The page, failing the test on any JavaScript error or failed request."""
    problems = watch_page(browser_page)
    yield browser_page
    assert not problems, problems


def _hebrew(page, server):
    page.goto(f"{server.url}/")
    choose_language(page, "he")
    assert page.get_attribute("html", "dir") == "rtl"


def test_write_sms_and_email_then_find_them_in_the_outbox(live_server, checked_page, screenshot):
    customer_id, _mail_id = _seed(live_server.app)
    page = browser_login(checked_page, live_server)
    page.goto(f"{live_server.url}/customers/{customer_id}")
    with page.expect_navigation():
        page.click("text=Write an SMS")
    counter = page.locator("#sms-counter")
    page.fill("textarea[name=body]", "Hello, your repair is ready.")
    assert counter.inner_text().strip() == "28 characters · 1 SMS · GSM-7"
    page.fill("textarea[name=body]", "Καλημέρα σας! Η επισκευή της συσκευής σας ολοκληρώθηκε και μπορείτε να την παραλάβετε.")
    assert "· 2 SMS · UCS-2" in counter.inner_text()
    with page.expect_navigation():
        page.click("button[value=preview]")
    assert "This SMS is sent as 2 parts (UCS-2)." in page.locator("main").inner_text()
    screenshot(page, "messages-compose-sms-en")
    with page.expect_navigation():
        page.click("button[value=send]")
    assert "queued" in page.locator("main").inner_text()
    page.click("role=tab[name='Email and SMS']")
    panel = page.locator("[role=tabpanel]", has_text="Καλημέρα σας!")
    assert panel.is_visible()
    screenshot(page, "messages-customer-panel-en")

    page.goto(f"{live_server.url}/messages/customers/{customer_id}/new?channel=email")
    page.select_option("#template", "service.repair_done")
    with page.expect_navigation():
        page.click("text=Use template")
    # The template needs a variable only the sending code has: staff are told, nothing is filled.
    assert "repair" in page.locator(".alert-danger").inner_text()
    page.fill("input[name=subject]", "Η επισκευή σας")
    page.fill("textarea[name=body]", "Αγαπητή Ζωή,\n\nη συσκευή σας είναι έτοιμη.")
    with page.expect_navigation():
        page.click("button[value=send]")

    page.goto(f"{live_server.url}/messages/outbox")
    table = page.locator("main table").inner_text()
    assert "Η επισκευή σας" in table and "Καλημέρα σας!" in table and "+306912345678" in table
    assert "is not sent" in page.locator("main").inner_text()  # no SMTP or SMS settings in tests
    screenshot(page, "messages-outbox-en")
    _hebrew(page, live_server)
    page.goto(f"{live_server.url}/messages/outbox")
    assert "Η επισκευή σας" in page.locator("main table").inner_text()
    screenshot(page, "messages-outbox-he")
    page.goto(f"{live_server.url}/messages/customers/{customer_id}/new?channel=sms")
    page.fill("textarea[name=body]", "שלום! המכשיר שלך מוכן.")
    assert "UCS-2" in page.locator("#sms-counter").inner_text()
    screenshot(page, "messages-compose-sms-he")


def test_assign_unmatched_mail_and_preview_a_template(live_server, checked_page, screenshot):
    customer_id, mail_id = _seed(live_server.app)
    page = browser_login(checked_page, live_server)
    page.goto(f"{live_server.url}/messages/unmatched")
    assert "שאלה לגבי התיקון" in page.locator("main").inner_text()
    screenshot(page, "messages-unmatched-en")
    with page.expect_navigation():
        page.click("text=שאלה לגבי התיקון")
    body = page.locator(".mail-html")
    assert "מתי" in body.inner_text() and page.locator(".mail-html script").count() == 0
    page.fill("#q", "דנה")
    with page.expect_navigation():
        page.click("form[role=search] button")
    screenshot(page, "messages-mail-assign-en")
    with page.expect_navigation():
        page.click("button:has-text('Assign')")
    assert "דנה כהן" in page.locator("h1").inner_text()
    assert "שאלה לגבי התיקון" in page.locator("main").inner_text()

    page.goto(f"{live_server.url}/messages/templates")
    with page.expect_navigation():
        page.click("text=Preview")
    page.fill("#q", "zoe")
    with page.expect_navigation():
        page.click("form[role=search] button")
    with page.expect_navigation():
        page.click(f"a:has-text('{NAME}')")
    rendered = page.locator("main").inner_text()
    assert "Η επισκευή R-12 τελείωσε" in rendered and "Αγαπητή Ζωή," in rendered
    screenshot(page, "messages-template-preview-en")
    preview_url = page.url.split("?")[0]
    _hebrew(page, live_server)
    page.goto(preview_url + f"?customer={customer_id}&language=he")
    assert "התיקון R-12 הסתיים" in page.locator("main").inner_text()
    screenshot(page, "messages-template-preview-he")
    page.goto(f"{live_server.url}/messages/templates")
    with page.expect_navigation():
        page.click("text=Repair done")
    screenshot(page, "messages-template-form-he")
