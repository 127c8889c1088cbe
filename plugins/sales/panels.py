"""What sales shows on other pages: the customer's purchase history panel, the
dashboard widget, and hits for the global search."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, url_for
from markupsafe import Markup
from flask_babel import gettext as _

from core.contrib import SearchResult
from core.db import db
from plugins.sales import stats
from plugins.sales.access import visible
from plugins.sales.models import OPEN, Opportunity, Order


def customer_panel(customer, user):
    history = stats.purchase_history(customer.id)
    recent = db.session.execute(
        visible(sa.select(Order), Order, user).where(Order.customer_id == customer.id)
        .order_by(Order.id.desc()).limit(5)).scalars().all()
    open_opps = db.session.execute(
        visible(sa.select(Opportunity), Opportunity, user)
        .where(Opportunity.customer_id == customer.id, Opportunity.status == OPEN)
        .order_by(Opportunity.id.desc()).limit(5)).scalars().all()
    from plugins.sales.orders import state_label

    return Markup(render_template("sales/panel.html", customer=customer, h=history, recent=recent, open_opps=open_opps,
                                  state_label=state_label))


def open_items(customer, user) -> int | None:
    """Open opportunities plus quotations not yet confirmed or cancelled (the tab's badge)."""
    from plugins.sales.models import DRAFT, SENT

    opps = db.session.execute(visible(sa.select(sa.func.count()).select_from(Opportunity), Opportunity, user)
                              .where(Opportunity.customer_id == customer.id, Opportunity.status == OPEN)).scalar()
    quotes = db.session.execute(visible(sa.select(sa.func.count()).select_from(Order), Order, user)
                                .where(Order.customer_id == customer.id, Order.state.in_((DRAFT, SENT)))).scalar()
    return (opps or 0) + (quotes or 0) or None


def dashboard_widget(user):
    mine = sa.and_(Opportunity.owner_id == user.id, Opportunity.status == OPEN)
    rows = db.session.execute(
        sa.select(Opportunity.currency, sa.func.count(), sa.func.sum(Opportunity.expected_revenue))
        .where(mine).group_by(Opportunity.currency)).all()
    closing = db.session.execute(
        sa.select(Opportunity).where(mine, Opportunity.expected_close.is_not(None))
        .order_by(Opportunity.expected_close, Opportunity.id).limit(5)).scalars().all()
    return Markup(render_template("sales/widget.html", totals=[(c, n, stats._dec(s)) for c, n, s in rows],
                                  closing=closing))


def search(query: str, user, limit: int) -> list[SearchResult]:
    """Opportunity titles (case-insensitive) and order numbers the user may see."""
    if not user.can("sales.user"):
        return []
    out = []
    q = query.replace("%", "").replace("_", "")
    if len(q) >= 2:
        opps = db.session.execute(visible(sa.select(Opportunity), Opportunity, user)
                                  .where(Opportunity.title.ilike(f"%{q}%"))
                                  .order_by(Opportunity.id.desc()).limit(limit)).scalars()
        out += [SearchResult(o.title, url_for("sales.opportunity", opp_id=o.id), _("Opportunities"),
                             o.display_customer, weight=30) for o in opps]
    orders = db.session.execute(visible(sa.select(Order), Order, user)
                                .where(Order.number == query.upper()).limit(limit)).scalars()
    out += [SearchResult(o.label, url_for("sales.order", order_id=o.id), _("Orders"),
                         f"{o.total} {o.currency}", weight=31) for o in orders]
    return out[:limit]



