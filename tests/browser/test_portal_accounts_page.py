"""Headless Chromium: staff open Administration → Portal accounts from the menu, search, turn
self sign-up on, and read the page in Hebrew (right to left).
Screenshots: test-artifacts/portal-accounts-en.png, portal-accounts-he.png."""
from __future__ import annotations

import pytest

from core.testing import browser_login, choose_language, portal_account, watch_page

pytestmark = [pytest.mark.browser, pytest.mark.plugins()]


def test_staff_find_portal_accounts_and_turn_sign_up_on(live_server, browser_page, screenshot):
    from core.customers.service import create_customer
    from core.db import db, utcnow
    from core.portal.models import PortalAccount

    app = live_server.app
    app.config["PORTAL_SIGNUP"] = False
    with app.app_context():
        ids = [create_customer({"name": name, "emails": [email], "preferred_language": lang}).id
               for name, email, lang in (("Ζωή Παπαδοπούλου", "zoe@example.com", "el"),
                                         ("נועה כהן", "noa@example.com", "he"),
                                         ("Jonas Petraitis", "jonas@example.com", "lt"))]
        db.session.commit()
    for customer_id in ids:
        portal_account(app, customer_id)
    with app.app_context():
        db.session.get(PortalAccount, 1).last_login_at = utcnow()
        db.session.get(PortalAccount, 3).active = False
        db.session.commit()
    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    page.get_by_role("button", name="Administration").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Portal accounts").click()
    assert page.locator("tr[data-account]").count() == 3
    page.fill("#portal-q", "noa@")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert page.locator("tr[data-account]").count() == 1 and "נועה כהן" in page.inner_text("tbody")
    with page.expect_navigation():
        page.get_by_role("button", name="Turn self sign-up on").click()
    assert page.locator("[data-signup=on]").count() == 1
    screenshot(page, "portal-accounts-en")
    choose_language(page, "he")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("tr[data-account]").count() == 3 and "חשבונות פורטל" in page.inner_text("h1")
    screenshot(page, "portal-accounts-he")
    assert not problems, problems
