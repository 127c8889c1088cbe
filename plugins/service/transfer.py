"""Installed equipment in and out (the ``importers``/``exporters`` hooks; docs/importing.md).

Import: one row per unit — serial, catalog SKU or model name, customer reference,
purchase date, warranty end. A unit is matched by its serial (with its product or
model), or without a serial by customer, model and purchase date, so importing the
same file again creates nothing. New units and their warranty (standard, parts and
labour, from the purchase date to the warranty end) are written with one
``executemany`` per table and ``source="import"``; a matched unit is skipped or,
with *update*, gets the file's purchase date, and its imported warranty the file's
end date. No timeline entry per unit (an installed base of years is not news).

Export: equipment with its latest warranty end, for technicians and managers.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.contrib import Exporter, ImportField, Importer
from core.customers.models import Customer
from core.db import db, utcnow
from core.text import fold
from core.transfer.cells import CellError, parse_date
from core.transfer.ids import reserve_ids
from core.transfer.lookup import customer_ids, products
from core.transfer.models import CREATE, UPDATE
from plugins.service.models import BOTH, IN_SERVICE, STANDARD, Equipment, Warranty
from core.l10n import local_today

SOURCE = "import"
FIELDS = (
    ImportField("serial", _l("Serial number"),
                ("serial", "s/n", "sn", "serial no", "αριθμός σειράς", "σειριακός αριθμός", "serijos numeris",
                 "شماره سریال", "سریال", "מספר סידורי")),
    ImportField("sku", _l("SKU"), ("product code", "κωδικός είδους", "prekės kodas", "کد کالا", "מק\"ט", "מק״ט")),
    ImportField("model", _l("Model"), ("model name", "product", "μοντέλο", "modelis", "مدل", "דגם")),
    ImportField("customer", _l("Customer reference"),
                ("customer", "customer number", "customer ref", "πελάτης", "κωδικός πελάτη", "klientas",
                 "kliento kodas", "مشتری", "کد مشتری", "לקוח", "מספר לקוח"), required=True),
    ImportField("purchase_date", _l("Purchase date"),
                ("purchased", "date of purchase", "ημερομηνία αγοράς", "pirkimo data", "تاریخ خرید", "תאריך רכישה")),
    ImportField("warranty_end", _l("Warranty end"),
                ("warranty", "warranty until", "λήξη εγγύησης", "garantija iki", "پایان گارانتی", "סוף אחריות")),
    ImportField("location", _l("Location"), ("θέση", "vieta", "محل", "מיקום")),
)


def _label(name: str) -> str:
    return next(str(f.label) for f in FIELDS if f.name == name)


def _date(row, field, ctx):
    try:
        return parse_date(row.values.get(field, ""), ctx.language)
    except CellError as exc:
        row.errors.append(f"{_label(field)}: {exc}")
        return None


def check(rows, ctx) -> None:
    found = customer_ids({r.values.get("customer", "") for r in rows}, ctx.cache)
    by_sku, by_name = products({r.values.get("sku", "") for r in rows}, {r.values.get("model", "") for r in rows},
                               ctx.cache)
    for row in rows:
        v = row.values
        ref = v.get("customer", "")
        customer_id = found.get(ref)
        if not ref:
            row.errors.append(_("A customer reference is required."))
        elif customer_id is None:
            row.errors.append(_("No customer has the reference, tax number or email “%(ref)s”.", ref=ref))
        product = None
        if v.get("sku"):
            product = by_sku.get(v["sku"])
            if product is None:
                row.errors.append(_("No product has the SKU “%(sku)s”.", sku=v["sku"]))
        elif v.get("model"):
            product = by_name.get(fold(v["model"]))
        model = product.name if product else v.get("model", "")
        if not model:
            row.errors.append(_("Give the unit's SKU or model."))
        if len(model) > 200 or len(v.get("serial", "")) > 100 or len(v.get("location", "")) > 300:
            row.errors.append(_("A value is too long (model 200, serial 100, location 300 characters)."))
        purchased = _date(row, "purchase_date", ctx)
        warranty_end = _date(row, "warranty_end", ctx)
        if warranty_end and not purchased:
            row.errors.append(_("A warranty end needs the purchase date (the warranty's start)."))
        elif warranty_end and purchased and warranty_end < purchased:
            row.errors.append(_("The warranty cannot end before it starts."))
        if purchased and purchased > local_today():
            row.errors.append(_("The purchase date is in the future."))
        if row.errors:
            continue
        serial = v.get("serial") or None
        row.clean = {"customer_id": customer_id, "product_id": product.id if product else None, "model_name": model,
                     "serial": serial, "purchase_date": purchased, "warranty_end": warranty_end,
                     "location": v.get("location", "")}
        unit = product.id if product else fold(model)
        row.keys = [("serial", f"{unit}|{fold(serial)}")] if serial else [
            ("unit", f"{customer_id}|{fold(model)}|{purchased}")]
    _match([r for r in rows if r.ok])


def _match(rows) -> None:
    serials = {fold(r.clean["serial"]) for r in rows if r.clean["serial"]}
    saved: dict[tuple, int] = {}
    if serials:
        for eid, pid, model, key in db.session.execute(sa.select(
                Equipment.id, Equipment.product_id, Equipment.model_name, Equipment.serial_key)
                .where(Equipment.serial_key.in_(serials))):
            saved.setdefault(("s", pid or fold(model), key), eid)
    customers = {r.clean["customer_id"] for r in rows if not r.clean["serial"]}
    if customers:
        for eid, cid, model, bought in db.session.execute(sa.select(
                Equipment.id, Equipment.customer_id, Equipment.model_name, Equipment.purchase_date)
                .where(Equipment.customer_id.in_(customers), Equipment.serial.is_(None))):
            saved.setdefault(("u", cid, fold(model), bought), eid)
    for row in rows:
        c = row.clean
        key = (("s", c["product_id"] or fold(c["model_name"]), fold(c["serial"])) if c["serial"]
               else ("u", c["customer_id"], fold(c["model_name"]), c["purchase_date"]))
        row.match_id = saved.get(key)
        if row.match_id:
            row.match_label = c["serial"] or c["model_name"]


def save(rows, ctx) -> None:
    conn = db.session.connection()
    now = utcnow()
    new = [r.clean for r in rows if r.match_id is None or ctx.on_duplicate == CREATE]
    if new:
        t = Equipment.__table__
        ids = reserve_ids(t, len(new))
        conn.execute(t.insert(), [
            {"id": eid, "customer_id": c["customer_id"], "product_id": c["product_id"], "model_name": c["model_name"],
             "serial": c["serial"], "serial_key": fold(c["serial"]) or None if c["serial"] else None,
             "purchase_date": c["purchase_date"], "install_date": None, "location": c["location"],
             "status": IN_SERVICE, "retired_on": None, "notes": "", "source": SOURCE, "order_id": None,
             "order_number": None, "created_at": now, "updated_at": now} for eid, c in zip(ids, new)])
        warranties = [_warranty(eid, c, now) for eid, c in zip(ids, new) if c["warranty_end"]]
        if warranties:
            conn.execute(Warranty.__table__.insert(), warranties)
        ctx.created += len(ids)
    for row in rows:
        if row.match_id is None or ctx.on_duplicate == CREATE:
            continue
        if ctx.on_duplicate != UPDATE:
            ctx.skipped += 1
            continue
        _update(row.match_id, row.clean, now)
        ctx.updated += 1


def _warranty(equipment_id: int, c: dict, now) -> dict:
    return {"equipment_id": equipment_id, "kind": STANDARD, "terms": BOTH, "start_date": c["purchase_date"],
            "end_date": c["warranty_end"], "visits_per_year": 0, "price": 0, "notes": "", "source": SOURCE,
            "created_at": now}


def _update(equipment_id: int, c: dict, now) -> None:
    eq = db.session.get(Equipment, equipment_id)
    if c["purchase_date"]:
        eq.purchase_date = c["purchase_date"]
    if c["location"]:
        eq.location = c["location"]
    if c["warranty_end"]:
        imported = next((w for w in eq.warranties if w.source == SOURCE), None)
        if imported is None:
            db.session.add(Warranty(**_warranty(eq.id, c, now)))
        else:
            imported.start_date, imported.end_date = c["purchase_date"], c["warranty_end"]


IMPORTER = Importer("service.equipment", _l("Installed equipment"), "service.import", FIELDS, check, save, weight=30)


# -- export ------------------------------------------------------------------------------------


def export_rows(user, _args, _fmt=None):
    headers = [_label(n) for n in ("serial", "sku", "model", "customer", "purchase_date", "warranty_end", "location")] + [
        _("Customer"), _("Status")]

    def rows():
        from core.catalog.models import Product

        w = Warranty.__table__
        last = 0
        while True:
            units = db.session.execute(sa.select(Equipment.__table__).where(Equipment.id > last)
                                       .order_by(Equipment.id).limit(2000)).all()
            if not units:
                return
            ids = [u.id for u in units]
            ends = dict(db.session.execute(sa.select(w.c.equipment_id, sa.func.max(w.c.end_date))
                                           .where(w.c.equipment_id.in_(ids)).group_by(w.c.equipment_id)).all())
            skus = dict(db.session.execute(sa.select(Product.id, Product.sku).where(
                Product.id.in_({u.product_id for u in units if u.product_id}))).all())
            names = {cid: (ref or f"#{cid}", name) for cid, ref, name in db.session.execute(
                sa.select(Customer.id, Customer.external_ref, Customer.name)
                .where(Customer.id.in_({u.customer_id for u in units})))}
            for u in units:
                ref, name = names.get(u.customer_id, ("", ""))
                yield [u.serial or "", skus.get(u.product_id, ""), u.model_name, ref, u.purchase_date or "",
                       ends.get(u.id) or "", u.location, name, u.status]
            last = ids[-1]

    return headers, rows()


EXPORTERS = [Exporter("service.equipment", _l("Installed equipment"), "service.technician", export_rows, weight=30)]
