"""Historical orders in and out (the ``importers``/``exporters`` hooks; docs/importing.md).

Import: one row per order line — customer reference, date, SKU or product name,
quantity, unit price, discount, optionally the order number and tax rate. Lines
become **confirmed** orders dated on the file's date (the purchase history analytics
read): one order per order number, or, without numbers, one per customer and date.
An imported order's number is the file's, or ``H<customer id>-<yyyymmdd>`` without
one, so importing the same file again finds the orders it made (skip, or update:
the order's lines are replaced by the file's). Amounts follow the order rule
(``plugins.sales.totals``): each line rounded, totals the sums of the rounded lines.

No ``sales_order_confirmed`` event and no timeline entry per order: a history of ten
years is not ten years of news (listeners would, say, register equipment or send
mail for purchases long past).

Export: orders (one row each) and order lines, only those the user may see (the
salesperson's own unless ``sales.manager``).
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.catalog.service import default_tax_rate
from core.contrib import Exporter, ImportField, Importer
from core.customers.models import Customer
from core.db import db, utcnow
from core.text import fold
from core.transfer.cells import CellError, parse_date, parse_decimal
from core.transfer.ids import reserve_ids
from core.transfer.lookup import customer_ids, products
from core.transfer.models import UPDATE
from plugins.sales.models import CONFIRMED, Order, OrderLine
from plugins.sales.totals import line_amounts

MAX_QTY = Decimal("9999999.999")
MAX_PRICE = Decimal("999999999999.99")
FIELDS = (
    ImportField("customer", _l("Customer reference"),
                ("customer", "customer number", "customer ref", "customer id", "client", "πελάτης", "κωδικός πελάτη",
                 "klientas", "kliento kodas", "مشتری", "کد مشتری", "לקוח", "מספר לקוח"), required=True),
    ImportField("date", _l("Order date"),
                ("date", "order date", "ημερομηνία", "data", "užsakymo data", "تاریخ", "תאריך"), required=True),
    ImportField("number", _l("Order number"),
                ("order", "order no", "invoice", "invoice number", "αριθμός παραγγελίας", "παραστατικό",
                 "užsakymo numeris", "شماره سفارش", "מספר הזמנה")),
    ImportField("sku", _l("SKU"), ("sku", "product code", "item code", "κωδικός είδους", "prekės kodas", "کد کالا",
                                   "מק\"ט", "מק״ט")),
    ImportField("product", _l("Product name"),
                ("product", "item", "description", "είδος", "προϊόν", "prekė", "کالا", "محصول", "מוצר")),
    ImportField("quantity", _l("Quantity"), ("qty", "ποσότητα", "kiekis", "تعداد", "مقدار", "כמות")),
    ImportField("unit_price", _l("Unit price"),
                ("price", "τιμή", "τιμή μονάδας", "kaina", "vieneto kaina", "قیمت", "قیمت واحد", "מחיר", "מחיר יחידה")),
    ImportField("discount", _l("Discount %"), ("discount", "έκπτωση", "nuolaida", "تخفیف", "הנחה")),
    ImportField("tax_rate", _l("Tax rate %"), ("vat", "tax", "φπα", "pvm", "مالیات", "מע\"מ", "מע״מ")),
    ImportField("currency", _l("Currency"), ("νόμισμα", "valiuta", "ارز", "מטבע")),
)


def check(rows, ctx) -> None:
    cache = ctx.cache
    refs = {r.values.get("customer", "") for r in rows}
    found = customer_ids(refs, cache)
    by_sku, by_name = products({r.values.get("sku", "") for r in rows}, {r.values.get("product", "") for r in rows},
                               cache)
    default_currency = current_app.config["DEFAULT_CURRENCY"]
    for row in rows:
        v, errors = row.values, row.errors
        ref = v.get("customer", "")
        customer_id = found.get(ref)
        if not ref:
            errors.append(_("A customer reference is required."))
        elif customer_id is None:
            errors.append(_("No customer has the reference, tax number or email “%(ref)s”.", ref=ref))
        try:
            day = parse_date(v.get("date", ""), ctx.language)
            if day is None:
                errors.append(_("An order date is required."))
        except CellError as exc:
            errors.append(f"{_('Order date')}: {exc}")
            day = None
        product = None
        if v.get("sku"):
            product = by_sku.get(v["sku"])
            if product is None:
                errors.append(_("No product has the SKU “%(sku)s”.", sku=v["sku"]))
        elif v.get("product"):
            product = by_name.get(fold(v["product"]))
        description = v.get("product") or (product.name if product else "")
        if not description:
            errors.append(_("Give the line's SKU or product name."))
        quantity = _number(errors, v, "quantity", ctx, Decimal("1"), minimum=Decimal("0.001"), maximum=MAX_QTY)
        price = _number(errors, v, "unit_price", ctx, product.unit_price if product else None, maximum=MAX_PRICE)
        if price is None and not any(e.startswith(_("Unit price")) for e in errors):
            errors.append(_("A unit price is required for a product not in the catalog."))
        discount = _number(errors, v, "discount", ctx, Decimal("0"), maximum=Decimal("100"))
        tax = _number(errors, v, "tax_rate", ctx, product.tax_rate if product else default_tax_rate(),
                      maximum=Decimal("100"))
        currency = (v.get("currency") or default_currency).upper()
        if len(currency) != 3 or not currency.isalpha():
            errors.append(_("A three-letter currency code such as EUR."))
        number = v.get("number", "")
        if len(number) > 20:
            errors.append(_("An order number has at most %(n)d characters.", n=20))
        if errors:
            continue
        if len(description) > 300:
            description = description[:300]
        amounts = line_amounts(quantity, price, discount, tax)
        clean = {
            "number": number or f"H{customer_id}-{day:%Y%m%d}", "customer_id": customer_id, "date": day,
            "currency": currency,
            "line": {"product_id": product.id if product else None, "description": description,
                     "sku": product.sku if product else (v.get("sku") or "")[:64],
                     "kind": product.kind if product else "product", "quantity": quantity, "unit_price": price,
                     "discount_percent": discount, "tax_rate": tax, "line_total": amounts.net,
                     "tax_amount": amounts.tax, "warranty_months": product.warranty_months if product else 0},
        }
        row.clean = clean
        row.keys = [("line", f"{clean['number']}|{description}|{quantity}|{price}|{discount}")]
    _match([r for r in rows if r.ok], ctx)


def _number(errors, values, field, ctx, default, *, minimum=Decimal("0"), maximum):
    text = values.get(field, "")
    if not text:
        return default
    try:
        value = parse_decimal(text, ctx.language)
    except CellError as exc:
        errors.append(f"{_field_label(field)}: {exc}")
        return None
    if not value.is_finite() or not minimum <= value <= maximum:
        errors.append(f"{_field_label(field)}: " + _("Between %(lo)s and %(hi)s.", lo=minimum, hi=maximum))
        return None
    return value


def _field_label(name: str) -> str:
    return next(str(f.label) for f in FIELDS if f.name == name)


def _match(rows, ctx) -> None:
    """Orders already saved under the rows' numbers (an earlier import, or real ones)."""
    numbers = {r.clean["number"] for r in rows}
    if not numbers:
        return
    saved = dict(db.session.execute(sa.select(Order.number, Order.id).where(Order.number.in_(numbers))).all())
    known = ctx.cache.setdefault("orders", {})  # orders this import made: their lines are not duplicates
    for row in rows:
        number = row.clean["number"]
        if number in saved and number not in known:
            row.match_id = saved[number]
            row.match_label = number


