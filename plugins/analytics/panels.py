"""The analytics panel on the customer page: this customer's row of the latest snapshot."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from core.db import db
from core.security import scoped
from plugins.analytics.models import CustomerFigures, latest_snapshot

PANEL_OFFERS = 3


def figures_for(customer_id: int, snapshot) -> CustomerFigures | None:
    """The customer's figures in ``snapshot`` if the current user may see them (record rule), else None."""
    if snapshot is None:
        return None
    stmt = scoped(sa.select(CustomerFigures), CustomerFigures).where(
        CustomerFigures.snapshot_id == snapshot.id, CustomerFigures.customer_id == customer_id)
    return db.session.execute(stmt).scalar_one_or_none()


def customer_panel(customer, user):
    from plugins.analytics.models import HORIZON_DAYS
    from plugins.analytics.rfm import class_label

    from plugins.analytics.crosssell import reason, recommendations_for

    snapshot = latest_snapshot()
    row = figures_for(customer.id, snapshot)
    offers = recommendations_for(customer.id, snapshot, limit=PANEL_OFFERS) if row is not None else []
    not_mine = not user.can("analytics.manager") and customer.owner_id != user.id
    return Markup(render_template("analytics/panel.html", snapshot=snapshot, row=row, offers=offers,
                                  reason=reason, not_mine=not_mine, class_label=class_label, horizon_days=HORIZON_DAYS))
