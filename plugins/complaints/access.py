"""Who sees which complaint: managers all of them, agents their teams' complaints.

An agent (``complaints.view``) sees a complaint when its ``team_id`` is one of the
agent's teams, when it is assigned to them, or when it is in the shared queue (no
team yet). Holders of ``complaints.all`` (the Complaints manager role) see every one.
The rule reads the complaint's own columns (team, assignee), never its customer's, so
editing a customer cannot widen it. Pages and the API apply :func:`visible` to every
list and :func:`get_visible` (404) to every complaint reached by id.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from core.db import db
from plugins.complaints.models import Complaint, TeamMember

VIEW, ALL, MANAGE = "complaints.view", "complaints.all", "complaints.manage"


def team_ids(user) -> list[int]:
    return list(db.session.execute(sa.select(TeamMember.team_id).where(TeamMember.user_id == user.id)).scalars())


def visible(stmt, user=None):
    """Restrict a select over :class:`Complaint` to what ``user`` may see."""
    user = user or current_user
    if user.can(ALL):
        return stmt
    mine = sa.select(TeamMember.team_id).where(TeamMember.user_id == user.id).scalar_subquery()
    return stmt.where(sa.or_(Complaint.team_id.is_(None), Complaint.team_id.in_(mine),
                             Complaint.assignee_id == user.id))


def can_see(complaint: Complaint | None, user=None) -> bool:
    user = user or current_user
    if complaint is None or not user.can(VIEW):
        return False
    if user.can(ALL) or complaint.team_id is None or complaint.assignee_id == user.id:
        return True
    return complaint.team_id in team_ids(user)


def get_visible(complaint_id: int, *, for_update: bool = False) -> Complaint:
    """The complaint, or 404 when it does not exist or the user may not see it."""
    complaint = db.session.get(Complaint, complaint_id)
    if not can_see(complaint):
        abort(404)
    return complaint
