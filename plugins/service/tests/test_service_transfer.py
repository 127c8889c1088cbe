"""Installed equipment through the importer hook: serials, warranties, re-import, export."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import login_client
from core.l10n import local_today

pytestmark = pytest.mark.plugins("service")

HEADER = ["Serial number", "SKU", "Model", "Customer", "Purchase date", "Warranty end"]


def _seed(app):
    from core.catalog.models import Product
    from core.customers.service import create_customer

    with app.app_context():
        db.session.add(Product(sku="BOIL-1", name="Boiler 24kW", name_key="boiler 24kw", unit_price=Decimal("1200")))
        c = create_customer({"name": "Σοφία", "external_ref": "K-7"})
        db.session.commit()
        return c.id


def _file(tmp_path, rows, header=HEADER, name="units.csv"):
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return str(path)


def _units(app):
    from plugins.service.models import Equipment

    with app.app_context():
        return [(e.serial, e.product_id is not None, e.model_name, e.purchase_date,
                 [(w.start_date, w.end_date, w.source) for w in e.warranties], e.source)
                for e in db.session.execute(sa.select(Equipment).order_by(Equipment.id)).scalars()]


def test_units_with_warranties_and_idempotent_reimport(app, tmp_path):
    _seed(app)
    path = _file(tmp_path, [["SN-1", "BOIL-1", "", "K-7", "2022-03-01", "2025-03-01"],
                            ["", "", "Θερμοσίφωνας Χ", "K-7", "2021-06-15", ""]])
    result = app.test_cli_runner().invoke(args=["import", "equipment", path])
    assert result.exit_code == 0, result.output
    expected = [("SN-1", True, "Boiler 24kW", date(2022, 3, 1), [(date(2022, 3, 1), date(2025, 3, 1), "import")], "import"),
                (None, False, "Θερμοσίφωνας Χ", date(2021, 6, 15), [], "import")]
    assert _units(app) == expected
    again = app.test_cli_runner().invoke(args=["import", "service.equipment", path])
    assert "Created: 0" in again.output and "skipped as already saved: 2" in again.output
    assert _units(app) == expected
    fix = _file(tmp_path, [["SN-1", "BOIL-1", "", "K-7", "2022-03-01", "2027-03-01"]], name="fix.csv")
    result = app.test_cli_runner().invoke(args=["import", "equipment", fix, "--on-duplicate", "update"])
    assert "updated: 1" in result.output
    assert _units(app)[0][4] == [(date(2022, 3, 1), date(2027, 3, 1), "import")]


def test_bad_units_say_why(app, tmp_path):
    _seed(app)
    future = (local_today() + timedelta(days=30)).isoformat()
    path = _file(tmp_path, [["SN-1", "BOIL-1", "", "K-7", "2022-03-01", "2021-01-01"],
                            ["SN-2", "", "", "K-7", "2022-03-01", ""],
                            ["SN-3", "BOIL-1", "", "nobody", "2022-03-01", ""],
                            ["SN-4", "BOIL-1", "", "K-7", future, ""],
                            ["SN-5", "BOIL-1", "", "K-7", "", "2030-01-01"],
                            ["SN-6", "BOIL-1", "", "K-7", "2022-03-01", ""],
                            ["sn-6", "BOIL-1", "", "K-7", "2022-03-01", ""]])
    result = app.test_cli_runner().invoke(args=["import", "equipment", path, "--skip-bad-rows"])
    assert result.exit_code == 0, result.output
    assert [u[0] for u in _units(app)] == ["SN-6"]
    rejected = result.output.split("reason for each: ")[1].strip()
    with open(rejected, encoding="utf-8-sig") as fh:
        reasons = [r[1] for r in csv.reader(fh)][1:]
    assert "cannot end before it starts" in reasons[0]
    assert "SKU or model" in reasons[1]
    assert "nobody" in reasons[2]
    assert "future" in reasons[3]
    assert "needs the purchase date" in reasons[4]
    assert "line 7" in reasons[5]  # serials compare folded: sn-6 is SN-6


def test_equipment_export_with_warranty_end_needs_the_permission(app, client, make_user, tmp_path):
    _seed(app)
    path = _file(tmp_path, [["SN-1", "BOIL-1", "", "K-7", "2022-03-01", "2025-03-01"]])
    assert app.test_cli_runner().invoke(args=["import", "equipment", path]).exit_code == 0
    make_user("clerk@example.com", permissions=["customers.view"])
    login_client(client, "clerk@example.com")
    assert client.get("/transfer/export/service.equipment.csv").status_code == 403
    client.post("/logout")
    login_client(client)
    rows = list(csv.reader(io.StringIO(client.get("/transfer/export/service.equipment.csv").data.decode("utf-8-sig"))))
    assert rows[1][:6] == ["SN-1", "BOIL-1", "Boiler 24kW", "K-7", "2022-03-01", "2025-03-01"]
