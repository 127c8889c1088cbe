"""Administration › Event deliveries: listeners that keep failing, and retrying them.

A failed delivery is retried by the workers on its own (with backoff); this page is
for a person to see why it fails and, once the cause is fixed, retry without waiting.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from core.db import db, utcnow
from core.events.delivery import DELIVERED, SKIPPED, deliver_ids, retry_now
from core.events.models import FAILED, PENDING, Event, EventDelivery
from core.security import requires
from core.web.pagination import BadCursor, keyset_page

bp = Blueprint("events", __name__, url_prefix="/admin/events")

PERMISSION = "admin.jobs"
WAITING_CAP = 1000


@bp.get("/")
@requires(PERMISSION)
def failing():
    plugin = request.args.get("plugin") or None
    stmt = sa.select(EventDelivery).where(EventDelivery.status == FAILED).options(sa.orm.joinedload(EventDelivery.event))
    if plugin:
        stmt = stmt.where(EventDelivery.plugin == plugin)
    try:
        page = keyset_page(db.session, stmt, [EventDelivery.id], cursor=request.args.get("cursor"),
                           limit=current_app.config["PAGE_SIZE"], descending=True)
    except BadCursor:
        abort(400)
    # Pending deliveries past their pick-up time: a sign that no worker is running (capped count).
    overdue = db.session.execute(
        sa.select(sa.func.count()).select_from(
            sa.select(EventDelivery.id).where(EventDelivery.status == PENDING,
                                              EventDelivery.next_attempt_at < utcnow()).limit(WAITING_CAP).subquery())
    ).scalar()
    plugins = sorted(current_app.extensions["rapport"].plugins.installed)
    return render_template("events/failing.html", page=page, plugin=plugin, plugins=plugins, overdue=overdue,
                           cap=WAITING_CAP)


@bp.post("/<int:delivery_id>/retry")
@requires(PERMISSION)
def retry_one(delivery_id: int):
    """Deliver now, in this request, so the admin sees at once whether the fix worked."""
    delivery = db.session.get(EventDelivery, delivery_id) if delivery_id < 2**63 else None
    if delivery is None:
        abort(404)
    event: Event = delivery.event
    name, plugin = event.name, delivery.plugin
    db.session.rollback()
    outcome = "failed"
    if deliver_ids([delivery_id]):
        outcome = DELIVERED
    elif db.session.get(EventDelivery, delivery_id).status != FAILED:
        outcome = SKIPPED
    if outcome == DELIVERED:
        flash(_("Delivered “%(event)s” to %(plugin)s.", event=name, plugin=plugin), "success")
    elif outcome == SKIPPED:
        flash(_("This delivery was already done."), "info")
    else:
        flash(_("“%(event)s” failed again in %(plugin)s; the error is shown below.", event=name, plugin=plugin),
              "error")
    return redirect(url_for("events.failing", plugin=request.args.get("plugin") or None))


@bp.post("/retry")
@requires(PERMISSION)
def retry_all():
    """Make every failed delivery due now; the workers take them in order."""
    from core.jobs.queue import queue

    count = retry_now()
    db.session.commit()
    queue().enqueue_sweep()
    flash(ngettext("%(num)d delivery handed to the workers.", "%(num)d deliveries handed to the workers.", count),
          "success")
    return redirect(url_for("events.failing"))
