"""Cross-sell: item-to-item rules mined from sales' order lines, and each customer's best offers.

Both steps run in the snapshot job, so a page view only reads a few indexed rows. SQL reads
each customer's purchase days of each product once (``product_days``, shared with repurchase
intervals); the counting and ranking are then set-based in numpy (a self-join of that read in
SQL, four times per step, was most of the job's time at 1M customers):

1. **Rules.** Per customer and catalog product, the first and last day they bought it
   (sales' ``sales_order_lines`` query hook, lines up to the snapshot date). A self-join on
   the customer counts, for every pair of products X → Y, the customers who bought both
   and those who bought Y for the first time *after* their first X. Rules are per customer,
   not per basket: cross-sell here is "what do X's buyers go on to buy", which a basket
   (one order) would miss when the second purchase comes weeks later.

   ``confidence`` = followers / buyers of X, ``lift`` = confidence / (Y's buyers / all
   buyers), ``support`` = customers with both / all buyers. A rule is kept when at least
   ``MIN_FOLLOWERS`` customers followed it and its lift is above 1 (X's buyers take Y more
   often than customers at large: a real association, not just a popular product); the best
   ``RULES_PER_PRODUCT`` per X are stored.
2. **Recommendations.** For each customer, every rule whose X they bought proposes its Y;
   a Y they bought in the last ``RECENT_DAYS`` is never proposed. Each Y keeps its strongest
   reason (highest confidence), and the ``PER_CUSTOMER`` best Ys are written, ranked; the
   most bought products fill a list that rules leave short (popular products are what a
   customer with no telling purchase is likeliest to buy, and the reason says so).

``tests/test_analytics_crosssell_same.py`` keeps the former SQL of both steps and checks that
the numpy version writes exactly the same rows. How good this is, is measured, not assumed:
``tests/test_analytics_crosssell.py`` computes hit rate at 5 on a held-out period against a
"most popular products" baseline.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core.db import db
from plugins.analytics import bulk, product_days
from plugins.analytics.models import Recommendation, Rule

MIN_FOLLOWERS = 3
RULES_PER_PRODUCT = 20
PER_CUSTOMER = 5
RECENT_DAYS = 365
#: About this many candidate rows (ordered pairs, or offers) per numpy chunk of customers.
CHUNK_WORK = 4_000_000
RECOMMENDATION_COLUMNS = ("snapshot_id", "customer_id", "rank", "product_id", "because_product_id", "confidence",
                          "lift")


@dataclass
class Bought:
    """Each catalog product each customer bought, as numpy arrays: one entry per (customer, product),
    sorted by both, with the first and last day they bought it.

    ``customer`` and ``product`` are ids; ``first``/``last`` are day ordinals. ``products`` is the
    sorted distinct product ids and ``p`` each row's index into it (dense, same order as the ids),
    so ``customer * len(products) + p`` is a sorted key of the rows.
    """

    customer: np.ndarray
    product: np.ndarray
    first: np.ndarray
    last: np.ndarray
    products: np.ndarray
    p: np.ndarray

    def __len__(self):
        return len(self.customer)

    def customer_starts(self) -> np.ndarray:
        """Index of each customer's first row, and ``len(self)`` at the end."""
        if not len(self):
            return np.zeros(1, dtype=np.int64)
        edge = np.flatnonzero(self.customer[1:] != self.customer[:-1]) + 1
        return np.concatenate(([0], edge, [len(self)])).astype(np.int64)


def bought_arrays(as_of: date, days: product_days.ProductDays | None = None) -> Bought | None:
    """``Bought`` from the shared read of purchase days (made if not given):
    each (customer, product)'s first and last day are its first and last row there."""
    if days is None:
        days = product_days.read(as_of)
    if days is None:
        return None
    n = len(days)
    if not n:
        empty = np.zeros(0, dtype=np.int64)
        return Bought(empty, empty, empty, empty, empty, empty)
    head = np.concatenate(([True], (days.customer[1:] != days.customer[:-1]) | (days.product[1:] != days.product[:-1])))
    first_row = np.flatnonzero(head)
    last_row = np.append(first_row[1:], n) - 1
    customer, product = days.customer[first_row], days.product[first_row]
    products, p = np.unique(product, return_inverse=True)
    return Bought(customer, product, days.day[first_row], days.day[last_row], products,
                  p.astype(np.int64).reshape(-1))


