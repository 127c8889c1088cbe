"""Headless Chromium: change a customer, read it on the Changes tab and in the audit log.

Screenshots land in test-artifacts/ (audit-*.png), in English and in Hebrew.
"""
from __future__ import annotations

import re

import pytest

from core.testing import browser_login

pytestmark = pytest.mark.browser

NAME = "Γιώργος Παπαδόπουλος"
NEW_NAME = "Γιώργος Παπαδόπουλος-Λεβί"


def _watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    return errors


def test_changes_tab_and_audit_log(live_server, browser_page, screenshot):
    page = browser_login(browser_page, live_server)
    errors = _watch_errors(page)
    page.goto(f"{live_server.url}/customers/new")
    page.fill("input[name=name]", NAME)
    page.fill("textarea[name=emails]", "giorgos@example.com")
    page.fill("input[name=tags]", "vip")
    with page.expect_navigation():
        page.click("form:has(input[name=name]) button[type=submit]")
    detail_url = page.url
    assert re.search(r"/customers/\d+$", detail_url)

    with page.expect_navigation():
        page.click("main a:has-text('Edit')")
    page.fill("input[name=name]", NEW_NAME)
    page.check("input[name=consent_sms]")
    with page.expect_navigation():
        page.click("form:has(input[name=name]) button[type=submit]")

    # The Changes tab, reached by clicking it on the customer page.
    tabs = page.locator("main .nav-tabs")
    assert tabs.locator("a.active").inner_text() == "Overview"
    screenshot(page, "audit-customer-tabs-en")
    with page.expect_navigation():
        tabs.locator("a", has_text="Changes").click()
    assert page.url.endswith("/changes")
    log = page.locator("main .audit-log")
    text = log.inner_text()
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
    screenshot(page, "audit-log-en")

    # The same log in Hebrew: right to left, labels translated, data unchanged.
    page.select_option("#lang-select", "he")
    with page.expect_navigation():
        page.click("footer form button[type=submit]")
    assert page.get_attribute("html", "dir") == "rtl"
    assert NEW_NAME in page.locator("main .audit-log").inner_text()
    screenshot(page, "audit-log-he")
    page.goto(detail_url + "/changes")
    screenshot(page, "audit-customer-changes-he")
    assert errors == []
