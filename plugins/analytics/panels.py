"""The analytics panel on the customer page: this customer's row of the latest snapshot."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from core.db import db
from core.security import scoped
from plugins.analytics.models import CustomerFigures, CustomerProfit, latest_snapshot

PANEL_OFFERS = 3


def _visible_row(model, customer_id: int, snapshot):
    """The customer's row of ``model`` in ``snapshot`` if the current user may see it (the model's
    record rule on the snapshot's owner), else None."""
    if snapshot is None:
        return None
    stmt = scoped(sa.select(model), model).where(model.snapshot_id == snapshot.id, model.customer_id == customer_id)
    return db.session.execute(stmt).scalar_one_or_none()


def figures_for(customer_id: int, snapshot) -> CustomerFigures | None:
    """The customer's figures in ``snapshot`` if the current user may see them, else None."""
    return _visible_row(CustomerFigures, customer_id, snapshot)


def profit_for(customer_id: int, snapshot) -> CustomerProfit | None:
    """The customer's profit in ``snapshot`` if the current user may see it, else None."""
    return _visible_row(CustomerProfit, customer_id, snapshot)


def other_costs_label(snapshot) -> str:
    """What "other costs" were in ``snapshot``: the labels of the costs counted (repairs not billed,
    compensation paid), in the reader's language; a key when its plugin has been disabled since."""
    from plugins.analytics.profit import cost_labels

    labels = cost_labels()
    keys = [c["key"] for c in (snapshot.profit_summary or {}).get("costs", [])]
    return ", ".join(labels.get(k, k) for k in keys)


def customer_panel(customer, user):
    from plugins.analytics.models import HORIZON_DAYS
    from plugins.analytics.rfm import class_label

    from plugins.analytics.crosssell import reason, recommendations_for

    snapshot = latest_snapshot()
    row = figures_for(customer.id, snapshot)
    offers = recommendations_for(customer.id, snapshot, limit=PANEL_OFFERS) if row is not None else []
    profit = profit_for(customer.id, snapshot) if row is not None else None
    not_mine = not user.can("analytics.manager") and customer.owner_id != user.id
    return Markup(render_template("analytics/panel.html", snapshot=snapshot, row=row, offers=offers, profit=profit,
                                  other_costs=other_costs_label(snapshot) if profit is not None else "",
                                  reason=reason, not_mine=not_mine, class_label=class_label, horizon_days=HORIZON_DAYS))
