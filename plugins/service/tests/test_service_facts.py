"""The ``service_equipment`` query hook: the installed base for other plugins (``core.query``)."""
from datetime import date

import pytest

from core import query
from core.db import db


@pytest.mark.plugins("service")
def test_service_equipment_lists_units_with_their_latest_warranty(app):
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from plugins.service import service as svc

    with app.app_context():
        customer = create_customer({"name": "Ελένη"})
        product = Product(sku="WM-1", name="Washer", name_key="washer", unit_price=1, warranty_months=0)
        db.session.add(product)
        db.session.flush()
        eq = svc.create_equipment(customer_id=customer.id, product_id=product.id, serial="A1",
                                  install_date=date(2024, 1, 1))
        svc.add_warranty(eq, start_date=date(2024, 1, 1), months=12)
        svc.add_warranty(eq, kind="extended", start_date=date(2025, 1, 1), months=24)
        svc.create_equipment(customer_id=customer.id, model_name="Old boiler")
        db.session.commit()
        rows = {r["serial"]: r for r in db.session.execute(query("service_equipment")).mappings()}
        assert rows["A1"]["model"] == "Washer" and rows["A1"]["warranty_end"] == date(2027, 1, 1)
        assert rows["A1"]["customer_id"] == customer.id and rows["A1"]["status"] == "in_service"
        assert rows[None]["model"] == "Old boiler" and rows[None]["warranty_end"] is None
