"""Complaints › Settings: the calendar (bad input refused with the reasons, nothing saved),
holidays, SLA targets, teams and agents, categories; only for complaints.manage."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints")


def test_a_manager_configures_calendar_holidays_targets_and_teams(app, client, login, make_user):
    from plugins.complaints.models import Category, Holiday, Settings, SlaPolicy, Team, TeamMember

    make_user("ana@example.com", roles=["Complaints agent"])
    login()
    bad = client.post("/complaints/settings", data={"timezone": "Mars/Olympus", "day_start": "17:00",
                                                    "day_end": "09:00", "weekdays": ["1", "8"], "intake_address": "x"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Not a valid choice" in text and "not a valid choice for this field" in text
    assert "The working day must end after it starts." in text and "Not a valid email address." in text
    assert 'value="17:00"' in text  # what was typed is kept
    none = client.post("/complaints/settings", data={"timezone": "Asia/Jerusalem", "day_start": "8:30",
                                                     "day_end": "17:30"})
    assert none.status_code == 422 and "Tick at least one working day." in none.get_data(as_text=True)
    good = client.post("/complaints/settings", data={"timezone": "Asia/Jerusalem", "day_start": "08:30",
                                                     "day_end": "17:30", "weekdays": ["7", "1", "2", "3", "4"],
                                                     "intake_address": "complaints@example.com"})
    assert good.status_code == 302
    assert client.post("/complaints/settings/holidays", data={"day": "2026-09-21", "name": "Yom Kippur"}).status_code == 302
    assert client.post("/complaints/settings/holidays", data={"day": "21/09", "name": "x"}).status_code == 422
    with app.app_context():
        billing = td.category("billing").id
    assert client.post("/complaints/settings/policies", data={
        "category_id": str(billing), "severity_id": "", "first_response_hours": "2", "resolution_hours": "10",
        "raise_severity": "y"}).status_code == 302
    assert client.post("/complaints/settings/teams", data={"name": "צוות צפון", "manager_id": "1"}).status_code == 302
    with app.app_context():
        team_id = db.session.execute(sa.select(Team.id)).scalar_one()
        ana_id = td.user("ana@example.com").id
    assert client.post(f"/complaints/settings/teams/{team_id}/members", data={"user_id": str(ana_id)}).status_code == 302
    assert client.post("/complaints/settings/names", data={"kind": "category", "name": "Κουζίνα"}).status_code == 302
    with app.app_context():
        settings = db.session.execute(sa.select(Settings)).scalar_one()
        assert (settings.timezone, settings.weekdays, settings.intake_address) == ("Asia/Jerusalem", "12347",
                                                                                    "complaints@example.com")
        assert db.session.execute(sa.select(Holiday.name)).scalar_one() == "Yom Kippur"
        policy = db.session.execute(sa.select(SlaPolicy).where(SlaPolicy.category_id == billing)).scalar_one()
        assert (policy.first_response_hours, policy.resolution_hours, policy.raise_severity) == (2, 10, True)
        assert db.session.get(TeamMember, (team_id, ana_id)) is not None
        kitchen = db.session.execute(sa.select(Category).where(Category.name == "Κουζίνα")).scalar_one()
        kitchen_id = kitchen.id
    assert client.post(f"/complaints/settings/names/category/{kitchen_id}/toggle").status_code == 302
    assert client.post("/complaints/settings/names/nothing/1/toggle").status_code == 404
    with app.app_context():
        assert db.session.get(Category, kitchen_id).active is False
    page = client.get("/complaints/settings").get_data(as_text=True)
    assert "Yom Kippur" in page and "צוות צפון" in page
    client.get("/logout")
    login("ana@example.com")
    assert client.get("/complaints/settings").status_code == 403
    assert client.post("/complaints/settings/holidays", data={"day": "2026-01-01"}).status_code == 403


def test_a_persian_manager_sets_the_working_week_in_persian(app, client, login, make_user):
    """Hours typed in Persian digits, the week from Saturday with Persian day names as checkboxes,
    the zone picked by its Persian name; stored as times, ISO weekday numbers and the IANA key."""
    from datetime import time

    from plugins.complaints.models import Settings

    login()
    client.post("/language", data={"lang": "fa", "next": "/"})
    page = client.get("/complaints/settings").get_data(as_text=True)
    days = [page.index(f">{name}</label>") for name in ("شنبه", "یکشنبه", "دوشنبه", "جمعه")]
    assert days == sorted(days)  # Saturday first, Friday last: the Persian week
    assert "تهران — وقت ایران" in page and 'value="Asia/Tehran"' in page  # the zone's Persian name, its key
    assert "12345" not in page and 'type="time"' not in page
    saved = client.post("/complaints/settings", data={"timezone": "Asia/Tehran", "day_start": "۰۸:۳۰",
                                                      "day_end": "۱۶:۰۰", "weekdays": ["6", "7", "1", "2", "3"]})
    assert saved.status_code == 302
    with app.app_context():
        row = db.session.execute(sa.select(Settings)).scalar_one()
        assert (row.timezone, row.day_start, row.day_end, row.weekdays) == ("Asia/Tehran", time(8, 30),
                                                                              time(16, 0), "12367")
    page = client.get("/complaints/settings").get_data(as_text=True)
    assert 'value="۰۸:۳۰"' in page and 'value="۱۶:۰۰"' in page  # shown back in Persian digits
    wrong = client.post("/complaints/settings", data={"timezone": "Asia/Tehran", "day_start": "۸",
                                                      "day_end": "۲۵:۰۰", "weekdays": ["6"]})
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "۰۹:۳۰" in text  # the example in the reader's digits


def test_escalation_actions_are_listed_as_persian_writes_a_list(app, client, login):
    """The SLA table once joined "raise severity" and "to the manager" with a Latin comma in Persian."""
    login()
    assert client.post("/complaints/settings/policies", data={
        "category_id": "", "severity_id": "", "first_response_hours": "2", "resolution_hours": "10",
        "raise_severity": "y", "reassign_to_manager": "y"}).status_code == 302
    client.post("/language", data={"lang": "fa", "next": "/"})
    page = client.get("/complaints/settings").get_data(as_text=True)
    assert "افزایش شدت و به مدیر" in page
    assert "افزایش شدت, " not in page
