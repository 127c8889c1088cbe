"""The Outbox page (admins): every message, filtered, as sent; retry of failed ones."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from core.db import db
from core.messaging.models import CHANNELS, STATUSES, OutboxMessage
from core.messaging.outbox import RETRYABLE, retry_message
from core.messaging.sending import channel_problem
from core.messaging.views import bp
from core.security import requires
from core.web.pagination import BadCursor, keyset_page


def _filters(args) -> dict:
    return {
        "status": args.get("status") if args.get("status") in STATUSES else "",
        "channel": args.get("channel") if args.get("channel") in CHANNELS else "",
        "to": (args.get("to") or "").strip().lower()[:254],
        "customer": args.get("customer", type=int),
    }


@bp.get("/outbox")
@requires("messages.outbox")
def outbox():
    f = _filters(request.args)
    stmt = sa.select(OutboxMessage).options(selectinload(OutboxMessage.customer))
    if f["status"]:
        stmt = stmt.where(OutboxMessage.status == f["status"])
    if f["channel"]:
        stmt = stmt.where(OutboxMessage.channel == f["channel"])
    if f["to"]:
        stmt = stmt.where(OutboxMessage.recipient == f["to"])
    if f["customer"]:
        stmt = stmt.where(OutboxMessage.customer_id == f["customer"])
    try:
        page = keyset_page(db.session, stmt, [OutboxMessage.id], cursor=request.args.get("cursor"),
                           limit=current_app.config["PAGE_SIZE"], descending=True)
    except BadCursor:
        abort(400)
    problems = {c: channel_problem(c) for c in CHANNELS}
    return render_template("messages/outbox.html", page=page, filters=f, statuses=STATUSES, channels=CHANNELS,
                           problems=problems)


@bp.get("/outbox/<int:message_id>")
@requires("messages.outbox")
def outbox_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("messages/outbox_message.html", message=message, retryable=message.status in RETRYABLE)


@bp.post("/outbox/<int:message_id>/retry")
@requires("messages.outbox")
def outbox_retry(message_id: int):
    db.session.get(OutboxMessage, message_id) or abort(404)
    if retry_message(message_id):
        db.session.commit()
        flash(_("The message is queued again."), "success")
    else:
        flash(_("Only failed, bounced or unknown messages can be sent again."), "error")
    return redirect(url_for("messages.outbox_message", message_id=message_id))
