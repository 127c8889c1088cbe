"""The Jobs page in Chromium: the progress bar moves while you watch, Cancel works, Hebrew is RTL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import eventtest_plugin
import jobtest_plugin
from core.testing import browser_login, choose_language, watch_page

pytestmark = [pytest.mark.browser, pytest.mark.plugins("jobtest", extra=[jobtest_plugin])]


def _start(app, name="jobtest.count", params=None):
    from core.auth.models import User
    from core.db import db
    from core.jobs import start_job

    with app.app_context():
        admin = db.session.execute(sa.select(User).where(User.email == "admin@example.com")).scalar_one()
        job = start_job(name, params or {"n": 250}, user=admin)
        db.session.commit()
        return job.id


def _set(app, job_id, **values):
    """Move a job along as a worker would (progress written to its row)."""
    from core.db import db
    from core.jobs.models import Job

    with app.app_context():
        db.session.execute(sa.update(Job).where(Job.id == job_id).values(**values))
        db.session.commit()


def test_progress_moves_while_you_watch(app, live_server, browser_page, screenshot, run_jobs):
    page = browser_page
    errors = watch_page(page)
    finished = _start(app, params={"n": 3})
    failed = _start(app, "jobtest.fail", {"public": True})
    run_jobs()
    watched = _start(app)
    browser_login(page, live_server)
    page.goto(f"{live_server.url}/jobs/")
    row = page.locator(f'tr[data-job-id="{watched}"]')
    assert row.locator(".js-job-status").inner_text() == "Queued"
    assert row.locator("button", has_text="Cancel").is_visible()
    assert page.locator(f'tr[data-job-id="{failed}"] .js-job-message').inner_text() == "The file has no header row."
    assert page.locator(f'tr[data-job-id="{finished}"] .js-job-message').inner_text() == "counted to 3"

    # A worker picks the job up and reports progress: the page follows without a reload.
    _set(app, watched, status="running", done=95, total=250, message="Importing row 95 of 250")
    row.locator(".js-job-count", has_text="95 of 250 (38%)").wait_for()
    assert row.locator(".js-job-status").inner_text() == "Running"
    assert row.locator(".js-job-message").inner_text() == "Importing row 95 of 250"
    assert row.locator(".progress-bar").get_attribute("style") == "width: 38%;"
    assert row.locator(".js-job-progress").get_attribute("aria-valuenow") == "38"
    page.wait_for_timeout(800)  # let Bootstrap's width transition end before the picture
    screenshot(page, "jobs-en")

    _set(app, watched, status="done", done=250, result="250 rows imported.")
    row.locator(".js-job-status", has_text="Done").wait_for()
    assert row.locator(".js-job-message").inner_text() == "250 rows imported."
    assert row.locator("button", has_text="Cancel").count() == 0  # nothing left to cancel
    assert not errors, errors


def test_cancel_from_the_job_page(app, live_server, browser_page):
    page = browser_page
    errors = watch_page(page)
    job_id = _start(app)
    browser_login(page, live_server)
    page.goto(f"{live_server.url}/jobs/{job_id}")
    page.once("dialog", lambda dialog: dialog.accept())  # "Stop this job?"
    with page.expect_navigation():
        page.click("button:has-text('Cancel job')")
    assert page.locator(".alert", has_text="The job was cancelled.").is_visible()
    assert page.locator(".js-job-status").inner_text() == "Cancelled"
    assert not errors, errors


def test_jobs_page_in_hebrew(app, live_server, browser_page, screenshot, run_jobs):
    page = browser_page
    errors = watch_page(page)
    done = _start(app, params={"n": 5})
    run_jobs()
    running = _start(app)
    _set(app, running, status="running", done=40, total=250, message="")
    _start(app, "jobtest.fail", {"public": True})
    run_jobs()
    browser_login(page, live_server)
    choose_language(page, "he")
    page.goto(f"{live_server.url}/jobs/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("h1").inner_text() == "המשימות שלי"
    assert page.locator(f'tr[data-job-id="{running}"] .js-job-status').inner_text() == "רצה"
    assert page.locator(f'tr[data-job-id="{done}"] .js-job-status').inner_text() == "הושלמה"  # a job (משימה) is feminine: pgettext("job", "Done")
    _set(app, running, done=125)
    page.locator(f'tr[data-job-id="{running}"] .js-job-count', has_text="125").wait_for()
    page.wait_for_timeout(800)
    screenshot(page, "jobs-he")
    page.goto(f"{live_server.url}/jobs/{running}")
    screenshot(page, "job-detail-he")
    assert not errors, errors


@pytest.mark.plugins("eventtest", extra=[eventtest_plugin])
def test_event_deliveries_page_in_english_and_hebrew(app, live_server, browser_page, screenshot):
    from core.customers.service import create_customer
    from core.db import db

    eventtest_plugin.reset()
    eventtest_plugin.behaviour["fail"] = True
    try:
        with app.app_context():
            for name in ("Νίκος Γεωργίου", "אורי כהן"):
                create_customer({"name": name})
                db.session.commit()
    finally:
        eventtest_plugin.reset()
    page = browser_page
    errors = watch_page(page)
    browser_login(page, live_server)
    page.goto(f"{live_server.url}/admin/events/")
    assert page.locator("tbody tr").count() == 2
    screenshot(page, "event-deliveries-en")
    choose_language(page, "he")
    assert page.get_attribute("html", "dir") == "rtl"
    screenshot(page, "event-deliveries-he")
    with page.expect_navigation():
        page.locator("tbody tr").first.locator("button").click()  # the listener works again: delivered
    assert page.locator("tbody tr").count() == 1
    assert not errors, errors
