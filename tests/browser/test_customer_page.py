"""The customer page's header and actions: log a call, schedule a follow-up (an invalid
one shows its error beside the form, scrolled into view), start a quotation or a service
request from the action bar, and plugin panels in tabs; in English and Hebrew."""
from __future__ import annotations

import pytest

from core.testing import pick
from tests.browser.ux_seed import start

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales", "service")]


def _in_view(page, selector) -> bool:
    return page.locator(selector).evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; }")


def _opened(page, selector):
    """Wait until Bootstrap has finished opening the collapsed form: a click while it is still
    sliding open can land on a button that moves away under the pointer (seen under load)."""
    page.wait_for_selector(f"{selector}.collapse.show:not(.collapsing)", state="visible")


# A submit is answered by the live server; under a loaded CI machine that can take longer than
# the 15 s default, which says nothing about the page.
NAVIGATION_TIMEOUT = 45_000


@pytest.mark.parametrize("lang", ["en", "he"])
def test_actions_from_the_header(live_server, browser_page, screenshot, lang):
    page = browser_page
    ids, problems = start(live_server, page, lang)
    url = f"{live_server.url}/customers/{ids['pavlos1']}"
    page.goto(url)
    toolbar = page.locator(".customer-actions")
    buttons = toolbar.locator("a, button").all_inner_texts()
    assert len(buttons) >= 6, buttons  # log, follow-up, opportunity, quotation, service request, More
    header = page.locator("main section.card").first.inner_text()
    assert "pavlos@akmi.gr" in header and "+306912344691" in header

    # Log a call: the form opens in place, the entry lands on the timeline.
    log_form = page.locator("#log-interaction")
    assert not log_form.is_visible()
    toolbar.locator("[data-bs-target='#log-interaction']").click()
    _opened(page, "#log-interaction")
    log_form.locator("select[name=channel]").select_option("phone")
    log_form.locator("input[name=subject]").fill("Ζήτησε προσφορά")
    with page.expect_navigation(timeout=NAVIGATION_TIMEOUT):
        log_form.locator("button[type=submit]").click()
    assert "Ζήτησε προσφορά" in page.locator("#timeline").inner_text()

    # A follow-up without a summary: the error is next to that form, in view, nothing saved.
    page.set_viewport_size({"width": 1280, "height": 700})
    toolbar = page.locator(".customer-actions")
    toolbar.locator("[data-bs-target='#schedule-follow-up']").click()
    form = page.locator("#schedule-follow-up")
    _opened(page, "#schedule-follow-up")
    with page.expect_navigation(timeout=NAVIGATION_TIMEOUT):
        form.locator("button[type=submit]").click()
    assert form.is_visible()
    error = form.locator(".invalid-feedback")
    assert error.count() >= 1 and error.first.is_visible()
    assert _in_view(page, "#schedule-follow-up .invalid-feedback")
    assert page.evaluate("document.activeElement.name") == "summary"
    screenshot(page, f"customer-followup-error-{lang}")
    # Now properly, assigned through the user picker.
    form.locator("input[name=summary]").fill("Να τηλεφωνήσω την Πέμπτη")
    pick(page, "#assignee_id", "adm", choose="Admin")
    with page.expect_navigation(timeout=NAVIGATION_TIMEOUT):
        form.locator("button[type=submit]").click()
    assert page.url.endswith("#tab-activities")
    assert page.locator("#pane-activities").is_visible()  # the tab named in the address is open
    assert "Να τηλεφωνήσω την Πέμπτη" in page.locator("#pane-activities").inner_text()

    # Plugin panels are tabs; the service tab shows the equipment.
    page.locator("#tab-btn-service").click()
    assert "SN-4471-A" in page.locator("#pane-service").inner_text()
    assert not page.locator("#pane-timeline").is_visible()

    # Plugin actions: a quotation and a service request for this customer.
    quotation = page.locator(f".customer-actions a[href$='/sales/orders/new?customer_id={ids['pavlos1']}']")
    with page.expect_navigation(timeout=NAVIGATION_TIMEOUT):
        quotation.click()
    assert page.locator("#customer_id-value").input_value() == str(ids["pavlos1"])
    assert "Παύλος Γεωργίου" in page.locator("#customer_id").input_value()
    page.goto(url)
    request = page.locator(f".customer-actions a[href$='/service/requests/new?customer_id={ids['pavlos1']}']")
    with page.expect_navigation(timeout=NAVIGATION_TIMEOUT):
        request.click()
    # The equipment picker offers this customer's units first thing.
    page.locator("#equipment_id").press_sequentially("lap")
    listbox = page.locator("#equipment_id-listbox [role=option]")
    listbox.first.wait_for(state="visible")
    assert listbox.count() == 1 and "SN-4471-A" in listbox.first.inner_text()
    assert not problems, problems
