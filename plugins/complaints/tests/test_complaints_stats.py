"""Statistics aggregated in SQL (the same numbers on SQLite and PostgreSQL): volume by
category, severity and product, median and 90th percentile of first-response and
resolution times, SLA compliance, satisfaction, repeat complainers, monthly trend; the
page shows the snapshot "as of" with charts and tables, the API the same data."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints")


def test_percentiles_compliance_and_volumes(app, client, login, token_for):
    from plugins.complaints.models import Complaint
    from plugins.complaints.stats import refresh

    now = datetime(2026, 11, 27, 12, 0)
    with app.app_context():
        zoe = td.customer().id
        ona = td.customer(name="Ona", email="ona@example.lt").id
        delivery, billing = td.category("delivery").id, td.category("billing").id
        # first responses after 1..10 hours: nearest-rank median 5 h, p90 9 h
        for hours in range(1, 11):
            c = td.complaint(zoe if hours <= 3 else ona, f"C{hours}", category_id=delivery if hours % 2 else billing)
            c.created_at = now - timedelta(days=40)
            c.first_response_at = c.created_at + timedelta(hours=hours)
            c.first_response_seconds = hours * 3600
            c.first_response_due = c.created_at + timedelta(hours=4)
            if hours <= 4:
                c.state, c.resolved_at = "closed", c.created_at + timedelta(hours=2 * hours)
                c.resolution_seconds, c.resolved_in_time = 2 * hours * 3600, hours <= 3
                c.rating = hours + 1
        db.session.commit()
        data = refresh(now).data
        db.session.commit()
        assert data["total"] == 10
        assert (data["first_response"]["median"], data["first_response"]["p90"]) == (5 * 3600, 9 * 3600)
        assert (data["resolution"]["median"], data["resolution"]["p90"]) == (4 * 3600, 8 * 3600)
        assert data["first_response_compliance"] == 40.0 and data["resolution_compliance"] == 75.0
        assert data["rating_average"] == 3.5 and data["rating_count"] == 4
        counts = {row["code"]: row["count"] for row in data["by_category"]}
        assert counts == {"delivery": 5, "billing": 5}
        assert [(r["name"], r["count"]) for r in data["repeat"]] == [("Ona", 7), ("Ζωή Παπαδοπούλου", 3)]
        month = (now - timedelta(days=40)).strftime("%Y-%m")
        assert {"month": month, "opened": 10, "resolved": 4} in data["trend"] and len(data["trend"]) == 12
        assert data["trend"][-1]["month"] == "2026-11"
        assert db.session.execute(sa.select(sa.func.count()).select_from(Complaint)).scalar() == 10
    login()
    page = client.get("/complaints/stats").get_data(as_text=True)
    assert "As of" in page and "<svg" in page and "<script" not in page.split("<svg", 1)[1].split("</svg>")[0]
    assert "Delivery" in page and "5.0 h" in page and "75%" in page and "3.5 of 5 (4)" in page
    assert "November 2026" in page and ">2026-11<" not in page  # months named, not ISO keys
    api = client.get("/api/v1/complaints/stats", headers=token_for()).get_json()
    assert api["data"]["first_response"]["p90"] == 9 * 3600 and api["as_of"].startswith("2026-11-27")


def test_refresh_now_is_a_job(app, client, login, run_jobs):
    from core.jobs.models import Job
    from plugins.complaints.stats import latest

    login()
    assert "not been computed yet" in client.get("/complaints/stats").get_data(as_text=True)
    response = client.post("/complaints/stats/refresh")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    run_jobs()
    with app.app_context():
        assert db.session.execute(sa.select(Job.status)).scalar() == "done"
        assert latest() is not None and latest().data["total"] == 0


def test_durations_in_business_hours_beside_wall_clock_across_a_weekend(app, client, login, token_for):
    """A complaint in at Friday 16:00 Athens and answered Monday 10:00 waited 66 hours by the clock
    and 2 by the SLA (Fri 16–17, Mon 9–10); resolved Tuesday 12:00: 92 against 12 (1 + 8 + 3).
    Statistics show both, labelled; the API has both."""
    from zoneinfo import ZoneInfo

    from plugins.complaints.models import Settings
    from plugins.complaints.stats import refresh
    from plugins.complaints.workflow import create_complaint, record_first_response, transition

    athens = ZoneInfo("Europe/Athens")

    def at(*args):
        return datetime(*args, tzinfo=athens).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    with app.app_context():
        db.session.execute(sa.update(Settings).values(timezone="Europe/Athens"))
        db.session.commit()
        customer_id = td.customer().id
        friday = create_complaint({"customer_id": customer_id, "title": "Friday afternoon"}, at=at(2026, 11, 27, 16))
        transition(friday, "acknowledge", now=at(2026, 11, 30, 10))
        transition(friday, "resolve", {"resolution": "Replaced", "root_cause_id": td.root_cause().id},
                   now=at(2026, 12, 1, 12))
        # Opened and answered (a reply) on Saturday: an hour by the clock, no working time at all.
        saturday = create_complaint({"customer_id": customer_id, "title": "Saturday"}, at=at(2026, 11, 28, 10))
        record_first_response(saturday, now=at(2026, 11, 28, 11))
        db.session.commit()
        assert (friday.first_response_seconds, friday.first_response_business_seconds) == (66 * 3600, 2 * 3600)
        assert (friday.resolution_seconds, friday.resolution_business_seconds) == (92 * 3600, 12 * 3600)
        assert (saturday.first_response_seconds, saturday.first_response_business_seconds) == (3600, 0)
        data = refresh(at(2026, 12, 2, 9)).data
        db.session.commit()
        assert data["first_response"] == {"median": 3600, "p90": 66 * 3600, "count": 2}
        assert data["first_response_business"] == {"median": 0, "p90": 2 * 3600, "count": 2}
        assert data["resolution_business"]["median"] == 12 * 3600 and data["resolution"]["median"] == 92 * 3600
        # Reopening clears both resolution times (resolving again measures anew).
        transition(friday, "reopen", now=at(2026, 12, 2, 9))
        assert friday.resolution_seconds is None and friday.resolution_business_seconds is None
        db.session.rollback()
    login()
    page = client.get("/complaints/stats").get_data(as_text=True)
    table = page.split('class="table table-sm w-auto mb-4 complaint-durations"', 1)[1].split("</table>", 1)[0]
    assert "Business hours" in table and "as the SLA counts them" in table and "Wall-clock hours" in table
    rows = [r for r in table.split("<tr>") if "Resolution, median" in r or "First response, 90th" in r]
    assert ">2.0 h<" in rows[0] and ">66.0 h<" in rows[0]  # first response p90: business, then wall-clock
    assert ">12.0 h<" in rows[1] and ">92.0 h<" in rows[1]
    api = client.get("/api/v1/complaints/stats", headers=token_for()).get_json()["data"]
    assert api["resolution_business"]["p90"] == 12 * 3600 and api["resolution"]["p90"] == 92 * 3600


def test_the_migration_fills_business_durations_of_complaints_already_answered(app):
    """complaints_0021 adds the columns and computes them for what was answered or resolved
    before it, on the configured calendar (Athens; the same weekend as above)."""
    from zoneinfo import ZoneInfo

    from core.migrate import downgrade, upgrade
    from plugins.complaints.models import Complaint, Settings

    def at(*args):
        return datetime(*args, tzinfo=ZoneInfo("Europe/Athens")).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    with app.app_context():
        db.session.execute(sa.update(Settings).values(timezone="Europe/Athens"))
        customer_id = td.customer().id
        answered = td.complaint(customer_id, "Answered and resolved")
        answered.created_at, answered.first_response_at, answered.resolved_at = (
            at(2026, 11, 27, 16), at(2026, 11, 30, 10), at(2026, 12, 1, 12))
        waiting = td.complaint(customer_id, "Still waiting")
        db.session.commit()
        ids = answered.id, waiting.id
        db.session.remove()
        downgrade("complaints@complaints_0003")
        upgrade("complaints@head")
        rows = dict(((r.id, (r.first_response_business_seconds, r.resolution_business_seconds)) for r in
                     db.session.execute(sa.select(Complaint).where(Complaint.id.in_(ids))).scalars()))
        assert rows == {ids[0]: (2 * 3600, 12 * 3600), ids[1]: (None, None)}
