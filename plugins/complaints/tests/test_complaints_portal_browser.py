"""Browser test: a customer files a complaint in the portal about their boiler, writes to us,
and rates it once we have closed it — at 375 px and on a desktop, in English and Hebrew.
Fails on any JavaScript error, failed resource or a page wider than the phone.
Screenshots: test-artifacts/complaints-portal-<page>-<width>-<lang>.png."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import PASSWORD, portal_account, watch_page
from plugins.complaints.tests import complaints_testdata as td

pytestmark = [pytest.mark.browser, pytest.mark.plugins("complaints", "service")]

TEXTS = {
    "en": ("The boiler keeps switching off", "It stops after a few minutes, every morning.", "Any news?"),
    "he": ("הדוד נכבה כל הזמן", "הוא נעצר אחרי כמה דקות, כל בוקר.", "יש חדש?"),
}


@pytest.mark.parametrize("width,lang", [(1280, "en"), (375, "en"), (1280, "he"), (375, "he")])
def test_customer_files_follows_and_rates_a_complaint(app, live_server, _playwright_browser, screenshot, width, lang):
    from plugins.complaints.models import Complaint
    from plugins.complaints.workflow import transition
    from plugins.service.models import Equipment

    title, description, message = TEXTS[lang]
    with app.app_context():
        customer = td.customer(name="דנה כהן" if lang == "he" else "Dana Cohen", email="dana@example.com",
                               language=lang)
        db.session.add(Equipment(customer_id=customer.id, model_name="Boiler BO-20", serial="BX-2024-000123"))
        db.session.commit()
        customer_id = customer.id
    email = portal_account(app, customer_id)
    context = _playwright_browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB",
                                              is_mobile=width < 600, has_touch=width < 600)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = watch_page(page)

    def shot(name):
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px too wide at {width}px ({lang})"
        screenshot(page, f"complaints-portal-{name}-{width}-{lang}")

    page.goto(f"{live_server.url}/portal/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "he" else "ltr")
    shot("home")
    with page.expect_navigation():
        page.locator("a[href='/portal/complaints/new']").first.click()
    page.fill("#title", title)
    page.select_option("#about_ref", index=1)
    page.select_option("#category_id", index=1)
    page.fill("#description", description)
    shot("new")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator(".alert-success").count() == 1 and "/portal/complaints/" in page.url
    page.fill("#body", message)
    with page.expect_navigation():
        page.click("form[action$='/reply'] button[type=submit]")
    assert page.locator(".card-body", has_text=message).count() == 1
    shot("detail")

    with app.app_context():
        complaint = db.session.execute(sa.select(Complaint)).scalar_one()
        transition(complaint, "resolve", {"resolution": "החלפנו את הטרמוסטט." if lang == "he" else
                                          "We replaced the thermostat.", "root_cause_id": td.root_cause().id,
                                          "compensation_amount": "25.00"})
        transition(complaint, "close")
        db.session.commit()
    page.reload()
    page.check("#rating-5")
    page.fill("#comment", "תודה" if lang == "he" else "Thank you")
    shot("rate")
    with page.expect_navigation():
        page.click("form[action$='/rate'] button[type=submit]")
    assert page.locator("form[action$='/rate']").count() == 0
    shot("rated")
    page.goto(f"{live_server.url}/portal/complaints/")
    shot("list")
    assert not problems, problems
    with app.app_context():
        complaint = db.session.execute(sa.select(Complaint)).scalar_one()
        assert (complaint.rating, complaint.channel, complaint.state) == (5, "portal", "closed")
    context.close()