@contextmanager
def bulk(ctx):
    """Totals once at the end, for every order the import wrote lines to."""
    ctx.cache["touched"] = set()
    yield
    touched = sorted(ctx.cache["touched"])
    lines = OrderLine.__table__
    for start in range(0, len(touched), 500):
        ids = touched[start:start + 500]
        sums = sa.select(lines.c.order_id, sa.func.sum(lines.c.line_total).label("net"),
                         sa.func.sum(lines.c.tax_amount).label("tax")).where(lines.c.order_id.in_(ids)).group_by(
            lines.c.order_id)
        values = [{"oid": oid, "net": net or Decimal("0"), "tax": tax or Decimal("0"),
                   "total": (net or Decimal("0")) + (tax or Decimal("0"))}
                  for oid, net, tax in db.session.execute(sums)]
        if values:
            t = Order.__table__
            db.session.connection().execute(
                t.update().where(t.c.id == sa.bindparam("oid"))
                .values(subtotal=sa.bindparam("net"), tax_total=sa.bindparam("tax"), total=sa.bindparam("total")),
                values)


def save(rows, ctx) -> None:
    conn = db.session.connection()
    orders: dict[str, int] = ctx.cache.setdefault("orders", {})
    positions: dict[int, int] = ctx.cache.setdefault("positions", {})
    replaced: set[int] = ctx.cache.setdefault("replaced", set())
    skipped: set[str] = ctx.cache.setdefault("skipped", set())
    new_orders, lines = [], []
    new_numbers: set[str] = set()
    now = utcnow()
    for row in rows:
        c = row.clean
        number = c["number"]
        if number not in orders and row.match_id:
            if ctx.on_duplicate != UPDATE:  # order numbers are unique: "create" cannot make a second one
                if number not in skipped:
                    skipped.add(number)
                    ctx.skipped += 1
                continue
            if row.match_id not in replaced:
                conn.execute(sa.delete(OrderLine.__table__).where(OrderLine.__table__.c.order_id == row.match_id))
                replaced.add(row.match_id)
                orders[number] = row.match_id
                positions[row.match_id] = 0
                ctx.updated += 1
        if number not in orders and number not in new_numbers:
            new_numbers.add(number)
            confirmed = datetime.combine(c["date"], time(12))
            new_orders.append({"number": number, "customer_id": c["customer_id"], "owner_id": None, "state": CONFIRMED,
                               "currency": c["currency"], "notes": "", "created_at": confirmed,
                               "updated_at": now, "confirmed_at": confirmed, "version": 1,
                               "subtotal": Decimal("0"), "tax_total": Decimal("0"), "total": Decimal("0")})
        lines.append((number, c["line"]))
    if new_orders:
        t = Order.__table__
        ids = reserve_ids(t, len(new_orders))
        for order, oid in zip(new_orders, ids):
            order["id"] = oid
        conn.execute(t.insert(), new_orders)
        for order, oid in zip(new_orders, ids):
            orders[order["number"]] = oid
            positions[oid] = 0
        ctx.created += len(ids)
    values = []
    for number, line in lines:
        if number not in orders:
            continue
        oid = orders[number]
        positions[oid] += 1
        values.append({**line, "order_id": oid, "position": positions[oid]})
        ctx.cache["touched"].add(oid)
    if values:
        conn.execute(OrderLine.__table__.insert(), values)


