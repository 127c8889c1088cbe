"""What complaints shows on other pages: the customer page's Complaints tab (with the
customer's recent calls, each one click from becoming a complaint), the "My complaints"
dashboard card and hits for the global search."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, url_for
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from core.contrib import SearchResult
from core.db import db, utcnow
from plugins.complaints.access import visible
from plugins.complaints.models import Complaint


def customer_panel(customer, user, loaded: dict | None = None):
    """The Complaints tab: the ten latest complaints with their assignees, and the open ones
    counted by a sub-select of the same statement (the tab's badge, left in
    ``loaded["open"]`` for :func:`open_count`), then the five latest calls."""
    from core.auth.models import User
    from core.history.guards import visible_clause
    from core.history.models import Interaction

    open_ = (visible(sa.select(sa.func.count()).select_from(Complaint), user)
             .where(Complaint.customer_id == customer.id, Complaint.is_open == sa.true())
             .correlate(None).scalar_subquery())
    rows = db.session.execute(
        visible(sa.select(Complaint, open_), user).where(Complaint.customer_id == customer.id)
        .options(joinedload(Complaint.assignee).lazyload(User.roles))
        .order_by(Complaint.id.desc()).limit(10)).all()
    if loaded is not None:  # no complaint it may see: none open it may see
        loaded["open"] = (rows[0][1] if rows else 0) or None
    calls = db.session.execute(
        sa.select(Interaction).where(Interaction.customer_id == customer.id, Interaction.channel == "phone",
                                     Interaction.kind == "interaction", visible_clause(Interaction, user))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(5)).scalars().all()
    return Markup(render_template("complaints/panel.html", customer=customer, complaints=[r[0] for r in rows],
                                  calls=calls, now=utcnow()))


def open_count(customer, user, loaded: dict | None = None) -> int | None:
    if loaded is not None and "open" in loaded:
        return loaded["open"]
    n = db.session.execute(visible(sa.select(sa.func.count()).select_from(Complaint), user)
                           .where(Complaint.customer_id == customer.id, Complaint.is_open == sa.true())).scalar()
    return n or None


def dashboard_widget(user):
    mine = db.session.execute(
        sa.select(Complaint).where(Complaint.assignee_id == user.id, Complaint.is_open == sa.true())
        .order_by(Complaint.resolution_due.is_(None), Complaint.resolution_due, Complaint.id).limit(5)).scalars().all()
    return Markup(render_template("complaints/widget.html", complaints=mine, now=utcnow()))


def search(query: str, user, limit: int) -> list[SearchResult]:
    """Complaint references (``C-000042`` or ``42``) the user may see."""
    from flask_babel import gettext as _

    if not user.can("complaints.view"):
        return []
    digits = query.strip().lower().removeprefix("c-").lstrip("0")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 9:
        return []
    stmt = visible(sa.select(Complaint), user).where(Complaint.id == int(digits)).limit(limit)
    return [SearchResult(f"{c.reference} · {c.title}", url_for("complaints.detail", complaint_id=c.id),
                         _("Complaints"), detail=c.customer.name) for c in db.session.execute(stmt).scalars()]
