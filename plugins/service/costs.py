"""What repairs cost the business without being billed, for analytics' profit ranking
(the ``analytics_customer_costs`` hook that analytics defines; service never imports it).

A repair's lines that its coverage pays for (``coverage.covered_kinds``: every line when
covered, parts or labour only when partly covered) are worth ``quantity × unit_price`` to the
customer and were not charged: that value is the cost counted against the customer, on the
day the problem was reported (the day coverage was decided). Only finished repairs count
(done or closed); an open or cancelled request has cost nothing yet.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from plugins.service.models import (BILLABLE, CLOSED, COVERED, DONE, LABOUR, LINE_LABOUR, LINE_PART, PARTLY,
                                    RequestLine, ServiceRequest)


def unbilled_repairs() -> sa.Select:
    """``(customer_id, day, amount, currency)`` per finished request with covered lines."""
    decision = sa.func.coalesce(ServiceRequest.coverage_override, ServiceRequest.coverage)
    # The same rule as coverage.covered_kinds, in SQL (an override to "partly" without terms pays parts).
    covered = sa.or_(decision == COVERED,
                     sa.and_(decision == PARTLY, ServiceRequest.coverage_terms == LABOUR, RequestLine.kind == LINE_LABOUR),
                     sa.and_(decision == PARTLY, sa.func.coalesce(ServiceRequest.coverage_terms, "") != LABOUR,
                             RequestLine.kind == LINE_PART))
    amount = sa.func.sum(sa.case((covered, RequestLine.quantity * RequestLine.unit_price), else_=0))
    return (sa.select(ServiceRequest.customer_id.label("customer_id"), ServiceRequest.reported_on.label("day"),
                      sa.type_coerce(amount, RequestLine.unit_price.type).label("amount"),
                      sa.literal(current_app.config["DEFAULT_CURRENCY"]).label("currency"))
            .join(RequestLine, RequestLine.request_id == ServiceRequest.id)
            .where(ServiceRequest.status.in_((DONE, CLOSED)), decision != BILLABLE)
            .group_by(ServiceRequest.id, ServiceRequest.customer_id, ServiceRequest.reported_on))


def contributions() -> list[dict]:
    return [{"key": "service.unbilled_repairs", "label": _l("Repairs not billed"), "query": unbilled_repairs()}]
