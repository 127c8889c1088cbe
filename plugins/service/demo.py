"""Demo data: an installed base with a realistic service history.

About a third of the demo customers get one to three units of warranty products
from the catalog (customers who already own equipment, e.g. registered through
the sales event when sales is enabled, are left alone). Failures follow a
Poisson process per unit: ordinary models break about once every eight years,
the two "lemon" models about every two years, so the reliability page has
something to find. Two products get maintenance plans with a past visit history.
"""
from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from core.catalog.models import PRODUCT, SERVICE, Product
from core.db import db
from core.l10n import N_
from core.text import fold
from plugins.service import service as svc
from plugins.service.models import (
    CLOSED, CONTRACT, DIAGNOSED, DONE, EXTENDED, IN_REPAIR, PROBLEM_CATEGORIES, VISIT_DONE, Equipment,
    MaintenancePlan, Visit,
)

SHARE = 0.35
MAX_CUSTOMERS = 3000
MAX_SIMULATED = 2500  # units whose failures are simulated (keeps the demo quick with big sales demos)
# Texts marked N_ are written in the business language (RAPPORT_LANGUAGE) when the demo loads.
LOCATIONS = (N_("Kitchen"), N_("Basement"), N_("Utility room"), N_("Roof"), N_("Office"), N_("Garage"))
NORMAL_RATE, LEMON_RATE = 0.12, 0.55  # failures per unit-year

OWN_PRODUCTS = (
    ("SVC-WM-700", N_("Washing machine WM-700"), "649.00", 24),
    ("SVC-DW-45", N_("Dishwasher DW-45"), "529.00", 24),
    ("SVC-AC-12", N_("Air conditioner AC-12k"), "899.00", 36),
    ("SVC-BO-20", N_("Boiler BO-20"), "1450.00", 24),
    ("SVC-FR-300", N_("Fridge FR-300"), "780.00", 24),
    ("SVC-HP-8", N_("Heat pump HP-8"), "3900.00", 60),
)
DIAGNOSES = {
    "no_power": N_("Blown fuse on the control board"),
    "noise": N_("Worn drum bearing"),
    "leak": N_("Cracked drain hose"),
    "overheating": N_("Failed thermostat"),
    "display": N_("Faulty display ribbon cable"),
    "mechanical": N_("Broken door hinge"),
    "software": N_("Firmware crash loop; reflashed"),
    "other": N_("Loose connector"),
}
PROBLEMS = {
    "no_power": N_("Does not switch on"), "noise": N_("Loud noise while running"), "leak": N_("Water on the floor"),
    "overheating": N_("Gets very hot and stops"), "display": N_("Display shows nothing"),
    "mechanical": N_("Door does not close"), "software": N_("Error code on start-up"), "other": N_("Intermittent fault"),
}


def _products(rng) -> list[Product]:
    products = db.session.execute(sa.select(Product).where(
        Product.kind == PRODUCT, Product.active.is_(True), Product.warranty_months > 0).order_by(Product.id)).scalars().all()
    if not products:
        for sku, name, price, months in OWN_PRODUCTS:
            name = _(name)
            p = Product(sku=sku, name=name, name_key=fold(name), kind=PRODUCT, unit_price=Decimal(price),
                        warranty_months=months)
            db.session.add(p)
            products.append(p)
        db.session.flush()
    return products[:8]


def _labour_product() -> Product:
    p = db.session.execute(sa.select(Product).where(Product.kind == SERVICE, Product.active.is_(True))
                           .order_by(Product.id)).scalars().first()
    if p is None:
        p = Product(sku="SVC-LABOUR-H", name=_("Technician hour"), name_key=fold(_("Technician hour")), kind=SERVICE,
                    unit_price=Decimal("55.00"))
        db.session.add(p)
        db.session.flush()
    return p


def _failure_days(rng, start: date, end: date, rate: float) -> list[date]:
    days, t = [], start
    while True:
        t = t + timedelta(days=max(1, int(-math.log(1 - rng.random()) / rate * 365.25)))
        if t > end:
            return days
        days.append(t)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour))


def _repair(rng, eq: Equipment, day: date, today: date, labour: Product, techs: list[int]) -> None:
    category = rng.choice(PROBLEM_CATEGORIES)
    tech = rng.choice(techs) if techs else None
    req = svc.open_request(equipment_id=eq.id, problem=_(PROBLEMS[category]), reported_on=day, problem_category=category,
                           priority=rng.choice(("low", "normal", "normal", "high", "urgent")),
                           channel=rng.choice(("phone", "phone", "email", "visit")), technician_id=tech,
                           when=_at(day, 9))
    age = (today - day).days
    if age < 2:
        return
    svc.transition(req, DIAGNOSED, diagnosis=_(DIAGNOSES[category]), when=_at(day + timedelta(days=1)))
    if age < 4 and rng.random() < 0.5:
        return
    svc.add_line(req, kind="part", description=_("Part: %(what)s", what=_(DIAGNOSES[category]).split(";")[0][:60]),
                 quantity=1, unit_price=Decimal(rng.choice(("18.50", "42.00", "75.00", "129.00", "240.00"))))
    svc.add_line(req, kind="labour", product_id=labour.id, quantity=Decimal(rng.choice(("1", "1.5", "2", "3"))))
    svc.transition(req, IN_REPAIR, when=_at(day + timedelta(days=2)))
    if age < 7 and rng.random() < 0.6:
        return
    if category == "mechanical" and rng.random() < 0.3 and eq.serial:
        req.faulty_serial, req.replacement_serial = eq.serial, eq.serial + "R"
    svc.transition(req, DONE, when=_at(day + timedelta(days=3)))
    if age > 10:
        svc.transition(req, CLOSED, when=_at(day + timedelta(days=5)))


