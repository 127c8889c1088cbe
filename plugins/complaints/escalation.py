"""Escalation: a periodic task finds missed targets and escalates each breach once.

Every minute each worker's scheduler calls :func:`escalate_due` (an untracked periodic
task: no job row). It reads the open complaints past a deadline whose breach was not
escalated yet — one indexed range per target, ``(state, due)`` — and claims each with
a conditional UPDATE (``… WHERE id = ? AND <target>_escalated_at IS NULL``), so two
workers never escalate the same breach and the next run finds nothing to do. The
claimant records an :class:`Escalation` (unique per complaint, target and deadline),
tells the team's manager (a follow-up in *My activities* and an email through the
outbox), and — as the SLA policy says — raises the severity and/or hands the complaint
to the manager. Reopening clears the resolution mark and sets a new deadline, so a
reopened complaint can be escalated again for its new breach.
"""
from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from core.db import db, utcnow
from plugins.complaints import history
from plugins.complaints.models import (
    FIRST_RESPONSE, OPEN_STATES, RESOLUTION, Complaint, Escalation, Severity, Team,
)
from plugins.complaints.sla import policy_for

log = logging.getLogger(__name__)

BATCH = 500
TARGETS = {
    FIRST_RESPONSE: (Complaint.first_response_due, Complaint.first_response_escalated_at),
    RESOLUTION: (Complaint.resolution_due, Complaint.resolution_escalated_at),
}


def _candidates(target: str, now: datetime, after_id: int) -> list[tuple[int, datetime]]:
    due, escalated = TARGETS[target]
    stmt = (sa.select(Complaint.id, due).where(Complaint.state.in_(OPEN_STATES), due <= now, escalated.is_(None),
                                               Complaint.id > after_id)
            .order_by(Complaint.id).limit(BATCH))
    if target == FIRST_RESPONSE:
        stmt = stmt.where(Complaint.first_response_at.is_(None))
    return list(db.session.execute(stmt).all())


def _claim(target: str, complaint_id: int, now: datetime) -> bool:
    _due, escalated = TARGETS[target]
    stmt = (sa.update(Complaint).where(Complaint.id == complaint_id, escalated.is_(None),
                                       Complaint.state.in_(OPEN_STATES))
            .values({escalated: now, Complaint.escalation_count: Complaint.escalation_count + 1,
                     Complaint.version: Complaint.version + 1})
            .execution_options(synchronize_session=False))
    return db.session.execute(stmt).rowcount == 1


def escalate_due(now: datetime | None = None) -> int:
    """Escalate every breach not escalated yet; returns how many were escalated (commits per batch)."""
    now = now or utcnow()
    done = 0
    for target in TARGETS:
        after = 0
        while True:
            rows = _candidates(target, now, after)
            if not rows:
                break
            for complaint_id, due_at in rows:
                if _claim(target, complaint_id, now):
                    _escalate(db.session.get(Complaint, complaint_id), target, due_at, now)
                    done += 1
            after = rows[-1][0]
            db.session.commit()
    return done


def _next_severity(current: Severity | None) -> Severity | None:
    stmt = sa.select(Severity).where(Severity.active.is_(True)).order_by(Severity.rank).limit(1)
    if current is not None:
        stmt = stmt.where(Severity.rank > current.rank)
    return db.session.execute(stmt).scalar()


def _escalate(complaint: Complaint, target: str, due_at: datetime, now: datetime) -> None:
    db.session.refresh(complaint)
    policy = policy_for(complaint.category_id, complaint.severity_id)
    team = db.session.get(Team, complaint.team_id) if complaint.team_id else None
    manager = team.manager if team is not None and team.manager is not None and team.manager.active else None
    row = Escalation(complaint_id=complaint.id, target=target, due_at=due_at, escalated_at=now,
                     notified_user_id=manager.id if manager else None, severity_from_id=complaint.severity_id)
    if policy is not None and policy.raise_severity:
        higher = _next_severity(complaint.severity)
        if higher is not None:
            complaint.severity_id = higher.id
    if policy is not None and policy.reassign_to_manager and manager is not None:
        complaint.assignee_id = manager.id
        row.reassigned_to_id = manager.id
    row.severity_to_id = complaint.severity_id
    db.session.add(row)
    history.log(complaint, "escalated", target=target)
    if manager is not None:
        _notify(complaint, manager, target)


def _notify(complaint: Complaint, manager, target: str) -> None:
    """A follow-up for the manager today, and an email in their language."""
    from core.history.service import schedule_activity
    from core.messaging import MessageInputError, queue_message
    from plugins.complaints.calendar import load_calendar

    with force_locale(manager.ui_language or "en"):
        what = _("first response") if target == FIRST_RESPONSE else _("resolution")
        summary = _("Escalated complaint %(ref)s: the %(target)s target was missed", ref=complaint.reference,
                    target=what)
        body = _("Complaint %(ref)s (%(title)s) missed its %(target)s target.", ref=complaint.reference,
                 title=complaint.title, target=what)
    calendar = load_calendar()
    schedule_activity(complaint.customer_id, summary=summary[:300], due_date=calendar.local_day(utcnow()),
                      assignee_id=manager.id, source="complaints", ref=f"complaint:{complaint.id}",
                      permission="complaints.view")
    try:
        queue_message(channel="email", to=manager.email, subject=summary[:500], body=body, purpose="service",
                      source="complaints", ref=f"escalation:{complaint.id}",
                      dedupe_key=f"complaints:escalation:{complaint.id}:{target}:{complaint.escalation_count}")
    except MessageInputError as exc:
        log.warning("escalation mail for complaint %s not queued: %s", complaint.id, exc)
