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
