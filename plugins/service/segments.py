"""Service criteria for marketing's segments (the ``segment_criteria`` hook that marketing
defines; this module never imports marketing): warranties ending soon, owned models.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.db import utcnow
from plugins.service.models import Equipment, Warranty


def warranty_ends_within(customer_id, params):
    today = utcnow().date()
    return sa.exists().where(Equipment.customer_id == customer_id, Equipment.retired_on.is_(None),
                             Warranty.equipment_id == Equipment.id,
                             Warranty.end_date.between(today, today + timedelta(days=params["days"])))


def owns_model(customer_id, params):
    return sa.exists().where(Equipment.customer_id == customer_id, Equipment.retired_on.is_(None),
                             Equipment.product_id == params["product"])


def criteria() -> list[dict]:
    return [
        {"key": "service.warranty_ends_within", "label": _l("Warranty ends within days"),
         "compile": warranty_ends_within, "weight": 30,
         "params": [{"name": "days", "type": "int", "label": _l("Days")}]},
        {"key": "service.owns_model", "label": _l("Owns model"), "compile": owns_model, "weight": 31,
         "params": [{"name": "product", "type": "product", "label": _l("Product")}]},
    ]
