"""SLA policies and deadlines: which targets apply to a complaint and when they fall due.

Targets are counted in business hours on the working calendar
(:mod:`plugins.complaints.calendar`); deadlines are stored on the complaint (naive UTC)
when it is opened, when its category or severity changes, and when it is reopened, so
lists and the escalation job compare plain columns.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from core.db import db, utcnow
from plugins.complaints.calendar import Calendar, load_calendar
from plugins.complaints.models import OPEN_STATES, Complaint, SlaPolicy

AT_RISK = timedelta(hours=4)  # "at risk": a deadline within four hours (wall-clock)


def policy_for(category_id: int | None, severity_id: int | None) -> SlaPolicy | None:
    """The most specific policy: category+severity, severity, category, then the default."""
    rows = db.session.execute(sa.select(SlaPolicy).where(
        sa.or_(SlaPolicy.category_id.is_(None), SlaPolicy.category_id == category_id),
        sa.or_(SlaPolicy.severity_id.is_(None), SlaPolicy.severity_id == severity_id))).scalars().all()

    def score(p):
        return (p.category_id is not None and p.severity_id is not None, p.severity_id is not None,
                p.category_id is not None)

    return max(rows, key=score, default=None)


def set_deadlines(complaint: Complaint, *, start: datetime | None = None, calendar: Calendar | None = None,
                  first_response: bool = True) -> None:
    """Compute the complaint's deadlines from ``start`` (default: when it was opened)."""
    policy = policy_for(complaint.category_id, complaint.severity_id)
    if policy is None:
        complaint.first_response_due = complaint.resolution_due = None
        return
    calendar = calendar or load_calendar()
    start = start or complaint.created_at or utcnow()
    if first_response:
        complaint.first_response_due = calendar.add_hours(start, policy.first_response_hours)
    complaint.resolution_due = calendar.add_hours(start, policy.resolution_hours)


def business_seconds(start: datetime, end: datetime, calendar: Calendar | None = None) -> int:
    """Working time between two moments, in seconds, on the calendar the deadlines use: a
    complaint answered on Monday morning that came in on Friday afternoon waited two business
    hours, not 66. Stored beside the wall-clock seconds when the moment happens."""
    return round((calendar or load_calendar()).hours_between(start, end) * 3600)


def sla_status(complaint: Complaint, now: datetime | None = None) -> str:
    """``"breached"``, ``"at_risk"``, ``"ok"`` or ``""`` (no target / closed)."""
    if complaint.state not in OPEN_STATES:
        return ""
    now = now or utcnow()
    due = [d for d in (None if complaint.first_response_at else complaint.first_response_due,
                       complaint.resolution_due) if d is not None]
    if not due:
        return ""
    if any(d <= now for d in due):
        return "breached"
    return "at_risk" if min(due) - now <= AT_RISK else "ok"


def breached_clause(now: datetime):
    """SQL: open complaints past a deadline they have not met."""
    return sa.and_(Complaint.is_open == sa.true(), sa.or_(
        sa.and_(Complaint.first_response_at.is_(None), Complaint.first_response_due <= now),
        Complaint.resolution_due <= now))


def at_risk_clause(now: datetime, horizon: timedelta = AT_RISK):
    """SQL: open complaints whose next deadline falls within ``horizon`` (not yet breached)."""
    soon = now + horizon
    return sa.and_(Complaint.is_open == sa.true(), sa.not_(breached_clause(now)), sa.or_(
        sa.and_(Complaint.first_response_at.is_(None), Complaint.first_response_due <= soon),
        Complaint.resolution_due <= soon))
