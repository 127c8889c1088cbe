"""The audit pages: the admin log with filters, and a customer's Changes tab.

Both are read-only (GET only, nothing in the application edits an entry) and need
the ``admin.audit`` permission; the Changes tab needs ``customers.view`` and the
customer's record rules as well. Lists are keyset-paged, newest first.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from core.audit import PERMISSION
from core.audit.context import ORIGINS
from core.audit.display import ACTION_LABELS, ORIGIN_LABELS, describe, record_types
from core.audit.models import ACTIONS
from core.audit.queries import Filters, find
from core.auth.models import User
from core.customers.models import Customer
from core.db import db
from core.l10n import ParseError, date_example, parse_date
from core.l10n import timezone as l10n_timezone
from core.security import check_permission, ensure_visible, requires
from core.web.pagination import BadCursor

bp = Blueprint("audit", __name__)
# A customer's changes belong with the customer pages, not under Administration in the menu.
tab_bp = Blueprint("audit_tab", __name__)

USER_CHOICES_MAX = 500
RECORD_ID_MAX = 64
PANEL_ENTRIES = 10  # on the customer page's Changes tab; older ones on the tab's own page


def _date(name: str, errors: dict) -> date | None:
    """A day typed in the reader's conventions (their short form and calendar, or ISO)."""
    try:
        return parse_date(request.args.get(name))
    except ParseError as exc:
        errors[name] = str(exc)
        return None


def _filters_from_args() -> tuple[Filters, dict[str, str]]:
    """The page's filters from the query string; a bad value is reported and ignored."""
    errors: dict[str, str] = {}
    args = request.args
    f = Filters(zone=l10n_timezone())  # the days the reader means, in their zone
    user = (args.get("user") or "").strip()
    if user:
        if user.isdigit() and int(user) <= 2**31:
            f.user_id = int(user)
        else:
            errors["user"] = _("Not a user.")
    record_type = (args.get("type") or "").strip()
    if record_type:
        if record_type in dict(record_types()):
            f.record_type = record_type
        else:
            errors["type"] = _("Not a record type.")
    record_id = (args.get("record") or "").strip()
    if record_id:
        if len(record_id) > RECORD_ID_MAX:
            errors["record"] = _("At most %(n)d characters.", n=RECORD_ID_MAX)
        else:
            f.record_id = record_id
    action = args.get("action") or ""
    if action:
        if action in ACTIONS:
            f.action = action
        else:
            errors["action"] = _("Not an action.")
    origin = args.get("origin") or ""
    if origin:
        if origin in ORIGINS:
            f.origin = origin
        else:
            errors["origin"] = _("Not a source.")
    f.since, f.until = _date("since", errors), _date("until", errors)
    if f.since and f.until and f.since > f.until:
        errors["until"] = _("The end of the period is before its start.")
        f.until = None
    return f, errors


@bp.get("/admin/audit")
@requires(PERMISSION)
def index():
    """Every change and security event, newest first, filtered by user, record, action, origin, period."""
    filters, errors = _filters_from_args()
    try:
        page = find(db.session, filters, cursor=request.args.get("cursor"), limit=current_app.config["PAGE_SIZE"])
    except BadCursor:
        abort(400)
    users = db.session.execute(
        sa.select(User.id, User.name, User.email).order_by(User.email).limit(USER_CHOICES_MAX)
    ).all()
    return render_template(
        "audit/index.html", page=page, entries=describe(page.items), filters=filters, errors=errors,
        user_options=[(u.id, f"{u.name} <{u.email}>" if u.name else u.email) for u in users], record_types=record_types(), actions=[(a, ACTION_LABELS[a]) for a in ACTIONS],
        origins=[(o, ORIGIN_LABELS[o]) for o in ORIGINS], date_hint=date_example(),
    ), (422 if errors else 200)


def customer_changes_panel(customer: Customer) -> Markup:
    """The customer page's Changes tab (a ``customer_panels`` contribution of the core): the
    latest changes to the customer and its records, and a link to the older ones."""
    page = find(db.session, Filters(customer_id=customer.id), cursor=None, limit=PANEL_ENTRIES)
    return Markup(render_template("audit/_customer_panel.html", customer=customer, page=page,
                                  entries=describe(page.items)))


@tab_bp.get("/customers/<int:customer_id>/changes")
@requires(PERMISSION)
def customer_changes(customer_id: int):
    """Every change to the customer and its records, newest first, a keyset page at a time."""
    check_permission("customers.view")
    customer = ensure_visible(db.session.get(Customer, customer_id) if customer_id <= 2**31 else None)
    try:
        page = find(db.session, Filters(customer_id=customer.id), cursor=request.args.get("cursor"),
                    limit=current_app.config["PAGE_SIZE"])
    except BadCursor:
        abort(400)
    return render_template("audit/customer_changes.html", customer=customer, page=page,
                           entries=describe(page.items))
