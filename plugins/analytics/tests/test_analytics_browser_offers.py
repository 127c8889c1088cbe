"""Chromium: the class movement table, the overdue list and the panel's products to offer,
in English and in Hebrew (RTL); no JavaScript error or failed request on the way."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import browser_login, choose_language, watch_page

from analytics_testdata import buy_products, customer, product

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales", "analytics")]

AS_OF = date(2026, 6, 30)


def _seed(app):
    """Kettle buyers who then buy the filter (a rule), regular buyers now overdue, two snapshots."""
    from plugins.analytics.compute import recompute

    with app.app_context():
        kettle, filt = product("KET-1", "Βραστήρας"), product("FIL-1", "מסנן מים")
        cups = product("CUP-1", "Puodeliai")
        names = ["Ελένη Παπαδοπούλου", "Šarūnas Jonaitis", "שרה כהן", "Ana Example", "דוד לוי"]
        ids = []
        for i, name in enumerate(names):
            cid = customer(name)
            first = AS_OF - timedelta(days=200 - 9 * i)
            buy_products(cid, first, [kettle])
            if i < 4:
                buy_products(cid, first + timedelta(days=20 + i), [filt])
                buy_products(cid, first + timedelta(days=40 + 2 * i), [cups])
            if i < 2:  # came back after the first snapshot: they move to another class
                buy_products(cid, AS_OF - timedelta(days=5 + i), [cups, filt])
            ids.append(cid)
        buy_products(customer("Rūta Kazlauskienė"), AS_OF - timedelta(days=150), [cups])  # lift of kettle → filter > 1
        db.session.commit()
        recompute(as_of=(AS_OF - timedelta(days=90)).isoformat())
        recompute(as_of=AS_OF.isoformat())
        from core.customers.models import Customer

        return db.session.execute(sa.select(Customer.id).where(Customer.name == "דוד לוי")).scalar_one()


def test_movement_overdue_and_offers_in_both_directions(app, live_server, browser_page, screenshot):
    david = _seed(app)
    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    for lang in ("en", "he"):
        if lang == "he":
            choose_language(page, "he")
            assert page.get_attribute("html", "dir") == "rtl"
        page.goto(f"{live_server.url}/analytics/")
        page.locator(".js-movement").wait_for()
        assert page.locator(".js-movement tbody tr").count() >= 1
        screenshot(page, f"analytics-movement-{lang}")
        page.click("a.nav-link[href$='/analytics/overdue']")
        page.locator(".js-overdue").wait_for()
        assert page.locator(".js-overdue tbody tr a").count() >= 1
        screenshot(page, f"analytics-overdue-{lang}")
        page.goto(f"{live_server.url}/customers/{david}")
        page.click("#tab-btn-analytics")
        page.locator("#pane-analytics .js-offers").wait_for()
        offers = page.locator("#pane-analytics .js-offers li")
        assert "מסנן מים" in offers.first.inner_text() and "Βραστήρας" in offers.first.inner_text()
        page.wait_for_timeout(300)
        screenshot(page, f"analytics-offers-{lang}")
    assert not problems, problems
