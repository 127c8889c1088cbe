"""Most profitable customers: revenue − cost of goods − what other plugins' records cost.

Run by the snapshot job, in SQL:

* sales' confirmed lines (``sales_order_lines`` query hook) give revenue (``net_amount``)
  and cost of goods (``cost`` = quantity × the unit cost when the line was saved; a line
  with no known cost counts 0 and is counted in ``uncosted_lines``, so the page can say
  how complete the figure is);
* every enabled plugin implementing analytics' ``analytics_customer_costs`` hook adds its
  costs (service: repairs not billed; complaints: compensation paid). A disabled plugin
  contributes nothing and the page lists which costs were counted.

One ``INSERT … SELECT`` (a ``UNION ALL`` of the sources, grouped per customer) writes the
rows; then the profits alone are streamed, best first, for the Pareto summary: the fewest
customers making 80 % of the total profit, the share the top 20 % make, the cumulative
curve and the profit per tenth of customers (the chart). Only amounts in the snapshot's
currency and dated up to the snapshot date count.
"""
from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from flask import current_app

from core.db import db
from plugins.analytics.models import CustomerProfit

PARETO_SHARE = 0.8     # "the customers who make 80 % of the profit"
TOP_SHARE = 0.2        # "what the top 20 % of customers make"
CURVE_POINTS = 20      # the cumulative curve every 5 % of customers
ZERO = sa.literal(0, sa.Numeric(14, 2))


def cost_sources() -> list[tuple[str, dict]]:
    """``[(plugin, {"key", "label", "query"}), ...]`` from the enabled plugins, in key order."""
    registry = current_app.extensions["rapport"].plugins
    items = [(plugin, item) for plugin, result in registry.call("analytics_customer_costs") for item in result or ()]
    return sorted(items, key=lambda pi: pi[1]["key"])


def cost_labels() -> dict[str, str]:
    """Each counted cost's label in the reader's language (the plugin may be disabled since: key shown)."""
    return {item["key"]: str(item["label"]) for _plugin, item in cost_sources()}


def _parts(as_of: date, currency: str, sources) -> list[sa.Select]:
    from core import query

    lines = query("sales_order_lines")
    parts = []
    if lines is not None:
        s = lines.subquery("sales_lines")
        parts.append(sa.select(s.c.customer_id, s.c.net_amount.label("revenue"),
                               sa.func.coalesce(s.c.cost, 0).label("goods_cost"), ZERO.label("other_cost"),
                               sa.case((s.c.cost.is_(None), 1), else_=0).label("uncosted"))
                     .where(s.c.currency == currency, s.c.order_date <= as_of))
    for i, (_plugin, item) in enumerate(sources):
        c = item["query"].subquery(f"cost_{i}")
        parts.append(sa.select(c.c.customer_id, ZERO.label("revenue"), ZERO.label("goods_cost"),
                               c.c.amount.label("other_cost"), sa.literal(0).label("uncosted"))
                     .where(c.c.currency == currency, c.c.day <= as_of))
    return parts


def write_profit(snapshot, as_of: date) -> dict:
    """Write the snapshot's ``analytics_profit`` rows and set its Pareto figures; returns the summary."""
    from core.customers.models import Customer

    currency = snapshot.currency
    sources = cost_sources()
    parts = _parts(as_of, currency, sources)
    if not parts:
        return {}
    every = sa.union_all(*parts).subquery("every")
    revenue, goods, other = (sa.func.sum(every.c.revenue), sa.func.sum(every.c.goods_cost),
                             sa.func.sum(every.c.other_cost))
    per_customer = (sa.select(sa.literal(snapshot.id), every.c.customer_id, Customer.owner_id, revenue, goods, other,
                              revenue - goods - other, sa.func.sum(every.c.uncosted))
                    .join(Customer, Customer.id == every.c.customer_id)
                    .group_by(every.c.customer_id, Customer.owner_id))
    db.session.execute(sa.insert(CustomerProfit).from_select(
        ["snapshot_id", "customer_id", "owner_id", "revenue", "goods_cost", "other_cost", "profit", "uncosted_lines"],
        per_customer))
    costs = []
    for i, (_plugin, item) in enumerate(sources):
        c = item["query"].subquery(f"total_{i}")
        amount, customers = db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(c.c.amount), 0), sa.func.count(sa.distinct(c.c.customer_id)))
            .where(c.c.currency == currency, c.c.day <= as_of)).one()
        costs.append({"key": item["key"], "amount": str(Decimal(amount).quantize(Decimal("0.01"))),
                      "customers": customers})
    profits = np.array([float(p) for p in db.session.execute(
        sa.select(CustomerProfit.profit).where(CustomerProfit.snapshot_id == snapshot.id)
        .order_by(CustomerProfit.profit.desc())).scalars()], dtype=float)
    summary = pareto(profits)
    summary["costs"] = costs
    revenue, goods, uncosted, total = db.session.execute(
        sa.select(sa.func.sum(CustomerProfit.revenue), sa.func.sum(CustomerProfit.goods_cost),
                  sa.func.sum(CustomerProfit.uncosted_lines), sa.func.sum(CustomerProfit.profit))
        .where(CustomerProfit.snapshot_id == snapshot.id)).one()
    summary.update(revenue=str(revenue or 0), goods_cost=str(goods or 0), uncosted_lines=int(uncosted or 0),
                   customers=len(profits))
    snapshot.profit_total = total
    snapshot.pareto_customers = summary.pop("pareto_customers")
    snapshot.top20_share = summary.pop("top20_share")
    snapshot.profit_summary = summary
    return summary


def pareto(profits) -> dict:
    """Pareto figures of ``profits`` sorted best first (numpy array).

    ``pareto_customers``: the fewest customers whose profit adds up to 80 % of the total;
    ``top20_share``: what the best 20 % of customers (rounded up) make, as a share of the
    total; ``curve``: ``[customer share, cumulative profit share]`` every 5 % of customers;
    ``deciles``: each tenth of the customers' share of the total. All None/empty when the
    total profit is not positive (shares of a loss mean nothing).
    """
    n = len(profits)
    total = float(profits.sum()) if n else 0.0
    if n == 0 or total <= 0:
        return {"pareto_customers": None, "top20_share": None, "curve": [], "deciles": []}
    cumulative = np.cumsum(profits) / total
    # A tiny tolerance: float sums of cents that reach 80 % exactly must count as reaching it.
    k80 = int(np.argmax(cumulative >= PARETO_SHARE - 1e-9)) + 1
    top = math.ceil(TOP_SHARE * n)
    curve = [[0.0, 0.0]] + [[i / CURVE_POINTS, float(cumulative[max(1, round(i * n / CURVE_POINTS)) - 1])]
                            for i in range(1, CURVE_POINTS + 1)]
    edges = [round(i * n / 10) for i in range(11)]
    deciles = [float(profits[edges[i]:edges[i + 1]].sum() / total) for i in range(10)]
    return {"pareto_customers": k80, "top20_share": float(cumulative[top - 1]), "curve": curve, "deciles": deciles}


def delete_snapshots(ids) -> None:
    """Drop the profit rows of snapshots being deleted (``ids``: a subquery of snapshot ids)."""
    db.session.execute(sa.delete(CustomerProfit).where(CustomerProfit.snapshot_id.in_(ids)))
