"""Demo data: stages, lost reasons, salespeople, a few hundred opportunities, a
few thousand orders over two years, and targets.

Orders follow per-customer purchase rhythms (each buying customer has its own
typical interval, with jitter) so that the purchase-history panel shows
meaningful averages and "next purchase due" dates. Orders are confirmed through
:func:`plugins.sales.orders.confirm`, so ``sales_order_confirmed`` fires for each
one and other plugins (service warranties, marketing) build their own demo data
on top of real events.
"""
from __future__ import annotations

import os
import random
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_babel import gettext as _

from core.auth.models import Role, User
from core.catalog.models import Product
from core.customers.models import Customer
from core.db import db
from core.l10n import N_
from plugins.sales.models import LOST, OPEN, WON, LostReason, Opportunity, Order, OrderLine, Stage, Target
from plugins.sales.orders import confirm
from plugins.sales.totals import line_amounts, order_amounts

# Texts marked N_ are written in the business language (RAPPORT_LANGUAGE) when the demo loads.
STAGES = ((N_("Lead"), 10, 10, False, False), (N_("Qualified"), 20, 25, False, False),
          (N_("Proposal"), 30, 50, False, False), (N_("Negotiation"), 40, 75, False, False),
          (N_("Won"), 90, 100, True, False), (N_("Lost"), 95, 0, False, True))
REASONS = (N_("Price too high"), N_("Chose a competitor"), N_("No budget"), N_("Bad timing"), N_("No response"))
SALESPEOPLE = (("Dana Levi", "dana.levi"), ("Nikos Papadopoulos", "nikos.papadopoulos"),
               ("Ieva Kazlauskienė", "ieva.kazlauskiene"), ("Sara Ahmadi", "sara.ahmadi"),
               ("Tom Becker", "tom.becker"))
PRODUCTS = (("SAL-LAP-14", N_("Laptop 14\""), "product", "899.00", 24),
            ("SAL-MON-27", N_("Monitor 27\""), "product", "249.90", 36),
            ("SAL-DOCK", N_("Docking station"), "product", "139.00", 12),
            ("SAL-INK", N_("Ink cartridge set"), "product", "39.99", 0),
            ("SAL-SETUP", N_("On-site setup"), "service", "120.00", 0),
            ("SAL-CARE", N_("Care plan (1 year)"), "service", "79.00", 0))
TITLES = (N_("Office refresh"), N_("New workstations"), N_("Annual supplies"), N_("Branch opening"),
          N_("Upgrade to 27\" screens"), N_("Service contract"), N_("Laptop fleet"), N_("Printer consumables"),
          N_("Home office kits"), N_("Conference room setup"))
DEMO_PASSWORD_ENV = "RAPPORT_DEMO_PASSWORD"



def _stages():
    existing = db.session.execute(sa.select(Stage).order_by(Stage.position)).scalars().all()
    if existing:
        return existing
    rows = [Stage(name=_(n), position=p, probability=pr, is_won=w, is_lost=lo) for n, p, pr, w, lo in STAGES]
    db.session.add_all(rows)
    for name in REASONS:
        db.session.add(LostReason(name=_(name)))
    db.session.flush()
    return rows


def _salespeople(rng) -> list[User]:
    """Users holding the sales roles; extra demo salespeople when there are fewer than four.

    Extra users get the admin's password hash, so "demo staff use the admin's
    password" (as ``rapport init --demo`` prints) holds for them too.
    """
    roles = {r.name: r for r in db.session.execute(
        sa.select(Role).where(Role.name.in_(("Salesperson", "Sales manager")))).scalars()}
    people = [u for u in db.session.execute(sa.select(User).where(User.active.is_(True)).order_by(User.id)).scalars()
              if any(r.name in roles for r in u.roles)]
    admin = db.session.execute(sa.select(User).join(User.roles).where(Role.name == "admin").order_by(User.id)).scalar()
    for name, local in SALESPEOPLE:
        if len(people) >= 4:
            break
        email = f"{local}@example.com"
        if db.session.execute(sa.select(User.id).where(User.email == email)).scalar():
            continue
        user = User(email=email, name=name, roles=[r for r in (roles.get("Salesperson"),) if r])
        if admin is not None:
            user.password_hash = admin.password_hash
        else:
            user.set_password(os.environ.get(DEMO_PASSWORD_ENV) or secrets.token_urlsafe(12))
        db.session.add(user)
        people.append(user)
    db.session.flush()
    return people


