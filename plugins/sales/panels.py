"""What sales shows on other pages: the customer's purchase history panel, the
dashboard widget, and hits for the global search."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, url_for
from markupsafe import Markup
from sqlalchemy.orm import joinedload
from flask_babel import gettext as _

from core.contrib import SearchResult
from core.db import db
from plugins.sales import stats
from plugins.sales.access import visible
from plugins.sales.models import OPEN, Opportunity, Order


def customer_panel(customer, user, loaded: dict | None = None):
    """The Sales tab: purchase history (two grouped statements), the five latest orders and the
    five latest open deals. The tab's badge comes with them — open quotations counted by a
    sub-select of the orders statement, open deals by a window count of the deals statement — and
    is left in ``loaded["open_items"]`` for :func:`open_items`, so the tab costs four statements."""
    from plugins.sales.models import DRAFT, SENT
    from plugins.sales.orders import state_label

    history = stats.purchase_history(customer.id)
    quotes = (visible(sa.select(sa.func.count()).select_from(Order), Order, user)
              .where(Order.customer_id == customer.id, Order.state.in_((DRAFT, SENT)))
              .correlate(None).scalar_subquery())
    recent_rows = db.session.execute(
        visible(sa.select(Order, quotes), Order, user).where(Order.customer_id == customer.id)
        .order_by(Order.id.desc()).limit(5)).all()
    opp_rows = db.session.execute(
        visible(sa.select(Opportunity, sa.func.count().over()), Opportunity, user)
        .options(joinedload(Opportunity.stage))
        .where(Opportunity.customer_id == customer.id, Opportunity.status == OPEN)
        .order_by(Opportunity.id.desc()).limit(5)).all()
    # No visible order means no visible quotation, and no open deal row means none open.
    if loaded is not None:
        loaded["open_items"] = ((recent_rows[0][1] if recent_rows else 0) + (opp_rows[0][1] if opp_rows else 0)) or None
    return Markup(render_template("sales/panel.html", customer=customer, h=history, recent=[r[0] for r in recent_rows],
                                  open_opps=[r[0] for r in opp_rows], state_label=state_label))


def open_items(customer, user, loaded: dict | None = None) -> int | None:
    """Open opportunities plus quotations not yet confirmed or cancelled (the tab's badge);
    taken from ``loaded`` when :func:`customer_panel` already counted them."""
    from plugins.sales.models import DRAFT, SENT

    if loaded is not None and "open_items" in loaded:
        return loaded["open_items"]
    opps = db.session.execute(visible(sa.select(sa.func.count()).select_from(Opportunity), Opportunity, user)
                              .where(Opportunity.customer_id == customer.id, Opportunity.status == OPEN)).scalar()
    quotes = db.session.execute(visible(sa.select(sa.func.count()).select_from(Order), Order, user)
                                .where(Order.customer_id == customer.id, Order.state.in_((DRAFT, SENT)))).scalar()
    return (opps or 0) + (quotes or 0) or None


def dashboard_widget(user):
    mine = sa.and_(Opportunity.owner_id == user.id, Opportunity.status == OPEN)
    closing = db.session.execute(
        sa.select(Opportunity).where(mine, Opportunity.expected_close.is_not(None))
        .order_by(Opportunity.expected_close, Opportunity.id).limit(5)).scalars().all()
    return Markup(render_template("sales/widget.html", totals=stats.open_pipeline(user.id),
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



