"""Escalation: a periodic task finds missed targets and escalates each breach once.

Every minute each worker's scheduler calls :func:`escalate_due` (an untracked periodic
task: no job row). It reads the open complaints past a deadline whose breach was not
escalated yet — one indexed range per target, ``(state, due)`` — and claims each with
a conditional UPDATE (``… WHERE id IN (…) AND <target>_escalated_at IS NULL``), so two
workers never escalate the same breach and the next run finds nothing to do. The
claimant records an :class:`Escalation` (unique per complaint, target and deadline),
tells the team's manager (one follow-up in *My activities* and one email through the
outbox per batch, listing the complaints), and — as the SLA policy says — raises the
severity and/or hands the complaint to the manager. A batch is claimed with one
``UPDATE … RETURNING`` and its lookups (policies, teams) are made once per run, so a
run costs one indexed SELECT per target when nothing is new. Reopening clears the
resolution mark and sets a new deadline, so a reopened complaint can be escalated again
for its new breach.
"""
from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from core.db import db, utcnow
from plugins.complaints import history
from plugins.complaints.models import (
    FIRST_RESPONSE, RESOLUTION, Complaint, Escalation, Severity, Team,
)
from plugins.complaints.sla import policy_for

log = logging.getLogger(__name__)

BATCH = 500
TARGETS = {
    FIRST_RESPONSE: (Complaint.first_response_due, Complaint.first_response_escalated_at),
    RESOLUTION: (Complaint.resolution_due, Complaint.resolution_escalated_at),
}


def _candidates(target: str, now: datetime) -> list[tuple[int, datetime]]:
    """The oldest breaches of ``target`` not escalated yet, in the escalation index's order
    (no ORDER BY id: with a LIMIT, PostgreSQL then walked the primary key through a million
    rows looking for breaches that were not there)."""
    due, escalated = TARGETS[target]
    stmt = (sa.select(Complaint.id, due).where(Complaint.is_open == sa.true(), escalated.is_(None), due <= now)
            .order_by(due).limit(BATCH))
    if target == FIRST_RESPONSE:
        stmt = stmt.where(Complaint.first_response_at.is_(None))
    return list(db.session.execute(stmt).all())


def _claim(target: str, ids: list[int], now: datetime) -> set[int]:
    """Mark the breaches escalated in one conditional UPDATE; the ids this call claimed
    (``RETURNING``: a row another worker claimed first is not returned)."""
    _due, escalated = TARGETS[target]
    stmt = (sa.update(Complaint).where(Complaint.id.in_(ids), escalated.is_(None), Complaint.is_open == sa.true())
            .values({escalated: now, Complaint.escalation_count: Complaint.escalation_count + 1,
                     Complaint.version: Complaint.version + 1})
            .returning(Complaint.id).execution_options(synchronize_session=False))
    return set(db.session.execute(stmt).scalars())


class _Run:
    """What one run looks up once: policies, teams and their managers, the severity ladder,
    and the escalations to tell each manager about (one digest per manager per batch)."""

    def __init__(self):
        self.policies: dict = {}
        self.teams: dict = {}
        self.severities = list(db.session.execute(sa.select(Severity).where(Severity.active.is_(True))
                                                  .order_by(Severity.rank)).scalars())
        self.digest: dict[int, list[tuple[Complaint, str]]] = {}

    def policy(self, complaint):
        key = (complaint.category_id, complaint.severity_id)
        if key not in self.policies:
            self.policies[key] = policy_for(*key)
        return self.policies[key]

    def manager(self, team_id):
        if team_id is None:
            return None
        if team_id not in self.teams:
            team = db.session.get(Team, team_id)
            manager = team.manager if team is not None else None
            self.teams[team_id] = manager if manager is not None and manager.active else None
        return self.teams[team_id]

    def next_severity(self, severity_id):
        ranks = [s for s in self.severities if s.id == severity_id]
        higher = [s for s in self.severities if not ranks or s.rank > ranks[0].rank]
        return higher[0] if higher else None


def escalate_due(now: datetime | None = None) -> int:
    """Escalate every breach not escalated yet; returns how many were escalated (commits per batch)."""
    now = now or utcnow()
    run = _Run()
    done = 0
    for target in TARGETS:
        while True:  # every candidate is claimed here or by another worker, so the next read moves on
            rows = _candidates(target, now)
            if not rows:
                break
            due = dict(rows)
            claimed = _claim(target, list(due), now)
            if claimed:
                complaints = db.session.execute(  # populate_existing: the claim moved their version on
                    sa.select(Complaint).where(Complaint.id.in_(claimed)).order_by(Complaint.id)
                    .execution_options(populate_existing=True)).scalars().all()
                for complaint in complaints:
                    _escalate(complaint, target, due[complaint.id], now, run)
                done += len(complaints)
                _notify(run, now)
            db.session.commit()
    return done


def _escalate(complaint: Complaint, target: str, due_at: datetime, now: datetime, run: _Run) -> None:
    policy = run.policy(complaint)
    manager = run.manager(complaint.team_id)
    row = Escalation(complaint_id=complaint.id, target=target, due_at=due_at, escalated_at=now,
                     notified_user_id=manager.id if manager else None, severity_from_id=complaint.severity_id)
    if policy is not None and policy.raise_severity:
        higher = run.next_severity(complaint.severity_id)
        if higher is not None:
            complaint.severity_id = higher.id
    if policy is not None and policy.reassign_to_manager and manager is not None:
        complaint.assignee_id = manager.id
        row.reassigned_to_id = manager.id
    row.severity_to_id = complaint.severity_id
    db.session.add(row)
    history.log(complaint, "escalated", target=target)
    if manager is not None:
        run.digest.setdefault(manager.id, []).append((complaint, target))


def _notify(run: _Run, now: datetime) -> None:
    """Tell each manager once about this batch's escalations: a follow-up for today in
    *My activities* and an email in their language, both listing the complaints."""
    from core.auth.models import User
    from core.history.service import schedule_activity
    from core.messaging import MessageInputError, queue_message
    from plugins.complaints.calendar import load_calendar

    today = load_calendar().local_day(now)
    for manager_id, items in run.digest.items():
        manager = db.session.get(User, manager_id)
        with force_locale(manager.ui_language or "en"):
            lines = [_("%(ref)s (%(title)s): the %(target)s target was missed", ref=c.reference, title=c.title,
                       target=_("first response") if t == FIRST_RESPONSE else _("resolution")) for c, t in items]
            summary = ngettext("%(num)d escalated complaint: %(refs)s", "%(num)d escalated complaints: %(refs)s",
                               len(items), refs=", ".join(c.reference for c, _t in items))
        first = items[0][0]
        schedule_activity(first.customer_id, summary=summary[:300], due_date=today, assignee_id=manager.id,
                          notes="\n".join(lines)[:5000], source="complaints", ref=f"escalation:{first.id}",
                          permission="complaints.view")
        try:
            queue_message(channel="email", to=manager.email, subject=summary[:200], body="\n".join(lines),
                          purpose="service", source="complaints", ref=f"escalation:{first.id}",
                          dedupe_key=f"complaints:escalation:{manager.id}:{now.isoformat()}:{first.id}")
        except MessageInputError as exc:
            log.warning("escalation mail to %s not queued: %s", manager.email, exc)
    run.digest.clear()
