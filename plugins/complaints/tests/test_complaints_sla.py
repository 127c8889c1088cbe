"""SLA deadlines in business hours and escalation once per breach, on the business's
calendar in a time zone east of UTC (Athens, UTC+2 in winter)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from core.db import db
from plugins.complaints.calendar import Calendar
from plugins.complaints.tests import complaints_testdata as td

ATHENS = ZoneInfo("Europe/Athens")


def _utc(*args):
    """An Athens wall-clock time as naive UTC (how Rapport stores times)."""
    return datetime(*args, tzinfo=ATHENS).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def test_business_hours_skip_the_weekend_and_a_holiday_east_of_utc():
    calendar = Calendar(tz=ATHENS, day_start=time(9), day_end=time(17), weekdays=frozenset({1, 2, 3, 4, 5}),
                        holidays=frozenset({date(2026, 11, 30)}))
    friday_3pm = _utc(2026, 11, 27, 15, 0)  # 13:00 UTC
    # 2 h on Friday, weekend and Monday's holiday skipped, 6 h on Tuesday: 15:00 Athens = 13:00 UTC
    assert calendar.add_hours(friday_3pm, 8) == datetime(2026, 12, 1, 13, 0)
    assert calendar.hours_between(friday_3pm, datetime(2026, 12, 1, 13, 0)) == pytest.approx(8)
    # Opened at night: the clock starts at 09:00 local the next working day (07:00 UTC)
    assert calendar.add_hours(_utc(2026, 11, 26, 22, 30), 1) == datetime(2026, 11, 27, 8, 0)
    # Across the change to summer time (29 March 2026): 09:00 Athens is 06:00 UTC afterwards
    assert calendar.add_hours(_utc(2026, 3, 27, 16, 0), 2) == _utc(2026, 3, 30, 10, 0) == datetime(2026, 3, 30, 7, 0)


def test_a_calendar_without_working_time_refuses_instead_of_looping():
    with pytest.raises(ValueError):
        Calendar(tz=ATHENS, weekdays=frozenset()).add_hours(datetime(2026, 1, 1), 1)


@pytest.mark.plugins("complaints")
def test_deadlines_of_a_complaint_follow_the_policy_and_the_calendar(app):
    from plugins.complaints.models import Holiday, Settings, SlaPolicy
    from plugins.complaints.sla import set_deadlines

    with app.app_context():
        settings = db.session.execute(sa.select(Settings)).scalar_one()
        settings.timezone = "Europe/Athens"
        db.session.add(Holiday(day=date(2026, 11, 30), name="Αγίου Ανδρέα"))
        high = td.severity("high")
        policy = db.session.execute(sa.select(SlaPolicy).where(SlaPolicy.severity_id == high.id,
                                                               SlaPolicy.category_id.is_(None))).scalar_one()
        policy.first_response_hours, policy.resolution_hours = 4, 8
        # a more specific policy for another category must not apply
        db.session.add(SlaPolicy(category_id=td.category("billing").id, severity_id=high.id,
                                 first_response_hours=1, resolution_hours=2))
        db.session.commit()
        customer = td.customer()
        complaint = td.complaint(customer.id, severity_id=high.id, category_id=td.category("delivery").id)
        complaint.created_at = _utc(2026, 11, 27, 15, 0)
        set_deadlines(complaint)
        # 4 h: Friday 15-17 (2 h), Tuesday 09-11 (2 h) → 11:00 Athens = 09:00 UTC
        assert complaint.first_response_due == datetime(2026, 12, 1, 9, 0)
        assert complaint.resolution_due == datetime(2026, 12, 1, 13, 0)


@pytest.mark.plugins("complaints")
def test_escalation_runs_once_per_breach_not_once_per_run(app, make_user):
    from core.history.models import Activity, Interaction
    from core.messaging.models import OutboxMessage
    from plugins.complaints.escalation import escalate_due
    from plugins.complaints.models import Complaint, Escalation, SlaPolicy
    from plugins.complaints.workflow import transition

    make_user("boss@example.com", roles=["Complaints manager"])
    make_user("agent@example.com", roles=["Complaints agent"])
    with app.app_context():
        boss, agent = td.user("boss@example.com"), td.user("agent@example.com")
        team = td.team("Τμήμα παραπόνων", manager=boss, members=[agent])
        normal = td.severity("normal")
        policy = db.session.execute(sa.select(SlaPolicy).where(SlaPolicy.severity_id == normal.id)).scalar_one()
        policy.raise_severity, policy.reassign_to_manager = True, True
        db.session.commit()
        customer = td.customer()
        complaint = td.complaint(customer.id, severity_id=normal.id, team_id=team.id)
        complaint_id = complaint.id
        later = complaint.first_response_due + timedelta(minutes=1)
        assert later < complaint.resolution_due
        assert escalate_due(now=complaint.first_response_due - timedelta(minutes=1)) == 0
        assert escalate_due(now=later) == 1
        for _ in range(3):  # later runs, and runs after the deadline moved on, find nothing new
            assert escalate_due(now=later + timedelta(minutes=5)) == 0
        complaint = db.session.get(Complaint, complaint_id)
        assert complaint.severity.code == "high" and complaint.assignee_id == boss.id
        assert complaint.escalation_count == 1
        [row] = db.session.execute(sa.select(Escalation)).scalars().all()
        assert (row.target, row.notified_user_id, row.reassigned_to_id) == ("first_response", boss.id, boss.id)
        [todo] = db.session.execute(sa.select(Activity).where(Activity.source == "complaints")).scalars().all()
        assert todo.assignee_id == boss.id and complaint.reference in todo.summary
        mails = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.recipient == "boss@example.com"))
        assert len(mails.scalars().all()) == 1
        # the resolution target is a second breach: escalated once too
        assert escalate_due(now=complaint.resolution_due + timedelta(minutes=1)) == 1
        assert escalate_due(now=complaint.resolution_due + timedelta(hours=1)) == 0
        # reopening sets a new deadline: its breach may be escalated again, once
        transition(complaint, "resolve", {"resolution": "ok", "root_cause_id": td.root_cause().id})
        transition(complaint, "reopen")
        db.session.commit()
        complaint = db.session.get(Complaint, complaint_id)
        assert escalate_due(now=complaint.resolution_due + timedelta(minutes=1)) == 1
        assert escalate_due(now=complaint.resolution_due + timedelta(minutes=2)) == 0
        assert db.session.execute(sa.select(sa.func.count()).select_from(Escalation)).scalar() == 3
        entries = db.session.execute(sa.select(Interaction).where(Interaction.kind == "complaints.escalated")).all()
        assert len(entries) == 3


@pytest.mark.plugins("complaints")
def test_escalation_is_an_untracked_task_every_minute(app):
    from datetime import datetime as dt

    from core.jobs.queue import queue

    with app.app_context():
        tasks = {item.name: item for plugin, item in queue(app).periodic if plugin == "complaints"}
    escalate = tasks["complaints.escalate"]
    assert escalate.tracked is False
    assert escalate.schedule(dt(2026, 11, 27, 13, 7)) and escalate.schedule(dt(2026, 11, 28, 2, 59))
