"""Compensation paid on complaints, for analytics' profit ranking (the
``analytics_customer_costs`` hook that analytics defines; complaints never imports it).

A resolved complaint's ``compensation_amount`` (a payment or a credit note: both are money the
business gives up) counts against the customer on the day it was resolved. Reopening clears
``resolved_at``, so a reopened complaint counts again only once it is resolved again.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from plugins.complaints.models import Complaint


def compensation_paid() -> sa.Select:
    """``(customer_id, day, amount, currency)`` per resolved complaint with a compensation."""
    return (sa.select(Complaint.customer_id.label("customer_id"),
                      sa.type_coerce(sa.func.date(Complaint.resolved_at), sa.Date).label("day"),
                      Complaint.compensation_amount.label("amount"),
                      sa.literal(current_app.config["DEFAULT_CURRENCY"]).label("currency"))
            .where(Complaint.resolved_at.is_not(None), Complaint.compensation_amount > 0))


def contributions() -> list[dict]:
    return [{"key": "complaints.compensation", "label": _l("Compensation paid"), "query": compensation_paid()}]
