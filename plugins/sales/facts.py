"""The sales facts other plugins read through the query hooks of ``hookspecs.py``.

They return ``Select`` statements, never rows: the reader adds its own filters,
aggregates in SQL or streams with ``yield_per``, so an analytics plugin reads ten
million order lines without building them in Python. The ``(state, confirmed_at)``
and ``(customer_id, confirmed_at)`` indexes of ``sales_order`` serve the usual
filters.
"""
from __future__ import annotations

import sqlalchemy as sa

from core.catalog.models import Money
from plugins.sales.models import CONFIRMED, DRAFT, SENT, Order, OrderLine


def _order_date():
    # date() gives a date on PostgreSQL and an ISO string on SQLite; Date reads both.
    return sa.type_coerce(sa.func.date(Order.confirmed_at), sa.Date)


def order_lines() -> sa.Select:
    cost = sa.case((OrderLine.unit_cost.is_(None), None),
                   else_=sa.func.round(OrderLine.quantity * OrderLine.unit_cost, 2))
    return (
        sa.select(
            OrderLine.id.label("line_id"), Order.id.label("order_id"), Order.number.label("order_number"),
            Order.customer_id.label("customer_id"), Order.owner_id.label("owner_id"),
            Order.confirmed_at.label("confirmed_at"), _order_date().label("order_date"),
            OrderLine.product_id.label("product_id"), OrderLine.sku.label("sku"), OrderLine.kind.label("kind"),
            OrderLine.description.label("description"), OrderLine.quantity.label("quantity"),
            OrderLine.unit_price.label("unit_price"), OrderLine.discount_percent.label("discount_percent"),
            OrderLine.line_total.label("net_amount"), OrderLine.tax_amount.label("tax_amount"),
            OrderLine.unit_cost.label("unit_cost"), sa.type_coerce(cost, Money).label("cost"),
            Order.currency.label("currency"),
        )
        .join(Order, OrderLine.order_id == Order.id)
        .where(Order.state == CONFIRMED)
    )


def orders() -> sa.Select:
    return sa.select(
        Order.id.label("order_id"), Order.number.label("order_number"), Order.customer_id.label("customer_id"),
        Order.owner_id.label("owner_id"), Order.opportunity_id.label("opportunity_id"),
        Order.confirmed_at.label("confirmed_at"), _order_date().label("order_date"), Order.currency.label("currency"),
        Order.subtotal.label("subtotal"), Order.tax_total.label("tax_total"), Order.total.label("total"),
    ).where(Order.state == CONFIRMED)


def open_quotation_products() -> sa.Select:
    """Catalog products on quotations still open (draft or sent), for analytics' "Today" card
    (its ``analytics_open_quotations`` hook): which product to suggest adding to each."""
    return (
        sa.select(Order.id.label("quotation_id"), Order.number.label("number"),
                  Order.customer_id.label("customer_id"), Order.owner_id.label("owner_id"),
                  OrderLine.product_id.label("product_id"))
        .join(Order, OrderLine.order_id == Order.id)
        .where(Order.state.in_((DRAFT, SENT)), OrderLine.product_id.is_not(None))
        .distinct()
    )
