"""Messaging pages under ``/messages``: writing to a customer, the Outbox, unmatched mail,
templates; and the "Email and SMS" panel of the customer page."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from markupsafe import Markup

from core.db import db
from core.messaging.forms import CHANNEL_LABELS, PURPOSE_LABELS, STATUS_LABELS
from core.messaging.models import InboundMail, OutboxMessage

bp = Blueprint("messages", __name__, url_prefix="/messages")
PANEL_ROWS = 8
CANDIDATES_SHOWN = 20


def find_customers(q: str) -> list:
    """Customers matching ``q`` that the user may see (for "pick a customer" boxes)."""
    from core.customers.models import Customer
    from core.customers.search import sort_key, where_matches
    from core.security import scoped, user_can
    from core.text import fold

    folded = fold(q or "")
    if not folded or not user_can("customers.view"):
        return []
    stmt = where_matches(scoped(sa.select(Customer), Customer), folded)
    return db.session.execute(stmt.order_by(sort_key(folded), Customer.id).limit(CANDIDATES_SHOWN)).scalars().all()


@bp.context_processor
def _labels():
    return {"channel_labels": CHANNEL_LABELS, "status_labels": STATUS_LABELS, "purpose_labels": PURPOSE_LABELS}


def customer_panel(customer) -> Markup:
    """The latest messages to and from ``customer`` (two small indexed queries)."""
    sent = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.customer_id == customer.id)
        .order_by(OutboxMessage.id.desc()).limit(PANEL_ROWS)
    ).scalars().all()
    received = db.session.execute(
        sa.select(InboundMail).where(InboundMail.customer_id == customer.id)
        .order_by(InboundMail.id.desc()).limit(PANEL_ROWS)
    ).scalars().all()
    return Markup(render_template("messages/_customer_panel.html", customer=customer, sent=sent, received=received,
                                  channel_labels=CHANNEL_LABELS, status_labels=STATUS_LABELS))


from core.messaging.views import compose, inbound, outbox, templates  # noqa: E402,F401  (routes)
