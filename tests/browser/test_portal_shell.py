"""Headless Chromium: staff invite a customer from the customer page, the customer chooses a
password on a phone (375 px), finds the menu and the account page, switches to Hebrew, and staff
open "View as customer". Screenshots: test-artifacts/portal-*.png (English, Hebrew, Persian)."""
from __future__ import annotations

import pytest

from core.testing import browser_login, choose_language, portal_links_sent, watch_page

pytestmark = [pytest.mark.browser, pytest.mark.plugins()]

PHONE = {"width": 375, "height": 740}
NEW_PASSWORD = "amber-quartz-meadow-58"


def _customer(app):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        customer = create_customer({"name": "Ζωή Παπαδοπούλου", "emails": ["zoe@example.com"],
                                    "preferred_language": "en",
                                    "addresses": [{"label": "Home", "street": "Οδός Ερμού 12", "city": "Αθήνα",
                                                   "postcode": "10563", "country": "GR"}]})
        db.session.commit()
        return customer.id


def test_invite_set_password_on_a_phone_and_view_as_customer(live_server, browser_page, _playwright_browser,
                                                             screenshot):
    app = live_server.app
    customer_id = _customer(app)
    staff = browser_page
    staff_problems = watch_page(staff)
    browser_login(staff, live_server)
    staff.goto(f"{live_server.url}/customers/{customer_id}#tab-portal")
    staff.get_by_role("tab", name="Portal").click()
    with staff.expect_navigation():
        staff.get_by_role("button", name="Invite to the portal").click()
    assert "The invitation to zoe@example.com is on its way." in staff.inner_text("main")
    staff.get_by_role("button", name="View as customer").wait_for()  # the tab's content has loaded
    assert "invited, no password yet" in staff.inner_text("main")
    screenshot(staff, "portal-staff-panel-en")
    [link] = portal_links_sent(app, "portal.invitation")

    phone = _playwright_browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = phone.new_page()
    problems = watch_page(page)
    page.goto(link)
    screenshot(page, "portal-welcome-375-en")
    page.fill("input[name=new]", NEW_PASSWORD)
    page.fill("input[name=confirm]", NEW_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Save the password and log in").click()
    assert page.url.endswith("/portal/")
    assert "Welcome, Ζωή Παπαδοπούλου" in page.inner_text("h1")
    screenshot(page, "portal-home-375-en")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sticks out
    page.get_by_role("button", name="Menu").click()
    with page.expect_navigation():
        page.get_by_role("link", name="My account").click()
    assert page.input_value("input[name='addresses-0-street']") == "Οδός Ερμού 12"
    screenshot(page, "portal-account-375-en")
    choose_language(page, "he")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "portal-account-375-he")
    page.locator(".navbar-toggler").click()
    with page.expect_navigation():
        page.locator("nav form button[type=submit]").click()  # log out
    assert "/portal/login" in page.url
    choose_language(page, "fa")
    screenshot(page, "portal-login-375-fa")
    assert not problems, problems
    phone.close()

    # Staff: "View as customer" opens the portal read-only in a new tab (customer's language: Hebrew now).
    with staff.context.expect_page() as opened:
        staff.get_by_role("button", name="View as customer").click()
    viewer = opened.value
    viewer.wait_for_url("**/portal/")
    assert viewer.get_attribute("html", "dir") == "rtl"
    assert viewer.locator(".portal-viewing").count() == 1
    screenshot(viewer, "portal-view-as-he")
    assert not staff_problems, staff_problems
