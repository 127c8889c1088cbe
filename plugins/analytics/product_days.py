"""Each customer's distinct purchase days of each catalog product, read once per recomputation.

Cross-sell (each product's first and last day per customer) and repurchase intervals (the gaps
between a customer's purchase days of one product) both start from this one set. Reading it
once, grouped in SQL (two orders of one product on one day are one purchase) and streamed into
numpy arrays, replaces three re-aggregations of sales' lines, each over the whole history.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import sqlalchemy as sa

from core.db import db

READ_CHUNK = 50_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass
class ProductDays:
    """One entry per (customer, product, day), sorted by the three; days are date ordinals."""

    customer: np.ndarray
    product: np.ndarray
    day: np.ndarray

    def __len__(self):
        return len(self.customer)


def days_query(as_of: date) -> sa.Select | None:
    """``(customer_id, product_id, day)``: the distinct days each customer bought each catalog product."""
    from core import query

    lines = query("sales_order_lines")
    if lines is None:
        return None
    sub = lines.subquery()
    return (sa.select(sub.c.customer_id, sub.c.product_id, sub.c.order_date)
            .where(sub.c.product_id.is_not(None), sub.c.order_date <= as_of)
            .group_by(sub.c.customer_id, sub.c.product_id, sub.c.order_date))


def ordinals(values) -> np.ndarray:
    """Dates (PostgreSQL) or ISO date strings (SQLite) → date ordinals as int64, without a Python loop."""
    return np.array(values, dtype="datetime64[D]").astype(np.int64) + _EPOCH_ORDINAL


def read(as_of: date) -> ProductDays | None:
    """The set, streamed in chunks of ``READ_CHUNK`` rows (``None`` when sales is not enabled).

    A Core statement with ``yield_per`` *on the statement* (a server-side cursor on PostgreSQL):
    set on the session's connection it would stay for the rest of the transaction, and psycopg
    refuses the next ``executemany`` on a server-side cursor. Sorted in numpy, not in SQL.
    """
    stmt = days_query(as_of)
    if stmt is None:
        return None
    cols: list[list[np.ndarray]] = [[], [], []]
    result = db.session.connection().execute(stmt.execution_options(yield_per=READ_CHUNK))
    for part in result.partitions():
        customer, product, day = zip(*part)
        cols[0].append(np.array(customer, dtype=np.int64))
        cols[1].append(np.array(product, dtype=np.int64))
        cols[2].append(ordinals(day))
    customer, product, day = (np.concatenate(c) if c else np.zeros(0, dtype=np.int64) for c in cols)
    order = np.lexsort((day, product, customer))
    return ProductDays(customer[order], product[order], day[order])