def _customer_chunks(bought: Bought, rows_per_chunk) -> list[tuple[int, int]]:
    """Row ranges ``[start, stop)`` of whole customers, each giving about ``rows_per_chunk`` work rows.

    ``rows_per_chunk(k)`` is the work a customer with k rows makes (k·(k−1) pairs, for instance).
    """
    starts = bought.customer_starts()
    work = np.cumsum(rows_per_chunk(np.diff(starts)))
    chunks, begin, done = [], 0, 0
    while begin < len(starts) - 1:
        end = int(np.searchsorted(work, done + CHUNK_WORK, side="right"))  # customers that fit
        end = min(max(end, begin + 1), len(starts) - 1)
        chunks.append((int(starts[begin]), int(starts[end])))
        done = int(work[end - 1])
        begin = end
    return chunks


def _ragged(counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(k) for k in counts])`` without the Python loop."""
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    out = np.arange(total, dtype=np.int64)
    return out - np.repeat(ends - counts, counts)


def _pair_counts(bought: Bought) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted pair keys ``x·P + y`` (dense product indexes, x ≠ y, one customer), customers with
    both, and customers whose first Y came after their first X; counted by chunks of customers."""
    n_products = len(bought.products)
    keys, both, followed = [], [], []
    for start, stop in _customer_chunks(bought, lambda k: k * k):
        cust = bought.customer[start:stop]
        starts = np.flatnonzero(np.concatenate(([True], cust[1:] != cust[:-1])))
        size = np.diff(np.append(starts, len(cust)))
        row_start = np.repeat(starts, size)                 # each row's customer's first row
        row_size = np.repeat(size, size)
        i = np.repeat(np.arange(len(cust), dtype=np.int64), row_size)
        j = np.repeat(row_start, row_size) + _ragged(row_size)
        keep = i != j
        i, j = i[keep] + start, j[keep] + start
        key = bought.p[i] * n_products + bought.p[j]
        k, n = np.unique(key, return_counts=True)
        keys.append(k)
        both.append(n)
        f = np.zeros(len(k), dtype=np.int64)
        later = bought.first[j] > bought.first[i]
        fk, fn = np.unique(key[later], return_counts=True)
        f[np.searchsorted(k, fk)] = fn
        followed.append(f)
    if not keys:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    k, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    inverse = inverse.reshape(-1)
    return (k, np.bincount(inverse, np.concatenate(both), len(k)).astype(np.int64),
            np.bincount(inverse, np.concatenate(followed), len(k)).astype(np.int64))


