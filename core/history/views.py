"""Contact-history pages: "My activities" and marking follow-ups done or not done.

Open follow-ups are listed by due date ascending, which puts overdue ones first;
the list is keyset-paged on ``(due_date, id)`` and answered by the
``(assignee_id, done_at, due_date, id)`` index.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from core.db import db, utcnow
from core.history.guards import can_see_entry, visible_clause
from core.l10n import local_today
from core.history.models import Activity
from core.security import ensure_visible, requires
from core.web.pagination import BadCursor, cursor_of, keyset_page
from core.web.redirects import safe_target

bp = Blueprint("history", __name__)


@bp.get("/activities")
@requires("history.log")
def my_activities():
    show_done = request.args.get("show") == "done"
    stmt = (sa.select(Activity).where(Activity.assignee_id == current_user.id, visible_clause(Activity, current_user))
            .options(selectinload(Activity.customer)))
    try:
        if show_done:
            stmt = stmt.where(Activity.done_at.is_not(None))
            page = keyset_page(db.session, stmt, [Activity.done_at, Activity.id], cursor=request.args.get("cursor"),
                               limit=current_app.config["PAGE_SIZE"], descending=True,
                               convert=cursor_of("datetime", "id"))
        else:
            stmt = stmt.where(Activity.done_at.is_(None))
            page = keyset_page(db.session, stmt, [Activity.due_date, Activity.id], cursor=request.args.get("cursor"),
                               limit=current_app.config["PAGE_SIZE"],
                               convert=cursor_of("date", "id"))
    except (BadCursor, ValueError, TypeError):
        abort(400)
    return render_template("history/my_activities.html", page=page, show_done=show_done, today=local_today())


def _back(default: str) -> str:
    """Where to return after done/undo: a local path from the form, else ``default``."""
    return safe_target(request.form.get("next"), default)


def _activity(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or not can_see_entry(activity, current_user):
        abort(404)  # a follow-up of a hidden record is as hidden as the record
    ensure_visible(activity.customer)
    return activity


@bp.post("/activities/<int:activity_id>/done")
@requires("history.log")
def mark_done(activity_id: int):
    activity = _activity(activity_id)
    if activity.done_at is None:
        activity.done_at = utcnow()
        db.session.commit()
    flash(_("Marked as done: %(summary)s", summary=activity.summary), "success")
    return redirect(_back(url_for("history.my_activities")))


@bp.post("/activities/<int:activity_id>/undo")
@requires("history.log")
def mark_undone(activity_id: int):
    activity = _activity(activity_id)
    if activity.done_at is not None:
        activity.done_at = None
        db.session.commit()
    flash(_("Open again: %(summary)s", summary=activity.summary), "success")
    return redirect(_back(url_for("history.my_activities")))
