"""Browser test: a complaint from the customer page through to resolution, as staff click
it, in English and in Hebrew (screenshots of the list, the complaint, the customer tab,
the statistics and the settings); fails on any JavaScript error or failed resource."""
from __future__ import annotations

import pytest

from core.db import db
from core.testing import browser_login, choose_language, watch_page
from plugins.complaints.tests import complaints_testdata as td

pytestmark = [pytest.mark.browser, pytest.mark.plugins("complaints", "sales")]


@pytest.mark.parametrize("lang", ["en", "he"])
def test_open_and_resolve_a_complaint_in_the_browser(app, live_server, browser_page, screenshot, lang):
    from core.history.service import log_interaction
    from plugins.complaints.stats import refresh

    with app.app_context():
        customer = td.customer(name="דנה כהן" if lang == "he" else "Dana Cohen", email="dana@example.com",
                               language=lang)
        log_interaction(customer.id, channel="phone", direction="inbound", subject="Kettle leaks",
                        body="Bought last week")
        db.session.commit()
        customer_id = customer.id
    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    choose_language(page, lang)
    page.goto(f"{live_server.url}/customers/{customer_id}#tab-complaints")
    page.click("a[href$='#tab-complaints'], button[data-bs-target='#tab-complaints']") \
        if page.locator("a[href$='#tab-complaints'], button[data-bs-target='#tab-complaints']").count() else None
    screenshot(page, f"complaints-customer-tab-{lang}")
    page.click(f"a[href='/complaints/new?customer_id={customer_id}']")
    page.fill("#title", "Το δέμα ήρθε σπασμένο" if lang == "en" else "הקומקום דולף")
    page.fill("#description", "Leaks from the bottom")
    page.select_option("#severity_id", label="High" if lang == "en" else "גבוהה")
    screenshot(page, f"complaints-new-{lang}")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/complaints/" in page.url and page.locator(".alert-success").count() == 1
    with page.expect_navigation():
        page.click("form[action$='/acknowledge'] button")
    page.click("details:has(form[action$='/resolve']) summary")
    page.fill("#resolution", "Replaced the kettle")
    page.select_option("#root_cause_id", index=1)
    page.fill("#compensation_amount", "15.00")
    screenshot(page, f"complaints-resolve-{lang}")
    with page.expect_navigation():
        page.click("form[action$='/resolve'] button[type=submit]")
    assert page.locator(".badge", has_text="Resolved" if lang == "en" else "טופלה").count() >= 1
    screenshot(page, f"complaints-detail-{lang}")
    page.goto(f"{live_server.url}/complaints/?view=team&state=resolved")
    screenshot(page, f"complaints-list-{lang}")
    with app.app_context():
        refresh()
        db.session.commit()
    page.goto(f"{live_server.url}/complaints/stats")
    assert page.locator("svg").count() >= 2
    screenshot(page, f"complaints-stats-{lang}")
    page.goto(f"{live_server.url}/complaints/settings")
    screenshot(page, f"complaints-settings-{lang}")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "he" else "ltr")
    assert problems == [], problems
