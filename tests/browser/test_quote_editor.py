"""The quotation editor as a salesperson uses it: pick the customer, add three lines
(two from the catalog, one free-text), remove one, watch the totals, save; the saved
quotation's totals (computed by the server) match what the page showed."""
from __future__ import annotations

import re

import pytest

from core.testing import pick
from tests.browser.ux_seed import start

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales")]


def _amount(text: str) -> str:
    """The digits of a formatted amount ("1.234,56 EUR", "1,234.56 EUR" → "123456")."""
    return re.sub(r"\D", "", text)


# Numbers are typed and shown as each language writes them (Greek: decimal comma, grouping dot).
PRICE = {"en": "899.00", "he": "899.00", "el": "899,00"}
FREE_PRICE = {"en": "100.00", "he": "100", "el": "1.000,00"}
FREE_DISCOUNT = {"en": "10", "he": "10", "el": "91"}  # el: 1,000.00 less 91 % = 90.00, like 100 less 10 %


@pytest.mark.parametrize("lang", ["en", "he", "el"])
def test_add_three_lines_remove_one_and_totals(live_server, browser_page, screenshot, lang):
    page = browser_page
    _ids, problems = start(live_server, page, lang)
    page.goto(f"{live_server.url}/sales/orders/new")
    # The customer by phone as a person reads it out; two people share the name, the company tells them apart.
    pick(page, "#customer_id", "691 234 4691", choose="Ακμή")
    rows = page.locator("tr.order-line")
    assert rows.count() == 1

    # Line 1: the laptop from the catalog (24 % tax) — price, description and rate are filled in.
    pick(page, "#lines-0-product_id", "lapt", choose="Laptop 14")
    row = rows.nth(0)
    assert row.locator("[data-line=description]").input_value() == "Laptop 14"
    assert row.locator("[data-line=unit_price]").input_value() == PRICE[lang]
    assert row.locator("[data-line=tax_rate]").input_value() == "24"
    assert page.locator("[data-line=quantity]").first.evaluate("e => e === document.activeElement")
    page.keyboard.type("2")  # the quantity is selected: typing replaces it
    assert _amount(row.locator(".line-total").inner_text()) == "179800"

    # Line 2 (from the keyboard, Alt+Enter): ink at 13 %.
    page.keyboard.press("Alt+Enter")
    assert rows.count() == 2
    second_picker = rows.nth(1).locator("input[role=combobox]")
    assert second_picker.evaluate("e => e === document.activeElement")
    pick(page, f"#{second_picker.get_attribute('id')}", "INK", choose="Ink cartridge")
    page.keyboard.type("3")
    assert _amount(rows.nth(1).locator(".line-total").inner_text()) == "5997"

    # Line 3 (button): free text, 100.00 with 10 % discount (Greek: 1.000,00 less 91 %) and the default
    # rate (0 here).
    page.locator(".js-add-line").click()
    third = rows.nth(2)
    third.locator("[data-line=description]").fill("Εγκατάσταση")
    third.locator("[data-line=unit_price]").fill(FREE_PRICE[lang])
    third.locator("[data-line=discount_percent]").fill(FREE_DISCOUNT[lang])
    assert _amount(third.locator(".line-total").inner_text()) == "9000"
    # 1798.00 + 59.97 + 90.00 = 1947.97; tax 431.52 + 7.80 + 0 = 439.32
    assert _amount(page.locator(".js-subtotal").inner_text()) == "194797"
    assert _amount(page.locator(".js-tax").inner_text()) == "43932"
    assert _amount(page.locator(".js-total").inner_text()) == "238729"
    screenshot(page, f"quote-editor-three-lines-{lang}")

    # Remove the ink line: totals follow, and the rows are renumbered.
    rows.nth(1).locator(".js-remove-line").click()
    assert rows.count() == 2
    assert [n.strip() for n in page.locator("tr.order-line .line-no").all_inner_texts()] == ["1", "2"]
    assert _amount(page.locator(".js-subtotal").inner_text()) == "188800"
    assert _amount(page.locator(".js-tax").inner_text()) == "43152"
    shown_total = _amount(page.locator(".js-total").inner_text())
    assert shown_total == "231952"

    with page.expect_navigation():
        page.locator("#quote-editor button[type=submit]").click()
    assert re.search(r"/sales/orders/\d+$", page.url), page.url
    lines = page.locator("table.lines tbody tr")
    assert lines.count() == 2
    assert "Laptop 14" in lines.nth(0).inner_text() and "Εγκατάσταση" in lines.nth(1).inner_text()
    total_row = page.locator("table.lines tfoot tr.fw-bold")
    assert _amount(total_row.inner_text()) == shown_total  # the server agrees with the page
    assert not problems, problems
