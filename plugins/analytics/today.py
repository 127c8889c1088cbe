"""The "Today" dashboard card: what the program suggests each salesperson does today, and why.

Three kinds of suggestion, about the user's **own** customers only (the snapshot's
``owner_id``, through the record rule on ``CustomerFigures``; for quotations, the
quotation's owner), each with its reason in the reader's language:

- ``overdue``: customers past their usual purchase interval ("usually buys every 34 days;
  last order 61 days ago"), least overdue first (the likeliest to answer a call);
- ``falling``: valuable customers (monetary score 4 or 5) whose probability alive fell by at
  least ``FALLING_DROP`` between the previous snapshot and the latest, biggest fall first;
- ``crosssell``: for customers with an open quotation, the best product to add to it: the
  strongest cross-sell rule from a product on the quotation to one that is not. Quotations
  come from sales through analytics' own ``analytics_open_quotations`` query hook.

Acting on a suggestion schedules a core follow-up (``source="analytics"``, ``ref`` naming
the kind) in the customer's contact history, due today, for the user. The card shows the
suggestion as scheduled while that follow-up is open or was made in the last
``QUIET_DAYS`` days, so a suggestion that still holds the next night is not offered twice.

Everything is read from the snapshot tables plus one join with the quotations: a fixed
number of statements per card, whatever the number of customers.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from markupsafe import Markup, escape
from sqlalchemy.orm import aliased

import core
from core.db import db, utcnow
from core.security import scoped
from plugins.analytics.models import CustomerFigures, Rule

OVERDUE, FALLING, CROSS_SELL = "overdue", "falling", "crosssell"
KINDS = {OVERDUE: _l("Overdue for their usual purchase"), FALLING: _l("Valuable customers slipping away"),
         CROSS_SELL: _l("Add to an open quotation")}
PER_KIND = 5
FALLING_DROP = 0.10     # probability alive fell by ten points or more
VALUABLE_SCORE = 4      # monetary quintile score 4 or 5: the top two fifths by spend
QUIET_DAYS = 30


def ref(kind: str) -> str:
    """The follow-up's ``ref``: which suggestion made it (the customer is the follow-up's own column)."""
    return f"analytics.today.{kind}"


def _names(ids) -> dict[int, str]:
    from core.customers.models import Customer

    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Customer.id, Customer.name).where(Customer.id.in_(ids))).all())


def _overdue(user, snapshot) -> list[dict]:
    f = CustomerFigures
    rows = db.session.execute(
        scoped(sa.select(f.customer_id, f.interval_median, f.last_purchase, f.overdue_days), f)
        .where(f.snapshot_id == snapshot.id, f.owner_id == user.id, f.overdue_days.is_not(None))
        .order_by(f.overdue_days, f.customer_id).limit(PER_KIND)).all()
    return [{"kind": OVERDUE, "customer_id": r.customer_id, "interval": int(round(r.interval_median)),
             "last_purchase": r.last_purchase} for r in rows]


def _falling(user, snapshot, previous) -> list[dict]:
    if previous is None:
        return []
    now, before = CustomerFigures, aliased(CustomerFigures)
    drop = before.p_alive - now.p_alive
    rows = db.session.execute(
        scoped(sa.select(now.customer_id, before.p_alive.label("was"), now.p_alive.label("now"), now.revenue), now)
        .join(before, sa.and_(before.customer_id == now.customer_id, before.snapshot_id == previous.id))
        .where(now.snapshot_id == snapshot.id, now.owner_id == user.id, now.m_score >= VALUABLE_SCORE,
               drop >= FALLING_DROP)
        .order_by(drop.desc(), now.customer_id).limit(PER_KIND)).all()
    return [{"kind": FALLING, "customer_id": r.customer_id, "was": r.was, "now": r.now, "revenue": r.revenue,
             "currency": snapshot.currency} for r in rows]


def _cross_sell(user, snapshot) -> list[dict]:
    from core.catalog.models import Product

    quotes = core.query("analytics_open_quotations")
    if quotes is None:
        return []
    q = quotes.subquery("q")
    on_quote = quotes.subquery("on_quote")
    candidates = (
        sa.select(q.c.customer_id, q.c.quotation_id, q.c.number, Rule.product_id.label("because_product_id"),
                  Rule.then_product_id.label("product_id"), Rule.confidence, Rule.lift,
                  sa.func.row_number().over(partition_by=q.c.customer_id,
                                            order_by=(Rule.confidence.desc(), Rule.lift.desc(), q.c.quotation_id,
                                                      Rule.then_product_id)).label("k"))
        .join(Rule, sa.and_(Rule.snapshot_id == snapshot.id, Rule.product_id == q.c.product_id))
        .where(q.c.owner_id == user.id,
               ~sa.exists().where(on_quote.c.quotation_id == q.c.quotation_id,
                                  on_quote.c.product_id == Rule.then_product_id))
    ).subquery("candidates")
    offer, because = aliased(Product), aliased(Product)
    rows = db.session.execute(
        sa.select(candidates, offer.name.label("product_name"), because.name.label("because_product_name"))
        .join(offer, offer.id == candidates.c.product_id).join(because, because.id == candidates.c.because_product_id)
        .where(candidates.c.k == 1)
        .order_by(candidates.c.confidence.desc(), candidates.c.lift.desc(), candidates.c.customer_id)
        .limit(PER_KIND)).mappings().all()
    return [{"kind": CROSS_SELL, **row} for row in rows]


def reason(s: dict, today, html: bool = False):
    """Why suggestion ``s`` is made, in the reader's language (``html``: names isolated in ``<bdi>``)."""
    from core.l10n.numbers import format_money, format_number, format_percent

    def pct(p):
        return format_percent(round(Decimal(str(p)) * 100))

    def name(key):
        return Markup("<bdi>{}</bdi>").format(s[key]) if html else s[key]

    if s["kind"] == OVERDUE:
        ago = (today - s["last_purchase"]).days
        text = _("Usually buys %(every)s; last order %(ago)s.")
        values = {"every": ngettext("every %(count)s day", "every %(count)s days", s["interval"],
                                    count=format_number(s["interval"])),
                  "ago": ngettext("%(count)s day ago", "%(count)s days ago", ago, count=format_number(ago))}
    elif s["kind"] == FALLING:
        text = _("Probability alive fell from %(was)s to %(now)s; bought %(revenue)s so far.")
        values = {"was": pct(s["was"]), "now": pct(s["now"]), "revenue": format_money(s["revenue"], s["currency"])}
    else:
        text = _("Quotation %(number)s has %(product)s; %(share)s of its buyers then bought %(offer)s "
                 "(lift %(lift)s).")
        values = {"number": s["number"], "product": name("because_product_name"), "offer": name("product_name"),
                  "share": pct(s["confidence"]), "lift": format_number(round(Decimal(str(s["lift"])), 1), 1)}
    return escape(text) % values if html else text % values