def _plans(rng, products: list[Product], lemons: set[int], today: date) -> None:
    from plugins.service.views import technicians

    planned = [p for p in products if p.id not in lemons][:2]
    # Units whose plan history is simulated stay few enough for a quick demo.
    for product, months in zip(planned, (6, 12)):
        if db.session.execute(sa.select(MaintenancePlan.id).where(MaintenancePlan.product_id == product.id)).first():
            continue
        plan = svc.create_plan(name=ngettext("%(product)s: service every %(num)s month",
                                             "%(product)s: service every %(num)s months", months, product=product.name),
                               product_id=product.id, interval_months=months,
                               checklist="\n".join((_("Clean filters"), _("Check seals"), _("Test safety cut-out"))))
        units = db.session.execute(sa.select(Equipment).where(Equipment.product_id == product.id,
                                                              Equipment.status != "retired")).scalars()
        for eq in units:
            due = svc.add_months(eq.in_use_since, months)
            while due < today - timedelta(days=20):
                last = svc.add_months(due, months) >= today - timedelta(days=20)
                if last or rng.random() < 0.85:  # some earlier visits were skipped, as in life
                    db.session.add(Visit(equipment_id=eq.id, customer_id=eq.customer_id, plan_id=plan.id,
                                         due_date=due, status=VISIT_DONE, done_on=due + timedelta(days=rng.randint(0, 9)),
                                         outcome=rng.choice(("ok", "ok", "ok", "adjusted", "needs_repair")),
                                         notes=_("Routine maintenance")))
                due = svc.add_months(due, months)
    db.session.flush()
    svc.schedule_due_visits(today, 45)
    techs = [u.id for u in technicians()]
    if techs:
        for visit in db.session.execute(sa.select(Visit).where(Visit.status == "scheduled",
                                                                Visit.technician_id.is_(None))).scalars():
            visit.technician_id = rng.choice(techs)


def load_demo(rng, customers) -> None:
    """The demo step (weight 60, after sales' demo orders); commits once at the end.

    New units go only to customers without equipment (with sales enabled, most
    customers already got theirs from confirmed orders). Failures are then drawn
    for a sample of all units in service, so sales-registered units break too.
    """
    from plugins.service.views import technicians

    today = date.today()
    products = _products(rng)
    labour = _labour_product()
    owners = set(db.session.execute(sa.select(Equipment.customer_id).distinct()).scalars())
    chosen = [c for c in customers if c not in owners and rng.random() < SHARE][:MAX_CUSTOMERS]
    techs = [u.id for u in technicians()]
    serial_no = db.session.execute(sa.select(sa.func.count(Equipment.id))).scalar() + 1000
    for customer_id in chosen:
        for _n in range(rng.choice((1, 1, 1, 2, 3))):
            product = rng.choice(products)
            installed = today - timedelta(days=rng.randint(20, 6 * 365))
            serial_no += 1
            eq = svc.create_equipment(
                customer_id=customer_id, product_id=product.id, serial=f"{product.sku[-6:]}-{serial_no:07d}",
                purchase_date=installed - timedelta(days=rng.randint(0, 14)), install_date=installed,
                location=_(rng.choice(LOCATIONS)), log=False)
            std = svc.add_warranty(eq, start_date=eq.purchase_date, months=product.warranty_months or 24,
                                   source="demo", log=False)
            _extra_warranty(rng, eq, std, today)
            if rng.random() < 0.03:
                eq.status, eq.retired_on = "retired", today - timedelta(days=rng.randint(1, 300))
        db.session.flush()
    units = db.session.execute(sa.select(Equipment).where(Equipment.status != "retired")
                               .order_by(Equipment.id)).scalars().all()
    models = sorted({u.product_id for u in units if u.product_id})
    lemons = set(rng.sample(models, k=min(2, len(models))))
    by_id = {p.id: p for p in db.session.execute(sa.select(Product).where(Product.id.in_(models))).scalars()}
    for eq in rng.sample(units, k=min(len(units), MAX_SIMULATED)):
        if not eq.serial:  # units from sales orders get their serials filled in "later"
            serial_no += 1
            eq.serial = f"{by_id[eq.product_id].sku[-6:] if eq.product_id else 'X'}-{serial_no:07d}"
            eq.serial_key = svc.fold_serial(eq.serial)
            eq.install_date = eq.install_date or min(today, (eq.purchase_date or today) + timedelta(days=rng.randint(1, 10)))
            eq.location = eq.location or _(rng.choice(LOCATIONS))
            if eq.source == "sales" and eq.warranties and rng.random() < 0.15:
                _extra_warranty(rng, eq, eq.warranties[-1], today, force=True)
        rate = LEMON_RATE if eq.product_id in lemons else NORMAL_RATE
        for day in _failure_days(rng, eq.in_use_since, today, rate):
            _repair(rng, eq, day, today, labour, techs)
    db.session.flush()
    _plans(rng, [by_id[m] for m in models] or products, lemons, today)
    db.session.commit()


def _extra_warranty(rng, eq, std, today, force=False) -> None:
    roll = rng.random() * (0.2 if force else 1)
    if roll < 0.12:
        svc.add_warranty(eq, kind=EXTENDED, terms="parts", start_date=std.end_date + timedelta(days=1),
                         months=24, price=Decimal("89.00"), source="demo", log=False)
    elif roll < 0.2:
        svc.add_warranty(eq, kind=CONTRACT, terms="labour", start_date=max(std.end_date, today - timedelta(days=200)),
                         months=12, visits_per_year=2, price=Decimal("149.00"), source="demo", log=False)
