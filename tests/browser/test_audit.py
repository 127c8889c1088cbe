"""Headless Chromium: change a customer, read it on the Changes tab and in the audit log.

Screenshots land in test-artifacts/ (audit-*.png), in English and in Hebrew.
"""
from __future__ import annotations

import re

import pytest

from core.testing import browser_login, choose_language, watch_page

pytestmark = pytest.mark.browser

NAME = "Γιώργος Παπαδόπουλος"
NEW_NAME = "Γιώργος Παπαδόπουλος-Λεβί"


def test_changes_tab_and_audit_log(app, live_server, browser_page, screenshot):
    page = browser_login(browser_page, live_server)
    problems = watch_page(page)
    page.goto(f"{live_server.url}/customers/new")
    page.fill("input[name=name]", NAME)
    page.fill("textarea[name=emails]", "giorgos@example.com")
    page.fill("input[name=tags]", "vip")
    with page.expect_navigation():
        page.click("form:has(input[name=name]) button[type=submit]")
    detail_url = page.url
    assert re.search(r"/customers/\d+$", detail_url)

    # Edit it from the action bar's "More" menu.
    actions = page.locator(".customer-actions")
    actions.locator("button.dropdown-toggle").click()
    with page.expect_navigation():
        actions.locator("a.dropdown-item", has_text="Edit").click()
    page.fill("input[name=name]", NEW_NAME)
    page.check("input[name=consent_sms]")
    with page.expect_navigation():
        page.click("form:has(input[name=name]) button[type=submit]")

    # The Changes tab of the customer page: who changed what, old → new.
    page.locator(".customer-tabs button", has_text="Changes").click()
    pane = page.locator("#pane-changes.show")  # shown once the tab's fade-in has ended
    pane.wait_for(state="visible")
    page.locator("#pane-changes").evaluate("e => new Promise(done => { const t = () => getComputedStyle(e).opacity === '1' ? done() : setTimeout(t, 20); t(); })")
    text = pane.inner_text()
    assert NAME in text and NEW_NAME in text  # name: old → new
    assert "changed" in text and "created" in text
    assert "Marketing consent" in text
    assert "Admin" in text  # who
    screenshot(page, "audit-customer-changes-en")

    # The audit log from the menu, filtered to customers.
    page.click("nav a.dropdown-toggle:has-text('Administration')")
    with page.expect_navigation():
        page.click("nav a.dropdown-item:has-text('Audit log')")
    page.select_option("select[name=type]", "customer")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    entries = page.locator("main .audit-log > li")
    assert entries.count() == 2
    assert "logged in" not in page.locator("main .audit-log").inner_text()

    # More filters at once: who, what kind of action, which days; the form keeps them.
    with app.test_request_context():  # the reader's today, typed their way (English: 11/27/2026)
        from core.l10n import input_date, local_today

        today = input_date(local_today())
    page.select_option("select[name=user]", label="Admin <admin@example.com>")
    page.select_option("select[name=action]", "update")
    page.fill("input[name=since]", today)
    page.fill("input[name=until]", today)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert entries.count() == 1 and NEW_NAME in entries.first.inner_text()
    assert page.input_value("select[name=action]") == "update" and page.input_value("input[name=since]") == today
    screenshot(page, "audit-log-en")
    page.select_option("select[name=origin]", "job")  # nothing of this was done by a job
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert entries.count() == 1 and "No entries." in entries.first.inner_text()
    with page.expect_navigation():
        page.click("main form a:has-text('Clear')")
    assert page.input_value("select[name=type]") == "" and entries.count() > 2
    page.select_option("select[name=type]", "customer")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    # The same log in Hebrew: right to left, labels translated, data unchanged.
    choose_language(page, "he")
    assert page.get_attribute("html", "dir") == "rtl"
    log = page.locator("main .audit-log").inner_text()
    assert NEW_NAME in log and "שונה" in log  # "changed"
    screenshot(page, "audit-log-he")
    page.goto(detail_url + "#tab-changes")  # the address opens the tab
    page.locator("#pane-changes.show").wait_for(state="visible")
    page.locator("#pane-changes").evaluate("e => new Promise(done => { const t = () => getComputedStyle(e).opacity === '1' ? done() : setTimeout(t, 20); t(); })")
    assert "הסכמה לדיוור שיווקי" in page.locator("#pane-changes").inner_text()  # "Marketing consent"
    screenshot(page, "audit-customer-changes-he")
    assert problems == []
