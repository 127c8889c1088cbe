"""Headless Chromium drives the real pages: logging in, and the right-to-left layout."""
from __future__ import annotations

import pytest

from core.testing import browser_login, choose_language

pytestmark = pytest.mark.browser


def test_login_shows_the_dashboard(live_server, browser_page, screenshot):
    page = browser_page
    page.goto(f"{live_server.url}/customers")
    assert "/login" in page.url  # not logged in: sent to the login page
    page.fill("input[name=email]", "admin@example.com")
    page.fill("input[name=password]", "wrong password!")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/login" in page.url
    screenshot(page, "login-rejected")
    browser_login(page, live_server)
    assert page.locator("nav").first.is_visible()
    assert page.get_attribute("html", "dir") == "ltr"
    assert "<p" not in page.locator("main").inner_text()  # widgets render as HTML, not as escaped markup
    screenshot(page, "dashboard-en")


def test_switching_to_hebrew_turns_the_page_right_to_left(live_server, browser_page, screenshot):
    page = browser_login(browser_page, live_server)
    choose_language(page, "he")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "he"
    # The choice is the user's: a new page load keeps it.
    page.goto(f"{live_server.url}/")
    assert page.get_attribute("html", "dir") == "rtl"
    screenshot(page, "dashboard-he")
    choose_language(page, "en")
    assert page.get_attribute("html", "dir") == "ltr"
