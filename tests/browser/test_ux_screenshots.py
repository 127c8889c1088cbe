"""Screenshots of the pages staff live in, at a laptop's 1366 px and a tablet's 768 px,
in English and in Hebrew (test-artifacts/ux-<page>-<lang>-<width>.png), with the layout
checks a person makes when looking at them: nothing wider than the screen, the kanban's
columns all in view at 1366 px."""
from __future__ import annotations

import pytest

from tests.browser.ux_seed import start

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales", "service")]


def _no_sideways_scroll(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the window"


@pytest.mark.parametrize("lang", ["en", "he"])
def test_pages_at_laptop_and_tablet_width(live_server, browser_page, screenshot, lang):
    page = browser_page
    ids, problems = start(live_server, page, lang, opportunities=True)
    pages = {"dashboard": "/", "customer": f"/customers/{ids['pavlos1']}",
             "quotation": f"/sales/orders/new?customer_id={ids['pavlos1']}", "pipeline": "/sales/",
             "reliability": "/service/reliability"}
    for width in (1366, 768):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            page.goto(live_server.url + path)
            if name == "quotation":
                page.locator(".js-add-line").click()
                page.locator(".js-add-line").click()
            _no_sideways_scroll(page)
            if name == "customer":
                height = page.evaluate("document.documentElement.scrollHeight")
                assert height <= 2 * 900, f"the customer page is {height}px tall at {width}px"
            if name == "pipeline" and width == 1366:
                board = page.locator("#kanban")
                assert board.evaluate("b => b.scrollWidth <= b.clientWidth + 1"), "kanban cut off at 1366 px"
            screenshot(page, f"ux-{name}-{lang}-{width}")
    assert not problems, problems
