"""The navbar's search answers as one types: results grouped by kind, with the details that
tell two people of the same name apart; a phone typed with spaces or a country code finds
its owner; the keyboard opens a result. In English and Hebrew."""
from __future__ import annotations

import re

import pytest

from tests.browser.ux_seed import start

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales", "service")]


def _groups(page, showing: str):
    """The visible results by group label, once a result containing ``showing`` is listed."""
    listbox = page.locator("#global-search-list")
    listbox.locator("[role=option]", has_text=showing).first.wait_for(state="visible")
    out = {}
    for group in listbox.locator("[role=group]").all():
        label = page.locator("#" + group.get_attribute("aria-labelledby")).inner_text().strip()
        out[label] = group.locator("[role=option]").all_inner_texts()
    return out


@pytest.mark.parametrize("lang", ["en", "he"])
def test_live_search_as_you_type(live_server, browser_page, screenshot, lang):
    page = browser_page
    ids, problems = start(live_server, page, lang, opportunities=True)
    box = page.locator("#global-search")
    assert box.get_attribute("role") == "combobox"

    box.press_sequentially("γεωργ", delay=20)
    groups = _groups(page, "Παύλος")
    people = next(v for k, v in groups.items() if any("Παύλος" in o for o in v))
    assert len(people) == 2
    assert any("Ακμή" in o and "Αθήνα" in o and "pavlos@akmi.gr" in o for o in people), people
    assert any("Όλυμπος" in o and "Θεσσαλονίκη" in o for o in people), people
    screenshot(page, f"global-search-{lang}")

    # Two kinds at once: the product and the opportunity "Laptop fleet".
    box.fill("")
    box.press_sequentially("laptop", delay=20)
    groups = _groups(page, "LAP-14")
    assert len(groups) >= 2, groups  # products and opportunities ("Laptop fleet")
    assert any("LAP-14" in o for v in groups.values() for o in v), groups

    for typed in ("691 234 4691", "+30 691 234 4691"):
        box.fill("")
        page.wait_for_selector("#global-search[aria-expanded=false]")  # the last results are gone
        box.press_sequentially(typed, delay=20)
        page.wait_for_function("() => !document.querySelector('#global-search[aria-busy]')")
        groups = _groups(page, "Ακμή")
        found = [o for v in groups.values() for o in v]
        assert len(found) == 1 and "Ακμή" in found[0], (typed, groups)

    # ↓ then Enter opens the result.
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant")
    with page.expect_navigation():
        box.press("Enter")
    assert page.url.endswith(f"/customers/{ids['pavlos1']}")

    # Enter without choosing still runs the full search page.
    page.locator("#global-search").press_sequentially("παυλος")
    with page.expect_navigation():
        page.locator("#global-search").press("Enter")
    assert re.search(r"/search\?q=", page.url)
    assert page.locator("main").inner_text().count("Παύλος Γεωργίου") == 2
    assert not problems, problems
