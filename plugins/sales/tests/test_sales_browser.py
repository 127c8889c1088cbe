"""Browser test: drag an opportunity to another stage on the kanban and check it saved.

Runs headless Debian Chromium through Playwright against a live server on a free
loopback port. Skipped (with the reason shown) when Chromium is missing, unless
RAPPORT_REQUIRE_BROWSER=1, which turns the skip into a failure (CI).
"""
import os
import shutil
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import ADMIN_EMAIL, PASSWORD
from sales_testdata import seed

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales")]


def _need_browser():
    missing = not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM))
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = True
    if missing:
        reason = f"Chromium ({CHROMIUM}) or Playwright is not available"
        if os.environ.get("RAPPORT_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " and RAPPORT_REQUIRE_BROWSER=1")
        pytest.skip(reason)


@pytest.fixture
def live_server(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_drag_opportunity_to_next_stage(app, live_server):
    _need_browser()
    from playwright.sync_api import sync_playwright

    from plugins.sales.models import Opportunity

    ids = seed(app)
    with app.app_context():
        db.session.add(Opportunity(title="Drag me", customer_id=ids["customers"][0], owner_id=1,
                                   stage_id=ids["stages"][0], status="open", probability=10))
        db.session.commit()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(live_server + "/login")
            page.fill("input[name=email]", ADMIN_EMAIL)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(live_server + "/sales/")
            card = page.locator(".kanban-card", has_text="Drag me")
            target = page.locator(f'.kanban-col[data-stage-id="{ids["stages"][1]}"] .kanban-cards')
            with page.expect_response(lambda r: "/move" in r.url) as resp:
                card.drag_to(target)
            assert resp.value.status == 200
            page.wait_for_selector(".kanban-card.saved")
            head = page.locator(f'.kanban-col[data-stage-id="{ids["stages"][1]}"] .kanban-head')
            head.get_by_text("1 ·").wait_for()  # the column header was refreshed from the server
            page.screenshot(path=str(ARTIFACTS / "sales-kanban-after-drag.png"), full_page=True)
            assert not [e for e in errors if "Content Security Policy" in e], errors
            page.reload()
            moved = page.locator(f'.kanban-col[data-stage-id="{ids["stages"][1]}"] .kanban-card', has_text="Drag me")
            assert moved.count() == 1
        finally:
            browser.close()
    with app.app_context():
        opp = db.session.execute(sa.select(Opportunity).where(Opportunity.title == "Drag me")).scalar_one()
        assert opp.stage_id == ids["stages"][1] and opp.probability == 50