IMPORTER = Importer("sales.orders", _l("Historical orders"), "sales.import", FIELDS, check, save, bulk=bulk,
                    weight=20)


# -- export ------------------------------------------------------------------------------------

EXPORT_BATCH = 2000


def _orders(user, args):
    from core.security import scoped_for

    stmt = scoped_for(sa.select(Order.id), Order, user)
    state = (args or {}).get("state")
    if state:
        stmt = stmt.where(Order.state == state)
    last = 0
    while True:
        ids = list(db.session.execute(stmt.where(Order.id > last).order_by(Order.id).limit(EXPORT_BATCH)).scalars())
        if not ids:
            return
        yield ids
        last = ids[-1]


def _customers(ids) -> dict[int, tuple[str, str]]:
    rows = db.session.execute(sa.select(Customer.id, Customer.external_ref, Customer.name).where(Customer.id.in_(ids)))
    return {cid: (ref or f"#{cid}", name) for cid, ref, name in rows}


def export_orders(user, args, _fmt=None):
    headers = [_("Order number"), _("Customer reference"), _("Customer"), _("Order date"), _("State"),
               _("Currency"), _("Subtotal"), _("Tax"), _("Total")]

    def rows():
        for ids in _orders(user, args):
            orders = db.session.execute(sa.select(Order.__table__).where(Order.id.in_(ids)).order_by(Order.id)).all()
            names = _customers({o.customer_id for o in orders})
            for o in orders:
                ref, name = names.get(o.customer_id, ("", ""))
                when = o.confirmed_at or o.created_at
                yield [o.number or f"#{o.id}", ref, name, when.date() if when else "", o.state, o.currency,
                       o.subtotal, o.tax_total, o.total]

    return headers, rows()


def export_lines(user, args, _fmt=None):
    """One row per line, with the columns the importer reads: an export imports back."""
    headers = [_field_label(n) for n in ("number", "customer", "date", "sku", "product", "quantity", "unit_price",
                                          "discount", "tax_rate", "currency")] + [_("Line total")]

    def rows():
        lines = OrderLine.__table__
        for ids in _orders(user, args):
            orders = {o.id: o for o in db.session.execute(sa.select(Order.__table__).where(Order.id.in_(ids)))}
            names = _customers({o.customer_id for o in orders.values()})
            for line in db.session.execute(sa.select(lines).where(lines.c.order_id.in_(ids))
                                           .order_by(lines.c.order_id, lines.c.position)):
                o = orders[line.order_id]
                when = o.confirmed_at or o.created_at
                yield [o.number or f"#{o.id}", names.get(o.customer_id, ("", ""))[0], when.date() if when else "",
                       line.sku, line.description, line.quantity, line.unit_price, line.discount_percent,
                       line.tax_rate, o.currency, line.line_total]

    return headers, rows()


EXPORTERS = [
    Exporter("sales.orders", _l("Orders"), "sales.user", export_orders, weight=20),
    Exporter("sales.order_lines", _l("Order lines"), "sales.user", export_lines, weight=21),
]
