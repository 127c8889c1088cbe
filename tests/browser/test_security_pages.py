"""Headless Chromium: the profile's sessions and "Log out everywhere", and a stale customer
form refused with what changed. Screenshots: test-artifacts/security-*.png (English, Hebrew)."""
from __future__ import annotations

import pytest

from core.testing import ADMIN_EMAIL, PASSWORD, browser_login, choose_language, watch_page

pytestmark = pytest.mark.browser


def _hebrew(page):
    choose_language(page, "he")
    assert page.get_attribute("html", "dir") == "rtl"


def test_profile_sessions_and_log_out_everywhere(live_server, browser_page, screenshot):
    problems = watch_page(browser_page)
    other = live_server.app.test_client()  # a second browser, logged in elsewhere
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', other.get("/login").get_data(as_text=True)).group(1)
    assert other.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": token},
                      headers={"User-Agent": "Mozilla/5.0 (Android 14; Mobile) Firefox/128.0"}).status_code == 302
    page = browser_login(browser_page, live_server)
    page.goto(f"{live_server.url}/profile")
    rows = page.locator("[data-session-row]")
    assert rows.count() == 2
    assert rows.filter(has_text="This browser").count() == 1
    assert "Firefox/128.0" in rows.filter(has_text="Android").inner_text()
    screenshot(page, "security-profile-sessions-en")
    _hebrew(page)
    screenshot(page, "security-profile-sessions-he")
    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("form[action$='/profile/sessions/end-all'] button[type=submit]")
    assert "/login" in page.url
    assert other.get("/profile").status_code == 302  # the other browser is logged out too
    assert not problems, problems


def test_stale_customer_form_shows_what_changed(live_server, browser_page, screenshot):
    from core.customers.models import Customer
    from core.customers.service import create_customer, update_customer
    from core.db import db

    app = live_server.app
    with app.app_context():
        cid = create_customer({"name": "Ρένα Κωστοπούλου", "notes": "Πελάτισσα από το 2019"}).id
        db.session.commit()
    problems = watch_page(browser_page)
    page = browser_login(browser_page, live_server)
    for lang in ("en", "he"):
        page.goto(f"{live_server.url}/customers/{cid}/edit")
        page.fill("input[name=name]", "Ρένα Κωστοπούλου-Αλεξίου")
        with app.app_context():  # meanwhile, a colleague saves a change
            update_customer(db.session.get(Customer, cid), {"notes": f"Καλεί μόνο μετά τις 18:00 ({lang})"})
            db.session.commit()
        with page.expect_navigation():
            page.click("form:has(input[name=name]) button[type=submit]")
        notice = page.locator("main .alert-warning")
        assert f"18:00 ({lang})" in notice.inner_text()
        assert page.input_value("input[name=name]") == "Ρένα Κωστοπούλου-Αλεξίου"  # kept
        screenshot(page, f"security-stale-customer-{lang}")
        if lang == "en":
            _hebrew(page)
    with app.app_context():
        assert db.session.get(Customer, cid).name == "Ρένα Κωστοπούλου"
    assert not problems, problems
