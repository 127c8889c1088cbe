"""Sales criteria for marketing's segments (the ``segment_criteria`` hook that marketing
defines; this module never imports marketing). Each compiles to a condition on
``core_customer.id`` over confirmed orders, so a segment's count stays one query.

Uses the indexes ``ix_sales_order_customer_confirmed`` (customer_id, confirmed_at) and
the index on ``sales_order_line.product_id`` — see bench/segments.py for the figures.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.db import utcnow
from plugins.sales.models import CONFIRMED, Order, OrderLine


def _since(params):
    days = params.get("days")
    return utcnow() - timedelta(days=days) if days is not None else None


def _confirmed(params):
    conditions = [Order.state == CONFIRMED]
    since = _since(params)
    if since is not None:
        conditions.append(Order.confirmed_at >= since)
    return conditions


def bought_product(customer_id, params):
    # IN (buyers) rather than a correlated EXISTS: the database starts from the product's few
    # lines (indexed) and looks the buyers up by id, instead of probing every customer.
    buyers = (sa.select(Order.customer_id).join(OrderLine, OrderLine.order_id == Order.id)
              .where(*_confirmed(params), OrderLine.product_id == params["product"]))
    return customer_id.in_(buyers)


def total_spent(customer_id, params):
    spenders = (sa.select(Order.customer_id).where(*_confirmed(params)).group_by(Order.customer_id)
                .having(sa.func.sum(Order.total) >= params["min"]))
    return customer_id.in_(spenders)


def order_count(customer_id, params):
    buyers = (sa.select(Order.customer_id).where(*_confirmed(params)).group_by(Order.customer_id)
              .having(sa.func.count() >= params["min"]))
    return customer_id.in_(buyers)


def no_order_since(customer_id, params):
    return sa.not_(sa.exists().where(Order.customer_id == customer_id, Order.state == CONFIRMED,
                                     Order.confirmed_at >= _since(params)))


def criteria() -> list[dict]:
    days = {"name": "days", "type": "int", "label": _l("In the last days"), "required": False}
    return [
        {"key": "sales.bought_product", "label": _l("Bought product"), "compile": bought_product, "weight": 20,
         "params": [{"name": "product", "type": "product", "label": _l("Product")}, days]},
        {"key": "sales.total_spent", "label": _l("Total spent at least"), "compile": total_spent, "weight": 21,
         "params": [{"name": "min", "type": "decimal", "label": _l("Amount")}, days]},
        {"key": "sales.order_count", "label": _l("Number of orders at least"), "compile": order_count, "weight": 22,
         "params": [{"name": "min", "type": "int", "label": _l("Orders")}, days]},
        {"key": "sales.no_order_since", "label": _l("No order in the last days"), "compile": no_order_since,
         "weight": 23, "params": [{"name": "days", "type": "int", "label": _l("Days")}]},
    ]
