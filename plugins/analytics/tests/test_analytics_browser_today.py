"""Chromium: a salesperson schedules follow-ups from the "Today" dashboard card, in English and
in Hebrew (RTL); the card shows each as scheduled; no JavaScript error or failed request."""
import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import PASSWORD, browser_login, choose_language, watch_page

from analytics_testdata import SALES, today_world

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales", "analytics")]


def _follow_ups(app):
    from core.history.models import Activity

    with app.app_context():
        return db.session.execute(sa.select(Activity.customer_id, Activity.ref)
                                  .where(Activity.source == "analytics").order_by(Activity.id)).all()


def test_schedule_follow_ups_from_the_today_card(app, live_server, browser_page, make_user, screenshot):
    w = today_world(app, make_user)
    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server, SALES, PASSWORD)
    card = page.locator("#analytics-today")
    card.wait_for()
    assert card.locator(".js-suggestion").count() == 3
    assert "Usually buys every 20 days; last order 30 days ago." in card.inner_text()
    screenshot(page, "analytics-today-en")
    overdue = card.locator(f".js-suggestion[data-kind=overdue][data-customer='{w['overdue']}']")
    with page.expect_navigation():
        overdue.get_by_role("button", name="Schedule a follow-up").click()
    overdue.locator(".js-scheduled").wait_for()
    assert "Follow-up scheduled for" in page.locator(".alert-success").inner_text()
    assert _follow_ups(app) == [(w["overdue"], "analytics.today.overdue")]

    choose_language(page, "he")
    assert page.get_attribute("html", "dir") == "rtl"
    card = page.locator("#analytics-today")
    assert "הצעת המחיר" in card.inner_text() and "כבר" not in card.inner_text()
    quoted = card.locator(f".js-suggestion[data-kind=crosssell][data-customer='{w['quoted']}']")
    with page.expect_navigation():
        quoted.get_by_role("button", name="קביעת משימת מעקב").click()
    quoted.locator(".js-scheduled").wait_for()
    assert "נקבעה משימת מעקב עבור" in page.locator(".alert-success").inner_text()
    assert card.locator(".js-scheduled").count() == 2 and card.get_by_role("button").count() == 1
    screenshot(page, "analytics-today-he")
    assert _follow_ups(app) == [(w["overdue"], "analytics.today.overdue"), (w["quoted"], "analytics.today.crosssell")]
    assert problems == []
