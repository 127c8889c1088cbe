"""Every menu of the shell opens, and no page it leads to has a JavaScript error or a
missing resource: with every first-party plugin enabled, in English and in Hebrew."""
from __future__ import annotations

import pytest

from tests.browser.ux_seed import start

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales", "service")]


@pytest.mark.parametrize("lang", ["en", "he"])
def test_every_menu_opens_and_every_page_is_clean(live_server, browser_page, lang):
    page = browser_page
    ids, problems = start(live_server, page, lang, opportunities=True)
    visited = set()

    def visit(url):
        if url in visited:
            return
        visited.add(url)
        page.goto(url)
        assert page.locator("nav .navbar-brand").is_visible()
        assert not problems, f"{url}: {problems}"
        # Page-level drop-downs (the customer page's "More") open too.
        for toggle in page.locator("main [data-bs-toggle=dropdown]").all():
            toggle.click()
            assert toggle.get_attribute("aria-expanded") == "true"
            page.keyboard.press("Escape")
        assert not problems, f"{url}: {problems}"

    page.goto(f"{live_server.url}/")
    top_links, groups = [], 0
    for item in page.locator("#mainnav > ul.navbar-nav.me-auto > li").all():
        toggle = item.locator("[data-bs-toggle=dropdown]")
        if toggle.count():
            groups += 1
            toggle.click()
            menu = item.locator(".dropdown-menu")
            menu.wait_for(state="visible")  # failed while Popper was missing
            assert toggle.get_attribute("aria-expanded") == "true"
            top_links += [a.get_attribute("href") for a in menu.locator("a.dropdown-item").all()]
            page.keyboard.press("Escape")
            assert not menu.is_visible()
        else:
            top_links.append(item.locator("a").get_attribute("href"))
    assert groups >= 1 and len(top_links) >= 8, top_links  # Customers … Service, Users, Roles, Plugins
    assert not problems, problems
    for href in top_links:
        visit(live_server.url + href)
    # Each menu page's own tabs (sales and service have a tab bar) and the record pages.
    for href in top_links:
        page.goto(live_server.url + href)
        for sub in page.locator("main .nav a.nav-link").all():
            target = sub.get_attribute("href") or ""
            if target.startswith("/") and "cursor=" not in target:
                visit(live_server.url + target)
    for path in (f"/customers/{ids['pavlos1']}", f"/customers/{ids['acme']}/edit", "/customers/new",
                 "/sales/orders/new", "/sales/opportunities/new", f"/service/equipment/{ids['equipment']}",
                 "/service/requests/new", "/service/equipment/new", "/search?q=Παύλος"):
        visit(live_server.url + path)
    assert len(visited) >= 20
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(live_server.url + icon).ok  # every page names it: no /favicon.ico guess
    assert "· Rapport" in page.title()
