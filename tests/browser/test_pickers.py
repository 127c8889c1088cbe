"""Type-ahead pickers wherever a customer, company, product, user or piece of equipment is
chosen: found by name (without accents), phone as typed, email or serial; people of the same
name told apart by company, city and email; chosen with the keyboard; in English and Hebrew."""
from __future__ import annotations

import re

import pytest

from core.testing import pick
from tests.browser.ux_seed import start

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales", "service")]


def _options(page, box_selector, problems=()):
    box = page.locator(box_selector)
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    try:
        listbox.locator("[role=option]").first.wait_for(state="visible")
    except Exception as exc:
        raise AssertionError(f"no options for {box.input_value()!r}; page problems: {list(problems)}") from exc
    return listbox.locator("[role=option]").all_inner_texts()


@pytest.mark.parametrize("lang", ["en", "he"])
def test_pickers_in_every_form(live_server, browser_page, screenshot, lang):
    page = browser_page
    ids, problems = start(live_server, page, lang)

    # Opportunity: two "Παύλος Γεωργίου" — the details tell them apart; ARIA combobox pattern.
    page.goto(f"{live_server.url}/sales/opportunities/new")
    box = page.locator("#customer_id")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("παυλος γεωργιου", delay=10)
    options = _options(page, "#customer_id")
    assert len(options) == 2, options
    assert any("Ακμή" in o and "Αθήνα" in o and "pavlos@akmi.gr" in o for o in options), options
    assert any("Όλυμπος" in o and "Θεσσαλονίκη" in o for o in options), options
    assert box.get_attribute("aria-expanded") == "true"
    screenshot(page, f"picker-customer-{lang}")
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    pick(page, "#customer_id", "παυλος γεωργιου", choose="Όλυμπος")
    assert page.locator("#customer_id-value").input_value() == str(ids["pavlos2"])
    page.fill("#title", "Νέοι εκτυπωτές")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert re.search(r"/sales/opportunities/\d+$", page.url), page.url
    assert page.locator(f"main a[href='/customers/{ids['pavlos2']}']").count() == 1

    # Phone in the forms people say it: with spaces, with the country code, with 00.
    for typed in ("691 234 4691", "+30 691 234 4691", "0030 6912344691"):
        page.goto(f"{live_server.url}/sales/opportunities/new")
        options = _options(page, "#customer_id") if page.locator("#customer_id").press_sequentially(typed) is None \
            else []
        assert len(options) == 1 and "Ακμή" in options[0], (typed, options)

    # Equipment: customer and catalog product pickers.
    page.goto(f"{live_server.url}/service/equipment/new")
    pick(page, "#customer_id", "rachel@example", choose="רחל כהן")
    pick(page, "#product_id", "ink", choose="Ink cartridge")
    page.fill("#serial", "INK-77")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert re.search(r"/service/equipment/\d+$", page.url), page.url
    assert page.locator(f"main a[href='/customers/{ids['rachel']}']").count() >= 1
    assert page.locator(f"main a[href='/catalog/{ids['ink']}']").count() == 1  # the product is a link

    # Service request: the equipment picker finds a unit by serial and shows whose it is.
    page.goto(f"{live_server.url}/service/requests/new")
    page.locator("#equipment_id").press_sequentially("sn-4471")
    options = _options(page, "#equipment_id", problems)
    assert len(options) == 1 and "Παύλος Γεωργίου" in options[0], options
    page.locator("#equipment_id").press("Enter")
    assert page.locator("#equipment_id-value").input_value() == str(ids["equipment"])
    page.fill("#problem", "Δεν ανάβει")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert re.search(r"/service/requests/\d+$", page.url), page.url

    # Customer form: the company picker offers companies only; the owner is a user picker.
    page.goto(f"{live_server.url}/customers/{ids['rachel']}/edit")
    page.locator("#company").press_sequentially("α")
    options = _options(page, "#company")
    assert options and all("Παύλος" not in o for o in options), options
    pick(page, "#company", "ολυμπ", choose="Όλυμπος")
    pick(page, "#owner_id", "adm", choose="Admin")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.url.rstrip("/").endswith(f"/customers/{ids['rachel']}"), page.url
    header = page.locator("main section.card").first.inner_text()
    assert "Όλυμπος Ο.Ε." in header and "Admin" in header

    # Merge: pick the other customer by email, then the confirmation page.
    page.goto(f"{live_server.url}/customers/{ids['pavlos1']}")
    page.locator("#more-actions").click()
    page.locator("[data-bs-target='#merge-customer']").click()
    pick(page, "#other_id", "olympos.gr", choose="Παύλος")
    with page.expect_navigation():
        page.locator("#merge-customer button[type=submit]").click()
    assert page.url.endswith(f"/customers/{ids['pavlos1']}/merge/{ids['pavlos2']}"), page.url
    assert not problems, problems
