"""Headless Chromium: create a customer with a Greek name, log a call, find them again.

Screenshots land in test-artifacts/ (customer-*.png), in English and in Hebrew.
"""
from __future__ import annotations

import re

import pytest

from core.testing import browser_login, choose_language

pytestmark = pytest.mark.browser

NAME = "Γιώργος Παπαδόπουλος"
CALL = "Τηλεφώνημα για την προσφορά"
OTHER = "Zoë Brontë"


def _add_other_customer(app):
    """A second customer, so the search has something to leave out."""
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": OTHER})
        db.session.commit()


def _create_customer(page, server):
    page.goto(f"{server.url}/customers/new")
    page.fill("input[name=name]", NAME)
    page.fill("textarea[name=emails]", "Giorgos.Papadopoulos@Example.com")
    page.fill("textarea[name=phones]", "691 234 5678")  # read with the default region (GR)
    page.fill("input[name=tags]", "vip, νέος")
    with page.expect_navigation():
        page.click("form:has(input[name=name]) button[type=submit]")
    assert re.search(r"/customers/\d+$", page.url), page.url
    return page.url


def test_create_log_call_and_find_without_accents(live_server, browser_page, screenshot):
    _add_other_customer(live_server.app)
    page = browser_login(browser_page, live_server)
    detail_url = _create_customer(page, live_server)
    main = page.locator("main")
    assert NAME in main.inner_text()
    assert "+306912345678" in main.inner_text()  # normalised to E.164
    assert "giorgos.papadopoulos@example.com" in main.inner_text()

    page.locator(".customer-actions [data-bs-target='#log-interaction']").click()  # opens the form in place
    log_form = page.locator("form[action$='/interactions']")
    log_form.wait_for(state="visible")
    log_form.locator("select[name=channel]").select_option("phone")
    log_form.locator("select[name=direction]").select_option("outbound")
    log_form.locator("input[name=subject]").fill(CALL)
    log_form.locator("textarea[name=body]").fill("Wants the quotation <b>by Friday</b>.")
    with page.expect_navigation():
        log_form.locator("button[type=submit]").click()
    timeline = page.locator("#timeline")
    assert CALL in timeline.inner_text()
    assert "<b>by Friday</b>" in timeline.inner_text()  # HTML typed by a user is shown as text
    screenshot(page, "customer-detail-en")

    # Unaccented, lower-case Greek finds the accented name.
    page.goto(f"{live_server.url}/customers")
    assert OTHER in page.locator("main").inner_text()
    page.fill("main form[role=search] input[name=q]", "παπαδοπουλος")
    with page.expect_navigation():
        page.click("main form[role=search] button[type=submit]")
    assert page.input_value("main form[role=search] input[name=q]") == "παπαδοπουλος"
    assert OTHER not in page.locator("main").inner_text()
    link = page.locator("main a", has_text=NAME)
    assert link.count() == 1
    screenshot(page, "customer-search-en")
    with page.expect_navigation():
        link.first.click()
    assert page.url.split("#")[0] == detail_url

    # The same page in Hebrew is right-to-left, and the Greek data is unchanged.
    choose_language(page, "he")
    assert page.get_attribute("html", "dir") == "rtl"
    assert NAME in page.locator("main").inner_text()
    screenshot(page, "customer-detail-he")


def test_bad_phone_keeps_what_was_typed(live_server, browser_page, screenshot):
    page = browser_login(browser_page, live_server)
    page.goto(f"{live_server.url}/customers/new")
    page.fill("input[name=name]", "Šarūnas Žemaitis")
    page.fill("textarea[name=phones]", "not a phone")
    page.click("form:has(input[name=name]) button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/customers/new")
    assert page.input_value("input[name=name]") == "Šarūnas Žemaitis"
    assert "not a phone" in page.locator("main").inner_text()
    screenshot(page, "customer-form-error-en")


def test_erase_personal_data_after_confirming(live_server, browser_page, screenshot):
    """The erase button asks first (dismissing keeps everything), then erases the person and
    keeps the page usable, in English and in Hebrew."""
    page = browser_login(browser_page, live_server)
    detail_url = _create_customer(page, live_server)
    erase = page.locator("form[action$='/erase'] button[type=submit]")

    def open_more():  # the action sits in the customer page's "More" menu, beside Delete
        if not erase.is_visible():
            page.locator("#more-actions").click()
        erase.wait_for(state="visible")

    open_more()
    assert erase.inner_text() == "Erase personal data"
    screenshot(page, "customer-more-menu-en")
    page.once("dialog", lambda dialog: dialog.dismiss())
    erase.click()
    page.wait_for_timeout(300)
    assert NAME in page.locator("main").inner_text()  # dismissed: nothing happened
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    open_more()
    with page.expect_navigation():
        erase.click()
    assert "cannot be undone" in messages[0] and "Orders, equipment" in messages[0]
    main = page.locator("main").inner_text()
    assert page.url.split("#")[0] == detail_url
    assert NAME not in main and "giorgos" not in main.lower() and "Personal data erased on" in main
    assert page.locator("form[action$='/erase']").count() == 0  # once is enough
    screenshot(page, "customer-erased-en")
    choose_language(page, "he")
    assert page.get_attribute("html", "dir") == "rtl"
    assert "הנתונים האישיים נמחקו" in page.locator("main").inner_text()
    screenshot(page, "customer-erased-he")
