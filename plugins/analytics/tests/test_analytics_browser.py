"""The analytics overview in Chromium: recompute, watch the progress, read the new figures; Hebrew is RTL."""
from datetime import date

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import browser_login, choose_language, watch_page

from analytics_testdata import buy, customer

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales", "analytics")]


def _seed(app):
    with app.app_context():
        start = date(2026, 1, 5).toordinal()
        names = ["Ελένη Παπαδοπούλου", "Šarūnas Jonaitis", "שרה כהן", "Ana Example", "Νίκος Γεωργίου",
                 "דוד לוי", "Rūta Kazlauskienė", "Maria Example"]
        for i, name in enumerate(names):
            cid = customer(name)
            for k in range(1 + i % 4):
                buy(cid, date.fromordinal(start + 17 * i + 23 * k), f"{20 + 7 * i}.50")
        db.session.commit()


def _set(app, job_id, **values):
    from core.jobs.models import Job

    with app.app_context():
        db.session.execute(sa.update(Job).where(Job.id == job_id).values(**values))
        db.session.commit()


def test_recompute_and_watch_progress(app, live_server, browser_page, screenshot, run_jobs):
    from core.jobs.models import Job

    _seed(app)
    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    page.goto(f"{live_server.url}/analytics/")
    assert "No figures yet" in page.locator(".js-snapshot-date").inner_text()

    with page.expect_navigation():
        page.click("button.js-recompute")
    card = page.locator(".js-job")
    assert card.locator(".js-job-status").inner_text() == "Queued"
    with app.app_context():
        job_id = db.session.execute(sa.select(Job.id).where(Job.kind == "analytics.recompute")).scalar_one()

    # A worker reports progress: the bar follows without a reload.
    _set(app, job_id, status="running", done=3, total=8, message="Writing customer figures")
    card.locator(".js-job-count", has_text="3 of 8").wait_for()
    assert card.locator(".js-job-message").inner_text() == "Writing customer figures"
    _set(app, job_id, status="queued", done=0, total=None, message="")
    run_jobs()  # the real job, here and now
    card.locator(".js-job-status", has_text="Done").wait_for()
    assert card.locator(".js-job-message").inner_text() == "8 customers analysed."

    page.click("text=Show the latest figures")
    page.wait_for_selector(".js-rfm-classes")
    assert "Figures as of" in page.locator(".js-snapshot-date").inner_text()
    total = page.locator(".js-rfm-classes tfoot td").first.inner_text()
    assert total == "8"
    page.wait_for_timeout(500)
    screenshot(page, "analytics-overview-en")

    page.click("text=Most valuable customers")
    assert page.locator(".js-ranked tbody tr").count() == 8
    screenshot(page, "analytics-customers-en")

    choose_language(page, "he")
    assert page.get_attribute("html", "dir") == "rtl"
    screenshot(page, "analytics-customers-he")
    page.goto(f"{live_server.url}/analytics/")
    page.wait_for_timeout(500)
    screenshot(page, "analytics-overview-he")
    page.goto(f"{live_server.url}/analytics/customers")
    page.locator(".js-ranked a", has_text="Maria Example").click()  # four purchases: every figure shown
    page.click("#tab-btn-analytics")
    page.locator("#pane-analytics .analytics-panel dl").first.wait_for()  # figures, then profit
    page.wait_for_timeout(300)
    screenshot(page, "analytics-panel-he")
    assert not problems, problems
