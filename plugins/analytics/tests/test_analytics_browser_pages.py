"""Chromium: a manager clicks from the main menu through the analytics pages that draw charts or
bars — most profitable customers (Pareto charts), demand by price (forecast charts), repurchase
intervals, clusters, retention (also reached from sales' performance page) — in English and in
Hebrew (RTL). No JavaScript error or failed request on the way; every chart is there, inside its
card and on screen, reads left to right (its axes) inside the right-to-left page, and is labelled
in the page's language."""
from datetime import timedelta

import pytest

from core.db import db
from core.testing import ADMIN_EMAIL, browser_login, choose_language, watch_page

from analytics_testdata import buy_products, customer, product

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales", "analytics")]

NAMES = ["Ελένη Παπαδοπούλου", "Šarūnas Jonaitis", "שרה כהן", "Ana Example", "דוד לוי", "مریم احمدی",
         "Νίκος Γεωργίου", "Rūta Kazlauskienė", "יעל מזרחי", "John Smith", "علی رضایی", "Μαρία Οικονόμου"]


def _seed(app):
    """Twelve customers with profiles buying cheap and dear products every few weeks for two years,
    up to a few days ago (so this quarter and the last both have buyers), and a snapshot of today."""
    from core.customers.models import Customer
    from core.l10n import local_today
    from plugins.analytics.compute import recompute

    with app.app_context():
        today = local_today()
        cheap = product("TEA-1", "Τσάι βουνού", "4.00", cost="1.50")
        middle = product("CUP-1", "Puodeliai", "15.00", cost="6.00")
        dear = product("KET-1", "קומקום חשמלי", "60.00", cost="35.00")
        for i, name in enumerate(NAMES):
            cid = customer(name, owner_email=ADMIN_EMAIL if i % 2 else None)
            c = db.session.get(Customer, cid)
            c.gender = ("female", "male")[i % 2]
            c.income_band = ("low", "middle", "high")[i % 3]
            c.purchase_purpose = ("Δώρα", "Office", "בית")[i % 3]
            every = 20 + 7 * (i % 4)
            day = today - timedelta(days=2 + i)
            k = 0
            while day > today - timedelta(days=730) and k < 40 - 3 * i:
                buy_products(cid, day, [cheap] + ([middle] if k % 2 else []) + ([dear] if i % 3 == 0 and k % 3 == 0 else []))
                day -= timedelta(days=every)
                k += 1
        db.session.commit()
        recompute(as_of=today.isoformat())


def _check_charts(page, lang, expected_min):
    """Every chart: an SVG with axis text, inside its card and the window, left to right."""
    charts = page.locator("div.chart[role=img]")
    assert charts.count() >= expected_min
    width = page.viewport_size["width"]
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        assert chart.get_attribute("dir") == "ltr"
        assert chart.evaluate("el => getComputedStyle(el).direction") == "ltr"
        svg = chart.locator("svg").first
        box, card = svg.bounding_box(), chart.locator("xpath=ancestor::div[contains(@class,'card')][1]").bounding_box()
        assert box["width"] > 200 and box["height"] > 100
        assert box["x"] >= card["x"] - 1 and box["x"] + box["width"] <= card["x"] + card["width"] + 1, (box, card)
        assert 0 <= box["x"] and box["x"] + box["width"] <= width
        assert svg.locator("text").count() > 5               # axis labels and legend drawn
        # Readable axes: no value printed twice (rounded fractional guides read "1, 1, 2, 2") and no
        # label cut short by pygal ("10…" for 100 %).
        y_labels = [t.strip() for t in svg.locator("g.axis.y g.guides text").all_text_contents() if t.strip()]
        assert y_labels and len(y_labels) == len(set(y_labels)), y_labels
        assert not any("…" in t for t in svg.locator("g.axis text").all_text_contents())
        label = chart.get_attribute("aria-label")
        if lang == "he":
            assert any("\u0590" <= ch <= "\u05ff" for ch in label), label   # labelled in Hebrew
        legend = svg.locator("g.legends text")
        if lang == "he" and legend.count():   # the legend (series names) in Hebrew too, not only the caption
            drawn = " ".join(legend.all_text_contents())
            assert any("\u0590" <= ch <= "\u05ff" for ch in drawn), drawn


def _tab(page, endpoint):
    with page.expect_navigation():
        page.click(f"ul.nav-tabs a.nav-link[href$='/analytics/{endpoint}']")
    assert page.locator(f"ul.nav-tabs a.nav-link.active[href$='/analytics/{endpoint}']").count() == 1


def test_analytics_pages_with_charts_from_the_menu_in_both_directions(app, live_server, browser_page, screenshot):
    _seed(app)
    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    for lang in ("en", "he"):
        if lang == "he":
            choose_language(page, "he")
            assert page.get_attribute("html", "dir") == "rtl"
        with page.expect_navigation():
            page.click("#mainnav a.nav-link[href$='/analytics/']")
        page.locator(".js-snapshot-date").wait_for()

        _tab(page, "profit")
        _check_charts(page, lang, 2)                         # Pareto curve and profit per tenth
        assert page.locator("table tbody tr").count() >= 10
        screenshot(page, f"analytics-profit-{lang}")

        _tab(page, "demand")
        assert page.locator(".js-band").count() >= 2
        _check_charts(page, lang, 2)
        assert page.locator(".js-forecast tbody tr").count() >= 6
        screenshot(page, f"analytics-demand-{lang}")

        _tab(page, "products")
        rows = page.locator(".js-intervals tbody tr[data-product]")
        assert rows.count() >= 2
        screenshot(page, f"analytics-products-{lang}")

        _tab(page, "clusters")
        cards = page.locator(".js-clusters section[data-cluster]")
        assert cards.count() >= 2
        assert cards.first.locator(".js-description").inner_text().strip()
        if lang == "he":
            assert "קונים" in page.locator(".js-clusters").inner_text()
        bar = cards.first.locator(".progress-bar").bounding_box()
        assert bar["width"] > 0
        screenshot(page, f"analytics-clusters-{lang}")

        _tab(page, "retention")
        rows = page.locator(".js-retention tbody tr[data-owner]")
        assert rows.count() >= 1 and "%" in rows.first.locator(".js-rate").inner_text()
        screenshot(page, f"analytics-retention-{lang}")

        # Sales' performance page links to the same page for its period.
        with page.expect_navigation():
            page.click("#mainnav a.nav-link[href$='/sales/']")
        with page.expect_navigation():
            page.click("a[href$='/sales/performance']")
        with page.expect_navigation():
            page.click(".js-performance-links a[href*='/analytics/retention']")
        assert page.locator(".js-retention").count() == 1
    assert not problems, problems