def mine_rules(snapshot_id: int, as_of: date, bought: Bought | None = None) -> int:
    """Write the snapshot's rules; returns how many were kept (``bought``: the shared read, if made)."""
    if bought is None:
        bought = bought_arrays(as_of)
    if bought is None or not len(bought):
        return 0
    total = len(np.unique(bought.customer))
    buyers_of = np.bincount(bought.p, minlength=len(bought.products))
    key, both_n, followed_n = _pair_counts(bought)
    keep = followed_n >= MIN_FOLLOWERS
    n_products = len(bought.products)
    xs, ys = (bought.products[key[keep] // n_products].tolist(), bought.products[key[keep] % n_products].tolist())
    buyers = dict(zip(bought.products.tolist(), buyers_of.tolist()))
    per_x: dict[int, list[dict]] = {}
    # From here on the former code unchanged: Python ints and floats, so the figures are the same.
    for x, y, both, followers in zip(xs, ys, both_n[keep].tolist(), followed_n[keep].tolist()):
        confidence = followers / buyers[x]
        lift = confidence / (buyers[y] / total)
        if lift <= 1:
            continue
        per_x.setdefault(x, []).append({
            "snapshot_id": snapshot_id, "product_id": x, "then_product_id": y, "buyers": buyers[x],
            "pair_customers": both, "followers": int(followers), "support": both / total,
            "confidence": confidence, "lift": lift})
    rows = [r for rules in per_x.values()
            for r in sorted(rules, key=lambda r: (-r["confidence"], -r["lift"], r["then_product_id"]))[:RULES_PER_PRODUCT]]
    if rows:
        db.session.connection().execute(Rule.__table__.insert(), rows)
    return len(rows)


def write_recommendations(snapshot_id: int, as_of: date, bought: Bought | None = None) -> int:
    """Each customer's ``PER_CUSTOMER`` best products to offer; returns how many rows were written.

    Rule offers come first (strongest confidence first); when a customer has fewer than
    ``PER_CUSTOMER`` of them, the most bought products fill the list (``because_product_id``
    NULL, ``confidence`` = the product's share of buyers, ``lift`` 1): a user always gets
    something to offer, and an association never loses its place to mere popularity.

    Set-based by chunks of customers: every (customer, X) joined to X's rules and every customer
    to the ``3 × PER_CUSTOMER`` most bought products; what they bought in the last ``RECENT_DAYS``
    removed; each (customer, product) keeps its best reason (rule before popularity, then
    confidence, lift, the "because" product), and the ranking per customer is by kind,
    confidence, lift, product id: the keys of the former SQL's window functions.
    """
    if bought is None:
        bought = bought_arrays(as_of)
    if bought is None or not len(bought):
        return 0
    n_products = len(bought.products)
    total = len(np.unique(bought.customer))
    rules = db.session.execute(
        sa.select(Rule.product_id, Rule.then_product_id, Rule.confidence, Rule.lift)
        .where(Rule.snapshot_id == snapshot_id).order_by(Rule.product_id, Rule.then_product_id)).all()
    rx = np.array([r[0] for r in rules], dtype=np.int64)
    ry_p = np.searchsorted(bought.products, np.array([r[1] for r in rules], dtype=np.int64))
    r_conf = np.array([r[2] for r in rules], dtype=np.float64)
    r_lift = np.array([r[3] for r in rules], dtype=np.float64)
    # Rules of each dense product x: rx_start[p] .. rx_start[p] + rx_count[p].
    rx_p = np.searchsorted(bought.products, rx)
    rx_count = np.bincount(rx_p, minlength=n_products).astype(np.int64)
    rx_start = np.concatenate(([0], np.cumsum(rx_count)[:-1])).astype(np.int64)
    # The most bought products: buyers desc, then product id.
    buyers_of = np.bincount(bought.p, minlength=n_products)
    popular = np.lexsort((np.arange(n_products), -buyers_of))[:3 * PER_CUSTOMER]
    pop_conf = np.array([int(n) / total for n in buyers_of[popular]], dtype=np.float64)
    recent = bought.last >= (as_of - timedelta(days=RECENT_DAYS)).toordinal()
    recent_keys = bought.customer[recent] * n_products + bought.p[recent]   # sorted: rows are
    written = 0
    per_row_rules = rx_count[bought.p]
    for start, stop in _customer_chunks(bought, lambda k: k + 3 * PER_CUSTOMER):
        rows = np.arange(start, stop, dtype=np.int64)
        n_rules = per_row_rules[start:stop]
        i = np.repeat(rows, n_rules)
        j = np.repeat(rx_start[bought.p[start:stop]], n_rules) + _ragged(n_rules)
        people = np.unique(bought.customer[start:stop])
        customer = np.concatenate((bought.customer[i], np.repeat(people, len(popular))))
        product = np.concatenate((ry_p[j], np.tile(popular, len(people))))
        because = np.concatenate((bought.p[i], np.full(len(people) * len(popular), -1, dtype=np.int64)))
        conf = np.concatenate((r_conf[j], np.tile(pop_conf, len(people))))
        lift = np.concatenate((r_lift[j], np.ones(len(people) * len(popular))))
        kind = np.concatenate((np.zeros(len(i), dtype=np.int8), np.ones(len(people) * len(popular), dtype=np.int8)))
        key = customer * n_products + product
        if len(recent_keys):
            at = np.minimum(np.searchsorted(recent_keys, key), len(recent_keys) - 1)
            fresh = recent_keys[at] != key
            key, customer, product, because, conf, lift, kind = (
                a[fresh] for a in (key, customer, product, because, conf, lift, kind))
        # Best reason per (customer, product): kind, confidence desc, lift desc, because (dense
        # indexes keep the ids' order; −1 only ever on the one popularity row of a pair).
        order = np.lexsort((because, -lift, -conf, kind, key))
        key_o = key[order]
        first = np.concatenate(([True], key_o[1:] != key_o[:-1])) if len(order) else np.zeros(0, dtype=bool)
        best = order[first]
        customer, product, because, conf, lift, kind = (
            a[best] for a in (customer, product, because, conf, lift, kind))
        # Rank per customer: kind, confidence desc, lift desc, product id.
        order = np.lexsort((product, -lift, -conf, kind, customer))
        c_o = customer[order]
        head = np.concatenate(([True], c_o[1:] != c_o[:-1])) if len(order) else np.zeros(0, dtype=bool)
        group_start = np.maximum.accumulate(np.where(head, np.arange(len(order)), 0))
        rank = np.arange(len(order)) - group_start + 1
        top = order[rank <= PER_CUSTOMER]
        rank = rank[rank <= PER_CUSTOMER]
        because_ids = np.where(because[top] >= 0, bought.products[np.maximum(because[top], 0)], -1)
        out = [(snapshot_id, c, r, p, b if b >= 0 else None, cf, lf)
               for c, r, p, b, cf, lf in zip(customer[top].tolist(), rank.tolist(),
                                             bought.products[product[top]].tolist(), because_ids.tolist(),
                                             conf[top].tolist(), lift[top].tolist())]
        written += bulk.insert_rows(Recommendation.__table__, RECOMMENDATION_COLUMNS, out)
    return written


def recommendations_for(customer_id: int, snapshot, limit: int = PER_CUSTOMER) -> list[dict]:
    """The customer's recommendations in ``snapshot`` with product names, best first (one query).

    The caller checks that the user may see this customer's figures (``panels.figures_for``).
    """
    from core.catalog.models import Product

    if snapshot is None:
        return []
    because = aliased(Product)
    rows = db.session.execute(
        sa.select(Recommendation, Product.name, Product.sku, because.name, because.sku)
        .join(Product, Product.id == Recommendation.product_id)
        .outerjoin(because, because.id == Recommendation.because_product_id)
        .where(Recommendation.snapshot_id == snapshot.id, Recommendation.customer_id == customer_id)
        .order_by(Recommendation.rank).limit(limit)).all()
    return [{"rank": r.rank, "product_id": r.product_id, "product_name": name, "product_sku": sku,
             "because_product_id": r.because_product_id, "because_product_name": bname,
             "because_product_sku": bsku, "confidence": r.confidence, "lift": r.lift}
            for r, name, sku, bname, bsku in rows]


def reason(rec: dict, html: bool = False):
    """Why ``rec`` is offered, in the reader's language: "Bought X; 34 % of its buyers then bought Y (lift 4.2)."

    ``html=True`` returns Markup with each product name isolated in ``<bdi>`` (a Hebrew name
    in an English sentence, or the reverse, keeps its own direction); otherwise plain text.
    """
    from decimal import Decimal

    from flask_babel import gettext as _
    from markupsafe import Markup, escape

    from core.l10n.numbers import format_number, format_percent

    def name(key):
        return Markup("<bdi>{}</bdi>").format(rec[key]) if html else rec[key]

    share = format_percent(round(Decimal(str(rec["confidence"])) * 100))
    if rec["because_product_id"] is None:
        text = _("One of the most bought products: %(share)s of customers bought it.")
        values = {"share": share}
    else:
        text = _("Bought %(product)s; %(share)s of its buyers then bought %(offer)s (lift %(lift)s).")
        values = {"product": name("because_product_name"), "offer": name("product_name"), "share": share,
                  "lift": format_number(round(Decimal(str(rec["lift"])), 1), 1)}
    return escape(text) % values if html else text % values


def delete_snapshots(ids) -> None:
    """Drop the rules and recommendations of snapshots being deleted (``ids``: a subquery of snapshot ids)."""
    db.session.execute(sa.delete(Recommendation).where(Recommendation.snapshot_id.in_(ids)))
    db.session.execute(sa.delete(Rule).where(Rule.snapshot_id.in_(ids)))
