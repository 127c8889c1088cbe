"""The numpy cross-sell (``crosssell.mine_rules`` / ``write_recommendations``) writes exactly what
the former SQL wrote: same rules, same recommendations, integers and floats compared with ``==``.

The former SQL is kept below verbatim (only renamed) as the reference. The generated purchases
have ties everywhere (120 customers, 26 products, 25 distinct days: equal first days, equal
follower and buyer counts, so equal confidence and lift) and an "anchor" product whose buyers go
on to buy nearly everything, so it has more than ``RULES_PER_PRODUCT`` rules and the cut bites.
"""
import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from plugins.analytics.crosssell import MIN_FOLLOWERS, PER_CUSTOMER, RECENT_DAYS, RULES_PER_PRODUCT
from plugins.analytics.models import Recommendation, Rule

from analytics_testdata import buy_products, customer, product

AS_OF = date(2026, 6, 30)
#: 25 distinct purchase days over two years, some within RECENT_DAYS of AS_OF and some before.
DAYS = [AS_OF - timedelta(days=30 * k) for k in range(25)]


# -- the former SQL, verbatim ------------------------------------------------------------------------


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


def sql_mine_rules(snapshot_id: int, as_of: date) -> int:
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


def sql_write_recommendations(snapshot_id: int, as_of: date) -> None:
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


# -- the comparison ------------------------------------------------------------------------------------


def _generate(seed=8):
    """Purchases with ties everywhere and an anchor product with more than RULES_PER_PRODUCT rules."""
    rng = random.Random(seed)
    anchor = product("ANCHOR", "Άγκυρα")
    others = [product(f"P{i:02d}", f"Product {i}") for i in range(25)]
    early, late = DAYS[15:], DAYS[:15]                # DAYS runs from AS_OF backwards
    for n in range(120):
        c = customer(f"Customer {n}")
        basket: dict[date, list[int]] = {}
        if n < 60:                                    # anchor buyers: anchor early, then most products
            basket.setdefault(rng.choice(early[5:]), []).append(anchor)
            for p in others:
                if rng.random() < 0.55:
                    basket.setdefault(rng.choice(late[::2] + early[:3]), []).append(p)
        elif n < 95:                                  # P00 early, then P01–P06 often
            basket.setdefault(rng.choice(early), []).append(others[0])
            for p in others[1:7]:
                if rng.random() < 0.6:
                    basket.setdefault(rng.choice(late[::3]), []).append(p)
        else:                                         # the rest: a few products, any day
            for p in rng.sample(others, rng.randint(0, 4)):
                basket.setdefault(rng.choice(DAYS), []).append(p)
        for day, products in sorted(basket.items()):
            buy_products(c, day, products)
    buy_products(customer("After the date"), AS_OF + timedelta(days=1), [anchor, others[0]])
    db.session.commit()
    return anchor


def _snapshot():
    from plugins.analytics.models import Snapshot

    s = Snapshot(as_of=AS_OF, currency="EUR")
    db.session.add(s)
    db.session.flush()
    return s.id


def _rules(snapshot_id):
    return sorted(db.session.execute(
        sa.select(Rule.product_id, Rule.then_product_id, Rule.buyers, Rule.pair_customers, Rule.followers,
                  Rule.support, Rule.confidence, Rule.lift).where(Rule.snapshot_id == snapshot_id)).all())


def _recommendations(snapshot_id):
    return db.session.execute(
        sa.select(Recommendation.customer_id, Recommendation.rank, Recommendation.product_id,
                  Recommendation.because_product_id, Recommendation.confidence, Recommendation.lift)
        .where(Recommendation.snapshot_id == snapshot_id)
        .order_by(Recommendation.customer_id, Recommendation.rank)).all()


@pytest.mark.plugins("sales", "analytics")
def test_numpy_cross_sell_writes_what_the_former_sql_wrote(app, monkeypatch):
    from plugins.analytics import crosssell, product_days

    with app.app_context():
        anchor = _generate()
        old, new = _snapshot(), _snapshot()
        kept_old = sql_mine_rules(old, AS_OF)
        sql_write_recommendations(old, AS_OF)
        # Small chunks, so customers are split over several chunks and the counts are merged.
        monkeypatch.setattr(crosssell, "CHUNK_WORK", 2_000)
        monkeypatch.setattr(product_days, "READ_CHUNK", 500)
        bought = crosssell.bought_arrays(AS_OF)
        kept_new = crosssell.mine_rules(new, AS_OF, bought)
        written = crosssell.write_recommendations(new, AS_OF, bought)
        old_rules, new_rules = _rules(old), _rules(new)
        old_recs, new_recs = _recommendations(old), _recommendations(new)

    # The set is what it should be for the comparison to mean something.
    per_x = {}
    for r in old_rules:
        per_x.setdefault(r.product_id, []).append(r)
    assert len(per_x[anchor]) == RULES_PER_PRODUCT              # more than 20 candidates, cut to 20
    assert len(per_x) > 3                                        # rules from other products too
    assert len({(r.confidence, r.lift) for r in old_rules}) < len(old_rules)   # tied rules
    offers = {}
    for r in old_recs:
        offers.setdefault(r.customer_id, []).append(r)
    assert any(r.because_product_id is not None for r in old_recs)
    assert any(r.because_product_id is None for r in old_recs)
    assert any(any(r.because_product_id is None for r in rs) and rs[0].because_product_id is not None
               for rs in offers.values())                       # a list of rules filled by popularity
    assert all(len(rs) <= PER_CUSTOMER for rs in offers.values())

    assert kept_new == kept_old == len(old_rules)
    assert new_rules == old_rules
    assert written == len(old_recs)
    assert new_recs == old_recs


@pytest.mark.plugins("sales", "analytics")
def test_bought_arrays_are_one_sorted_row_per_customer_and_product(app):
    from plugins.analytics.crosssell import bought_arrays

    with app.app_context():
        anchor = product("A", "A")
        b = product("B", "B")
        c1, c2 = customer("One"), customer("Two")
        buy_products(c2, DAYS[3], [b])
        buy_products(c1, DAYS[2], [b, anchor])
        buy_products(c1, DAYS[1], [anchor])
        buy_products(c1, AS_OF + timedelta(days=1), [b])      # after the date: not read
        db.session.commit()
        got = bought_arrays(AS_OF)
    assert got.customer.tolist() == [c1, c1, c2]
    assert got.product.tolist() == [anchor, b, b]
    assert got.first.tolist() == [DAYS[2].toordinal(), DAYS[2].toordinal(), DAYS[3].toordinal()]
    assert got.last.tolist() == [DAYS[1].toordinal(), DAYS[2].toordinal(), DAYS[3].toordinal()]
    assert got.products.tolist() == [anchor, b] and got.p.tolist() == [0, 1, 1]
