"""Headless Chromium: a customer changes their details in the portal (Hebrew, 375 px), staff
review the difference in Customers › Portal changes and accept it.
Screenshots: test-artifacts/portal-review-*.png."""
from __future__ import annotations

import pytest

from core.testing import PASSWORD, browser_login, portal_account, watch_page

pytestmark = [pytest.mark.browser, pytest.mark.plugins()]


def test_customer_changes_details_and_staff_accept_the_difference(live_server, browser_page, _playwright_browser,
                                                                  screenshot):
    from core.customers.models import Customer
    from core.customers.service import create_customer
    from core.db import db

    app = live_server.app
    with app.app_context():
        customer_id = create_customer({"name": "נועה כהן", "emails": ["noa@example.com"],
                                       "preferred_language": "he"}).id
        db.session.commit()
    email = portal_account(app, customer_id)
    phone = _playwright_browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    problems = watch_page(page)
    page.goto(f"{live_server.url}/portal/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server.url}/portal/account")
    assert page.get_attribute("html", "dir") == "rtl"
    page.fill("input[name=name]", "נועה כהן-לוי")
    page.fill("input[name='addresses-0-street']", "רחוב הרצל 5")
    page.fill("input[name='addresses-0-city']", "תל אביב")
    page.fill("input[name='addresses-0-country']", "IL")
    with page.expect_navigation():
        page.locator("form[action$='/account/details'] button[type=submit]").click()
    assert page.locator("[data-pending-change]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "portal-review-account-375-he")
    assert not problems, problems
    phone.close()

    staff_problems = watch_page(browser_page)
    browser_login(browser_page, live_server)
    browser_page.goto(f"{live_server.url}/customers/portal-changes")
    assert browser_page.locator("ins").first.inner_text() == "נועה כהן-לוי"
    screenshot(browser_page, "portal-review-queue-en")
    with browser_page.expect_navigation():
        browser_page.get_by_role("button", name="Accept").click()
    assert "The new details are saved." in browser_page.inner_text("main")
    with app.app_context():
        saved = db.session.get(Customer, customer_id)
        assert saved.name == "נועה כהן-לוי" and saved.addresses[0].city == "תל אביב"
    assert not staff_problems, staff_problems
