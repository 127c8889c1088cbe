"""What service offers the complaints plugin: the customer's equipment, as things a
complaint may be about (``complaint_subjects``, declared by complaints; service never
imports it)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from core.db import db, parse_id
from plugins.service.models import Equipment

LIMIT = 50
REF = "service.equipment:equipment_id="


def complaint_subjects(customer, ref: str | None = None) -> list[dict]:
    """The newest units of equipment, or (``ref`` given) that one unit if it is the customer's."""
    stmt = sa.select(Equipment).where(Equipment.customer_id == customer.id)
    if ref is not None:
        equipment_id = parse_id(ref[len(REF):]) if ref.startswith(REF) else None
        if equipment_id is None:
            return []
        stmt = stmt.where(Equipment.id == equipment_id)
    units = db.session.execute(
        stmt.options(joinedload(Equipment.product)).order_by(Equipment.id.desc()).limit(LIMIT)).scalars().all()
    return [{"ref": f"{REF}{u.id}", "label": u.label[:200], "group": _("Equipment"),
             "detail": u.location or "", "product_id": u.product_id} for u in units]
