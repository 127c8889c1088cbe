"""What service offers the complaints plugin: the customer's equipment, as things a
complaint may be about (``complaint_subjects``, declared by complaints; service never
imports it)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from core.db import db
from plugins.service.models import Equipment

LIMIT = 50


def complaint_subjects(customer) -> list[dict]:
    units = db.session.execute(
        sa.select(Equipment).where(Equipment.customer_id == customer.id).options(joinedload(Equipment.product))
        .order_by(Equipment.id.desc()).limit(LIMIT)).scalars().all()
    return [{"ref": f"service.equipment:equipment_id={u.id}", "label": u.label[:200], "group": _("Equipment"),
             "detail": u.location or "", "product_id": u.product_id} for u in units]
