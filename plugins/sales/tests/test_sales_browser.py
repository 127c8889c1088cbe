"""Browser test: drag an opportunity to another stage on the kanban and check it saved.

Uses the core's browser fixtures (``live_server`` with CSRF enforced, ``browser_page``
driving Debian's Chromium): skipped with the reason shown when Chromium is missing,
a failure instead when RAPPORT_REQUIRE_BROWSER=1 (CI).
"""
import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import browser_login
from sales_testdata import seed

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales")]


def test_drag_opportunity_to_next_stage(app, live_server, browser_page, screenshot):
    from plugins.sales.models import Opportunity

    ids = seed(app)
    with app.app_context():
        db.session.add(Opportunity(title="Drag me", customer_id=ids["customers"][0], owner_id=1,
                                   stage_id=ids["stages"][0], status="open", probability=10))
        db.session.commit()
    page = browser_page
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    browser_login(page, live_server)
    page.goto(live_server.url + "/sales/")
    card = page.locator(".kanban-card", has_text="Drag me")
    target = page.locator(f'.kanban-col[data-stage-id="{ids["stages"][1]}"] .kanban-cards')
    with page.expect_response(lambda r: "/move" in r.url) as resp:
        card.drag_to(target)
    assert resp.value.status == 200
    page.wait_for_selector(".kanban-card.saved")
    head = page.locator(f'.kanban-col[data-stage-id="{ids["stages"][1]}"] .kanban-head')
    head.get_by_text("1 ·").wait_for()  # the column header was refreshed from the server
    screenshot(page, "sales-kanban-after-drag")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.reload()
    moved = page.locator(f'.kanban-col[data-stage-id="{ids["stages"][1]}"] .kanban-card', has_text="Drag me")
    assert moved.count() == 1
    with app.app_context():
        opp = db.session.execute(sa.select(Opportunity).where(Opportunity.title == "Drag me")).scalar_one()
        assert opp.stage_id == ids["stages"][1] and opp.probability == 50


def test_load_more_appends_the_next_cards_of_a_column(app, live_server, browser_page, screenshot):
    """30 deals in Lead: 25 cards, then "Load more" appends the other 5 in place (no page
    change), the link goes away, and a card fetched that way still drags."""
    from datetime import datetime, timedelta

    from core.testing import watch_page
    from plugins.sales.models import Opportunity

    ids = seed(app)
    lead, proposal = ids["stages"][:2]
    with app.app_context():
        db.session.add_all([Opportunity(title=f"Deal {i:02d}", prospect_name="Πελάτης", owner_id=1, stage_id=lead,
                                        status="open", updated_at=datetime(2026, 11, 1) + timedelta(minutes=i))
                            for i in range(30)])
        db.session.commit()
    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    page.goto(live_server.url + "/sales/")
    column = page.locator(f'.kanban-col[data-stage-id="{lead}"]')
    assert column.locator(".kanban-card").count() == 25
    board_url = page.url
    column.get_by_role("link", name="Load more").click()
    column.locator(".kanban-card", has_text="Deal 00").wait_for()  # the oldest, on the second page
    assert column.locator(".kanban-card").count() == 30
    assert column.locator("a.kanban-more").count() == 0 and page.url == board_url
    screenshot(page, "sales-kanban-load-more")
    with page.expect_response(lambda r: "/move" in r.url) as resp:
        column.locator(".kanban-card", has_text="Deal 00").drag_to(
            page.locator(f'.kanban-col[data-stage-id="{proposal}"] .kanban-cards'))
    assert resp.value.status == 200
    page.wait_for_selector(".kanban-card.saved")
    assert problems == []