def _products() -> list[Product]:
    products = db.session.execute(sa.select(Product).where(Product.active.is_(True)).order_by(Product.id)
                                  .limit(60)).scalars().all()
    if len(products) >= 5:
        return products
    for sku, name, kind, price, warranty in PRODUCTS:
        if not db.session.execute(sa.select(Product.id).where(Product.sku == sku)).scalar():
            name = _(name)
            db.session.add(Product(sku=sku, name=name, name_key=name.lower(), kind=kind, unit_price=Decimal(price),
                                   currency="EUR", warranty_months=warranty))
    db.session.flush()
    return db.session.execute(sa.select(Product).where(Product.active.is_(True))).scalars().all()


def _at(day: date, rng) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=rng.randint(8, 18), minutes=rng.randint(0, 59))


def _opportunities(rng, customers, people, stages, reasons, today, count=300) -> list[Opportunity]:
    open_stages = [s for s in stages if not (s.is_won or s.is_lost)]
    won = next(s for s in stages if s.is_won)
    lost = next(s for s in stages if s.is_lost)
    opps = []
    for i in range(count):
        roll = rng.random()
        created = today - timedelta(days=rng.randint(0, 90) if roll < 0.4 else rng.randint(0, 720))
        owner = rng.choice(people)
        amount = Decimal(rng.choice((500, 900, 1500, 2400, 4000, 7500, 12000, 25000))) + Decimal(rng.randint(0, 99))
        opp = Opportunity(
            title=f"{_(rng.choice(TITLES))} {i + 1}", owner_id=owner.id, expected_revenue=amount, currency="EUR",
            source=rng.choice(("website", "referral", "phone", "email", "event", "partner")),
            created_at=_at(created, rng), tags=rng.choice(("", "b2b", "renewal", "b2b,priority", "")),
        )
        if customers and rng.random() > 0.1:
            opp.customer_id = rng.choice(customers)
        else:
            opp.prospect_name = _("Prospect %(n)s", n=i + 1)
        if roll < 0.4:
            stage = rng.choice(open_stages)
            opp.stage, opp.status, opp.probability = stage, OPEN, stage.probability
            opp.expected_close = today + timedelta(days=rng.randint(-20, 170))
        elif roll < 0.8 and opp.customer_id:
            opp.stage, opp.status, opp.probability = won, WON, 100
            opp.closed_at = min(_at(created + timedelta(days=rng.randint(5, 90)), rng), _at(today, rng))
            opp.expected_close = opp.closed_at.date()
        else:
            opp.stage, opp.status, opp.probability = lost, LOST, 0
            opp.lost_reason_id = rng.choice(reasons).id
            opp.closed_at = min(_at(created + timedelta(days=rng.randint(5, 90)), rng), _at(today, rng))
            opp.expected_close = opp.closed_at.date()
        opps.append(opp)
    db.session.add_all(opps)
    db.session.flush()
    return opps


def _order(rng, customer_id, owner_id, products, when: datetime, opportunity_id=None) -> Order:
    order = Order(customer_id=customer_id, owner_id=owner_id, currency="EUR", opportunity_id=opportunity_id,
                  created_at=when - timedelta(days=rng.randint(0, 10)), valid_until=(when + timedelta(days=30)).date())
    for pos, product in enumerate(rng.sample(products, k=min(len(products), rng.choice((1, 1, 2, 2, 3, 4)))), 1):
        # Appliances (with a warranty) are bought one or two at a time; consumables in bulk.
        qty = Decimal(rng.choice((1, 1, 1, 1, 2)) if product.warranty_months else rng.choice((1, 2, 3, 5, 10)))
        discount = Decimal(rng.choice((0, 0, 0, 5, 10, 12.5)))
        tax = Decimal("24")
        a = line_amounts(qty, product.unit_price, discount, tax)
        order.lines.append(OrderLine(position=pos, product_id=product.id, description=product.name, sku=product.sku,
                                     kind=product.kind, quantity=qty, unit_price=product.unit_price,
                                     discount_percent=discount, tax_rate=tax, line_total=a.net, tax_amount=a.tax,
                                     warranty_months=product.warranty_months))
    totals = order_amounts([line_amounts(x.quantity, x.unit_price, x.discount_percent, x.tax_rate) for x in order.lines])
    order.subtotal, order.tax_total, order.total = totals.subtotal, totals.tax_total, totals.total
    db.session.add(order)
    db.session.flush()
    order.number = f"S{order.id:07d}"
    return order


