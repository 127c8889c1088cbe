"""Cross-sell: item-to-item rules mined from sales' order lines, and each customer's best offers.

Both steps run in the snapshot job, in SQL, so a page view only reads a few indexed rows:

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

How good this is, is measured, not assumed: ``tests/test_analytics_crosssell.py`` computes
hit rate at 5 on a held-out period against a "most popular products" baseline.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core.db import db
from plugins.analytics.models import Recommendation, Rule

MIN_FOLLOWERS = 3
RULES_PER_PRODUCT = 20
PER_CUSTOMER = 5
RECENT_DAYS = 365


def customer_products(as_of: date) -> sa.Select | None:
    """``(customer_id, product_id, first_day, last_day)``: each catalog product each customer bought."""
    from core import query

    lines = query("sales_order_lines")
    if lines is None:
        return None
    sub = lines.subquery()
    return (sa.select(sub.c.customer_id, sub.c.product_id, sa.func.min(sub.c.order_date).label("first_day"),
                      sa.func.max(sub.c.order_date).label("last_day"))
            .where(sub.c.product_id.is_not(None), sub.c.order_date <= as_of)
            .group_by(sub.c.customer_id, sub.c.product_id))


def mine_rules(snapshot_id: int, as_of: date) -> int:
    """Write the snapshot's rules; returns how many were kept."""
    bought = customer_products(as_of)
    if bought is None:
        return 0
    fp = bought.subquery("fp")
    total = db.session.execute(sa.select(sa.func.count(sa.distinct(fp.c.customer_id)))).scalar_one()
    if not total:
        return 0
    buyers = dict(db.session.execute(sa.select(fp.c.product_id, sa.func.count()).group_by(fp.c.product_id)).all())
    a, b = bought.subquery("a"), bought.subquery("b")
    followed = sa.func.sum(sa.case((b.c.first_day > a.c.first_day, 1), else_=0))
    pairs = db.session.execute(
        sa.select(a.c.product_id, b.c.product_id, sa.func.count(), followed)
        .where(a.c.customer_id == b.c.customer_id, a.c.product_id != b.c.product_id)
        .group_by(a.c.product_id, b.c.product_id)
        .having(followed >= MIN_FOLLOWERS)).all()
    per_x: dict[int, list[dict]] = {}
    for x, y, both, followers in pairs:
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


def write_recommendations(snapshot_id: int, as_of: date) -> None:
    """Each customer's ``PER_CUSTOMER`` best products to offer, in one INSERT … SELECT.

    Rule offers come first (strongest confidence first); when a customer has fewer than
    ``PER_CUSTOMER`` of them, the most bought products fill the list (``because_product_id``
    NULL, ``confidence`` = the product's share of buyers, ``lift`` 1): a user always gets
    something to offer, and an association never loses its place to mere popularity.
    """
    bought = customer_products(as_of)
    if bought is None:
        return
    fp, recent = bought.subquery("fp"), bought.subquery("recent")
    total = sa.select(sa.func.count(sa.distinct(fp.c.customer_id))).scalar_subquery()
    by_rule = (sa.select(fp.c.customer_id, Rule.then_product_id.label("product_id"),
                         Rule.product_id.label("because_product_id"), Rule.confidence, Rule.lift,
                         sa.literal(0).label("kind"))
               .join(Rule, Rule.product_id == fp.c.product_id).where(Rule.snapshot_id == snapshot_id))
    pop = bought.subquery("pop")
    popular = (sa.select(pop.c.product_id, sa.func.count().label("n")).group_by(pop.c.product_id)
               .order_by(sa.func.count().desc(), pop.c.product_id).limit(3 * PER_CUSTOMER)).subquery("popular")
    people = sa.select(fp.c.customer_id).distinct().subquery("people")
    by_popularity = (sa.select(people.c.customer_id, popular.c.product_id,
                               sa.cast(sa.null(), sa.Integer).label("because_product_id"),
                               (sa.cast(popular.c.n, sa.Float) / total).label("confidence"),
                               sa.cast(sa.literal(1.0), sa.Float).label("lift"), sa.literal(1).label("kind"))
                     .select_from(people).join(popular, sa.true()))
    every = sa.union_all(by_rule, by_popularity).subquery("every")
    already = sa.exists().where(recent.c.customer_id == every.c.customer_id,
                                recent.c.product_id == every.c.product_id,
                                recent.c.last_day >= as_of - timedelta(days=RECENT_DAYS))
    # Every (customer, product) once, with its best reason: a rule before popularity, then confidence.
    best = sa.func.row_number().over(
        partition_by=(every.c.customer_id, every.c.product_id),
        order_by=(every.c.kind, every.c.confidence.desc(), every.c.lift.desc(), every.c.because_product_id))
    candidates = sa.select(every, best.label("k")).where(~already).subquery("candidates")
    rank = sa.func.row_number().over(
        partition_by=candidates.c.customer_id,
        order_by=(candidates.c.kind, candidates.c.confidence.desc(), candidates.c.lift.desc(),
                  candidates.c.product_id))
    ranked = (sa.select(candidates.c.customer_id, candidates.c.product_id, candidates.c.because_product_id,
                        candidates.c.confidence, candidates.c.lift, rank.label("rank"))
              .where(candidates.c.k == 1)).subquery("ranked")
    top = sa.select(sa.literal(snapshot_id), ranked.c.customer_id, ranked.c.rank, ranked.c.product_id,
                    ranked.c.because_product_id, ranked.c.confidence, ranked.c.lift).where(ranked.c.rank <= PER_CUSTOMER)
    db.session.execute(sa.insert(Recommendation).from_select(
        ["snapshot_id", "customer_id", "rank", "product_id", "because_product_id", "confidence", "lift"], top))


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
