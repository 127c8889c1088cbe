"""The ``equipment`` picker: units found by serial number, model or customer, showing
whose they are so two identical machines can be told apart."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from core.catalog.models import Product
from core.contrib import LookupItem
from core.customers.models import Customer
from core.customers.search import where_matches
from core.db import db, parse_id
from core.security import scoped
from core.text import like_pattern
from plugins.service.models import Equipment
from plugins.service.service import fold_serial


def _item(eq: Equipment) -> LookupItem:
    detail = " · ".join(x for x in (eq.customer.name if eq.customer else "", eq.location) if x)
    return LookupItem(eq.id, eq.label, detail, (("customer_id", eq.customer_id),))


def lookup_equipment(term: str, limit: int, params: dict) -> list[LookupItem]:
    stmt = scoped(sa.select(Equipment), Equipment).options(joinedload(Equipment.customer),
                                                            joinedload(Equipment.product))
    customer = params.get("customer", "")
    if parse_id(customer):
        stmt = stmt.where(Equipment.customer_id == parse_id(customer))
    if term:
        customers = where_matches(scoped(sa.select(Customer.id), Customer), term)
        models = sa.select(Product.id).where(Product.name_key.like(like_pattern(term), escape="\\"))
        conditions = [Equipment.customer_id.in_(customers), Equipment.product_id.in_(models),
                      sa.func.lower(Equipment.model_name).like(like_pattern(term), escape="\\")]
        serial = fold_serial(term)
        if serial:
            conditions.append(Equipment.serial_key.startswith(serial, autoescape=True))
        stmt = stmt.where(sa.or_(*conditions))
    rows = db.session.execute(stmt.order_by(Equipment.id.desc()).limit(limit)).unique().scalars()
    return [_item(eq) for eq in rows]


def lookup_one(equipment_id: int) -> LookupItem | None:
    stmt = scoped(sa.select(Equipment), Equipment).where(Equipment.id == equipment_id)
    eq = db.session.execute(stmt.options(joinedload(Equipment.customer), joinedload(Equipment.product))).scalar()
    return _item(eq) if eq else None