def load_demo(rng: random.Random, customers: list[int], orders_target: int = 2000, echo=None) -> None:
    """The ``demo_data`` step (``rapport init --demo``)."""
    today = date.today()
    stages = _stages()
    reasons = db.session.execute(sa.select(LostReason)).scalars().all()
    people = _salespeople(rng)
    products = _products()
    customers = list(customers) or list(db.session.execute(sa.select(Customer.id).limit(2000)).scalars())
    owner_of = {}
    for cid in customers:
        owner_of[cid] = rng.choice(people).id
    # Give salespeople the accounts they sell to (record rules: they see their customers' orders).
    for cid, uid in list(owner_of.items())[: len(owner_of) // 2]:
        db.session.execute(sa.update(Customer).where(Customer.id == cid, Customer.owner_id.is_(None))
                           .values(owner_id=uid))
    opps = _opportunities(rng, customers, people, stages, reasons, today)
    db.session.commit()
    made = 0
    for opp in opps:  # every won deal has its confirmed order
        if opp.status == WON and opp.customer_id:
            order = _order(rng, opp.customer_id, opp.owner_id, products, opp.closed_at, opportunity_id=opp.id)
            confirm(order, when=opp.closed_at)
            made += 1
    db.session.commit()
    if not customers:
        return
    buyers = rng.sample(customers, k=min(len(customers), max(1, orders_target // 6)))
    start = today - timedelta(days=730)
    for cid in buyers:
        if made >= orders_target:
            break
        interval = rng.choice((21, 30, 45, 60, 90, 120, 180))
        day = start + timedelta(days=rng.randint(0, interval))
        while day <= today and made < orders_target:
            order = _order(rng, cid, owner_of.get(cid) or rng.choice(people).id, products, _at(day, rng))
            confirm(order, when=_at(day, rng))
            made += 1
            if made % 200 == 0:
                db.session.commit()
                if echo:
                    echo(f"sales demo: {made} orders")
            day += timedelta(days=max(3, int(rng.gauss(interval, interval * 0.2))))
    # A few open quotations and a cancelled order, so every state is on screen.
    for cid in rng.sample(customers, k=min(20, len(customers))):
        order = _order(rng, cid, owner_of.get(cid) or people[0].id, products, _at(today, rng))
        if rng.random() < 0.3:
            order.state, order.sent_at = "sent", order.created_at
    _targets(rng, people, today)
    db.session.commit()


def _targets(rng, people, today) -> None:
    for user in people:
        base = Decimal(rng.choice((8000, 10000, 12000, 15000)))
        for back in range(-3, 24):
            month = (today.replace(day=1) - timedelta(days=31 * back)).replace(day=1)
            key = month.strftime("%Y-%m")
            if not db.session.execute(sa.select(Target.id).where(Target.user_id == user.id, Target.period == key)).scalar():
                db.session.add(Target(user_id=user.id, period=key, amount=base, currency="EUR"))
        for year in (today.year - 2, today.year - 1, today.year):
            for q in range(1, 5):
                key = f"{year}-Q{q}"
                if not db.session.execute(sa.select(Target.id).where(Target.user_id == user.id, Target.period == key)).scalar():
                    db.session.add(Target(user_id=user.id, period=key, amount=base * 3, currency="EUR"))


@click.group("sales")
def sales_cli():
    """Sales plugin commands."""


@sales_cli.command("demo")
@click.option("--orders", default=3000, show_default=True, help="How many orders to create.")
@click.option("--seed", default=42, show_default=True)
@with_appcontext
def demo_command(orders: int, seed: int):
    """Load the sales demo data on its own (customers must exist)."""
    customers = list(db.session.execute(sa.select(Customer.id).order_by(Customer.id).limit(5000)).scalars())
    load_demo(random.Random(seed), customers, orders_target=orders, echo=click.echo)
    click.echo("sales demo data loaded")
