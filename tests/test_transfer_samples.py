"""The sample files of docs/importing.md import as the guide says (one per format)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import db

SAMPLES = Path(__file__).resolve().parent.parent / "docs" / "samples"


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=["import", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.plugins("sales", "service")
def test_every_sample_imports(app):
    from core.catalog.models import Product
    from core.customers.models import Customer
    from plugins.sales.models import Order
    from plugins.service.models import Equipment

    assert "Created: 3" in _run(app, "customers", str(SAMPLES / "customers.csv"), "--language", "el")
    assert "Created: 2" in _run(app, "customers", str(SAMPLES / "customers-lt-windows-1257.csv"))
    assert "Created: 2" in _run(app, "customers", str(SAMPLES / "customers.xlsx"))
    assert "Created: 2" in _run(app, "customers", str(SAMPLES / "customers.vcf"))
    with app.app_context():
        db.session.add(Product(sku="BOIL-24", name="Λέβητας 24kW", name_key="λεβητας 24kw",
                               unit_price=Decimal("1290.00"), tax_rate=Decimal("24")))
        db.session.commit()
    assert "Created: 2" in _run(app, "orders", str(SAMPLES / "orders.csv"), "--language", "el")
    assert "Created: 2" in _run(app, "equipment", str(SAMPLES / "equipment.csv"))
    with app.app_context():
        names = set(db.session.execute(sa.select(Customer.name)).scalars())
        assert {"Γιώργος Παπαδόπουλος", "Rūta Kazlauskienė", "שרה לוי", "مریم رضایی"} <= names
        alpha = db.session.execute(sa.select(Customer).where(Customer.tax_number == "EL094014201")).scalar_one()
        order = db.session.execute(sa.select(Order).where(Order.number == "INV-2023-0042")).scalar_one()
        assert order.customer_id == alpha.id and order.lines[0].unit_price == Decimal("1150.00")
        assert db.session.execute(sa.select(sa.func.count()).select_from(Equipment)).scalar() == 2
