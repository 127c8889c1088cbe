"""Historical orders: imported through the core's importer hook, exported as the user may see."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import login_client

pytestmark = pytest.mark.plugins("sales")


def _seed(app):
    from core.catalog.models import Product
    from core.customers.service import create_customer

    with app.app_context():
        db.session.add_all([
            Product(sku="LAP-1", name="Laptop", name_key="laptop", unit_price=Decimal("899.00"), tax_rate=Decimal("24")),
            Product(sku="INK-1", name="Μελάνι", name_key="μελανι", unit_price=Decimal("19.99"), tax_rate=Decimal("24")),
        ])
        a = create_customer({"name": "Alpha", "external_ref": "C-1"})
        b = create_customer({"name": "Beta", "tax_number": "EL123456789", "emails": ["beta@example.gr"]})
        db.session.commit()
        return a.id, b.id


def _file(tmp_path, rows, header, name="orders.csv"):
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    w.writerow(header)
    w.writerows(rows)
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return str(path)


def _orders(app):
    from plugins.sales.models import Order

    with app.app_context():
        orders = db.session.execute(sa.select(Order).order_by(Order.number)).scalars().all()
        return [(o.number, o.customer_id, o.state, o.confirmed_at.date(), o.total,
                 [(l.sku, l.description, l.quantity, l.unit_price, l.discount_percent, l.line_total) for l in o.lines])
                for o in orders]


GREEK = ["Πελάτης", "Ημερομηνία", "Κωδικός είδους", "Είδος", "Ποσότητα", "Τιμή", "Έκπτωση"]


def test_lines_group_into_one_confirmed_order_per_customer_and_date_with_local_numbers(app, tmp_path):
    alpha, beta = _seed(app)
    path = _file(tmp_path, [
        ["C-1", "17/05/2024", "LAP-1", "", "1", "1.234,50", "10"],
        ["C-1", "17/05/2024", "", "Μελάνι", "3", "", ""],
        ["EL 123 456 789", "2024-06-01", "", "Καλώδιο", "2", "5,00", ""],  # not in the catalog
        ["beta@example.gr", "01/06/2024", "INK-1", "", "1", "", "100"],
    ], GREEK)
    result = app.test_cli_runner().invoke(args=["import", "orders", path, "--language", "el"])
    assert result.exit_code == 0, result.output
    assert "Created: 2" in result.output  # orders
    orders = _orders(app)
    assert orders == [
        (f"H{alpha}-20240517", alpha, "confirmed", date(2024, 5, 17), Decimal("1452.06"), [
            ("LAP-1", "Laptop", Decimal("1.000"), Decimal("1234.50"), Decimal("10.00"), Decimal("1111.05")),
            ("INK-1", "Μελάνι", Decimal("3.000"), Decimal("19.99"), Decimal("0.00"), Decimal("59.97")),
        ]),
        (f"H{beta}-20240601", beta, "confirmed", date(2024, 6, 1), Decimal("10.00"), [  # no catalog product: the default tax rate, 0 here
            ("", "Καλώδιο", Decimal("2.000"), Decimal("5.00"), Decimal("0.00"), Decimal("10.00")),
            ("INK-1", "Μελάνι", Decimal("1.000"), Decimal("19.99"), Decimal("100.00"), Decimal("0.00")),
        ]),
    ]
    # 1,234.50 less 10 % = 1,111.05 and 3 × 19.99 = 59.97 net; 24 % tax per line, rounded: 266.65 + 14.39.
    again = app.test_cli_runner().invoke(args=["import", "orders", path, "--language", "el"])
    assert again.exit_code == 0, again.output
    assert "Created: 0" in again.output and "skipped as already saved: 2" in again.output
    assert _orders(app) == orders


def test_order_numbers_group_lines_and_update_replaces_them(app, tmp_path):
    _seed(app)
    header = ["Order number", "Customer", "Date", "SKU", "Qty", "Price"]
    path = _file(tmp_path, [["INV-9", "C-1", "2023-01-10", "LAP-1", "1", "800"],
                            ["INV-9", "C-1", "2023-01-10", "INK-1", "2", "20"]], header)
    assert app.test_cli_runner().invoke(args=["import", "sales.orders", path]).exit_code == 0
    path = _file(tmp_path, [["INV-9", "C-1", "2023-01-10", "LAP-1", "1", "750"]], header, name="fix.csv")
    result = app.test_cli_runner().invoke(args=["import", "orders", path, "--on-duplicate", "update"])
    assert result.exit_code == 0, result.output
    assert "updated: 1" in result.output
    [(number, _c, _s, _d, total, lines)] = _orders(app)
    assert number == "INV-9" and [l[3] for l in lines] == [Decimal("750.00")] and total == Decimal("930.00")


def test_bad_lines_are_refused_with_reasons_and_nothing_is_saved(app, tmp_path):
    _seed(app)
    path = _file(tmp_path, [
        ["C-1", "17/05/2024", "LAP-1", "", "1", "", ""],
        ["C-404", "17/05/2024", "LAP-1", "", "1", "", ""],
        ["C-1", "31/02/2024", "LAP-1", "", "1", "", ""],
        ["C-1", "17/05/2024", "NOPE", "", "1", "", ""],
        ["C-1", "17/05/2024", "", "Χωρίς τιμή", "1", "", ""],
        ["C-1", "17/05/2024", "LAP-1", "", "-2", "", ""],
        ["C-1", "17/05/2024", "LAP-1", "", "1", "", ""],  # the same line twice
    ], GREEK)
    result = app.test_cli_runner().invoke(args=["import", "orders", path, "--language", "el"])
    assert result.exit_code == 1
    assert "6 rows have problems" in result.output
    assert _orders(app) == []
    rejected = result.output.split("reason for each: ")[1].strip()
    with open(rejected, encoding="utf-8-sig") as fh:
        reasons = [r[1] for r in csv.reader(fh)][1:]
    assert "C-404" in reasons[0]
    assert "Order date" in reasons[1]
    assert "NOPE" in reasons[2]
    assert "unit price" in reasons[3]
    assert "Quantity" in reasons[4]
    assert "line 2" in reasons[5]


def test_order_export_follows_the_record_rule(app, client, make_user, tmp_path):
    from plugins.sales.models import Order

    _seed(app)
    rep = make_user("rep@example.com", roles=["Salesperson"])
    path = _file(tmp_path, [["A-1", "C-1", "2024-01-02", "LAP-1", "1", "900"],
                            ["B-1", "C-1", "2024-01-03", "INK-1", "1", "20"]],
                 ["Order number", "Customer", "Date", "SKU", "Qty", "Price"])
    assert app.test_cli_runner().invoke(args=["import", "orders", path]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.update(Order).where(Order.number == "B-1").values(owner_id=rep))
        db.session.commit()
    login_client(client, "rep@example.com")
    body = client.get("/transfer/export/sales.orders.csv").get_data(as_text=True)
    assert "B-1" in body and "A-1" not in body
    lines = client.get("/transfer/export/sales.order_lines.csv").get_data(as_text=True)
    assert "INK-1" in lines and "LAP-1" not in lines
    client.post("/logout")
    login_client(client)  # the admin (sales.manager) sees both
    body = client.get("/transfer/export/sales.orders.csv").get_data(as_text=True)
    assert "A-1" in body and "B-1" in body


def test_an_order_lines_export_imports_back_without_mapping(app, client, tmp_path):
    _seed(app)
    path = _file(tmp_path, [["A-1", "C-1", "2024-01-02", "LAP-1", "2", "900"]],
                 ["Order number", "Customer", "Date", "SKU", "Qty", "Price"])
    assert app.test_cli_runner().invoke(args=["import", "orders", path]).exit_code == 0
    before = _orders(app)
    login_client(client)
    exported = tmp_path / "lines.csv"
    exported.write_bytes(client.get("/transfer/export/sales.order_lines.csv").data)
    from plugins.sales.models import Order

    with app.app_context():
        db.session.execute(sa.delete(Order))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["import", "orders", str(exported)])
    assert result.exit_code == 0, result.output
    assert [o[0] for o in _orders(app)] == [o[0] for o in before]
    assert _orders(app)[0][5] == before[0][5]


def test_plugin_importers_and_exporters_are_offered_by_the_hooks(app, client):
    from core.transfer.service import exporters, importers

    with app.test_request_context():
        assert [i.kind for i in importers()] == ["customers", "sales.orders"]
        assert [e.kind for e in exporters()] == ["customers", "sales.orders", "sales.order_lines"]
    login_client(client)
    page = client.get("/transfer/").get_data(as_text=True)
    assert "/transfer/import/sales.orders" in page and "/transfer/export/sales.order_lines.csv" in page