def suggestions(user, snapshot) -> list[dict]:
    """The user's suggestions from ``snapshot``, by kind, each with the customer's name and
    ``scheduled`` (the due date of the follow-up already made from it, or None)."""
    from core.history.models import Activity
    from plugins.analytics.movement import previous_snapshot

    if snapshot is None:
        return []
    items = _overdue(user, snapshot) + _falling(user, snapshot, previous_snapshot(snapshot)) + _cross_sell(user, snapshot)
    if not items:
        return items
    ids = {s["customer_id"] for s in items}
    names = _names(ids)
    recent = utcnow() - timedelta(days=QUIET_DAYS)
    made = {}
    for customer_id, activity_ref, due in db.session.execute(
            sa.select(Activity.customer_id, Activity.ref, Activity.due_date)
            .where(Activity.customer_id.in_(ids), Activity.source == "analytics",
                   Activity.ref.in_([ref(k) for k in KINDS]),
                   sa.or_(Activity.done_at.is_(None), Activity.created_at >= recent))
            .order_by(Activity.id)).all():
        made[(customer_id, activity_ref)] = due
    for s in items:
        s["customer_name"] = names.get(s["customer_id"], "")
        s["scheduled"] = made.get((s["customer_id"], ref(s["kind"])))
    return items


def find(user, snapshot, kind: str, customer_id: int) -> dict | None:
    """The suggestion ``kind`` for ``customer_id`` if the card would show it to ``user`` now."""
    for s in suggestions(user, snapshot):
        if s["kind"] == kind and s["customer_id"] == customer_id:
            return s
    return None


def schedule(user, s: dict, today):
    """A follow-up from suggestion ``s``, due today, for ``user``; visible to holders of analytics.view
    (its reason quotes analytics' figures). The caller commits."""
    from core.history.service import schedule_activity

    summary = "%s: %s" % (KINDS[s["kind"]], reason(s, today))
    return schedule_activity(s["customer_id"], summary=summary[:300], due_date=today, assignee_id=user.id,
                             created_by_id=user.id, source="analytics", ref=ref(s["kind"]),
                             permission="analytics.view")
