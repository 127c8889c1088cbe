"""Exporting customers: the list as filtered, streamed, CSV/Excel/vCard, injection-safe, audited."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import login_client


def _seed(app):
    from core.customers.service import create_customer

    with app.app_context():
        create_customer({"name": "=HYPERLINK(\"http://evil.example\",\"click\")", "phones": ["+30 210 123 4567"],
                         "notes": "-2+3 @SUM(1)", "tags": ["vip"]})
        create_customer({"name": "Ελένη Παπαδοπούλου", "emails": ["eleni@example.gr"], "tags": ["vip"],
                         "addresses": [{"street": "Πανεπιστημίου 10", "city": "Αθήνα", "country": "GR"}],
                         "external_ref": "C-9"})
        create_customer({"name": "Acme ΑΕ", "kind": "company", "tax_number": "EL999999999"})
        db.session.commit()


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads Greek, Hebrew and Persian right
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_export_neutralises_formulas_but_keeps_phone_numbers_readable(app, client):
    from core.transfer.writers import neutralise, unwrap

    _seed(app)
    login_client(client)
    response = client.get("/transfer/export/customers.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="customers.csv"'
    rows = _rows(response.data)
    assert rows[0][:3] == ["External reference", "Full name", "Person or company"]
    evil = next(r for r in rows if "HYPERLINK" in r[1])
    assert evil[1] == "'=HYPERLINK(\"http://evil.example\",\"click\")"  # shown, never run
    assert evil[4] == '="+302101234567"'  # a spreadsheet shows +302101234567 as text
    assert evil[-1] == "'-2+3 @SUM(1)"
    for value in ('=1+1', '+30 210 123 4567', '-12,50', '@me', '\tx', '\rx', 'plain', '+cmd|calc'):
        assert unwrap(neutralise(value)) == value
        assert not neutralise(value).startswith(("=", "+", "-", "@", "\t", "\r")) or neutralise(value).startswith('="')


def test_export_is_the_list_as_filtered(app, client):
    _seed(app)
    login_client(client)
    rows = _rows(client.get("/transfer/export/customers.csv?tag=vip&kind=person").data)
    assert sorted(r[1] for r in rows[1:]) == ["'=HYPERLINK(\"http://evil.example\",\"click\")", "Ελένη Παπαδοπούλου"]
    rows = _rows(client.get("/transfer/export/customers.csv?q=παπαδοπ").data)
    assert [r[1] for r in rows[1:]] == ["Ελένη Παπαδοπούλου"]
    page = client.get("/customers/?tag=vip").get_data(as_text=True)
    assert "/transfer/export/customers.csv?tag=vip" in page  # the list's own Export link keeps its filters


def test_export_needs_the_permission_and_is_audited(app, client, make_user):
    _seed(app)
    make_user("viewer@example.com", permissions=["customers.view"])
    login_client(client, "viewer@example.com")
    assert client.get("/transfer/export/customers.csv").status_code == 403
    assert client.get("/transfer/export/nothing.csv").status_code == 404
    assert client.get("/transfer/export/customers.pdf").status_code == 404
    client.post("/logout")
    login_client(client)
    client.get("/transfer/export/customers.xlsx?tag=vip")
    from core.audit.models import AuditEntry

    with app.app_context():
        entry = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "export")).scalar_one()
        assert entry.record_id == "customers" and entry.detail["format"] == "xlsx"
        assert entry.detail["filters"] == {"tag": "vip"}


def test_xlsx_export_writes_text_cells_never_formulas(app, client, tmp_path):
    from openpyxl import load_workbook

    _seed(app)
    login_client(client)
    path = tmp_path / "c.xlsx"
    path.write_bytes(client.get("/transfer/export/customers.xlsx").data)
    sheet = load_workbook(path).active
    cells = {c.value: c.data_type for row in sheet.iter_rows(min_row=2) for c in row if c.value}
    assert cells["=HYPERLINK(\"http://evil.example\",\"click\")"] == "s"
    assert cells["+302101234567"] == "s"


def test_vcard_export_and_back(app, client, tmp_path):
    _seed(app)
    login_client(client)
    data = client.get("/transfer/export/customers.vcf").data
    text = data.decode("utf-8")
    assert text.count("BEGIN:VCARD") == 3 and "VERSION:3.0" in text
    assert "EMAIL:eleni@example.gr" in text or "EMAIL;" in text
    path = tmp_path / "back.vcf"
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["import", "customers", str(path), "--skip-bad-rows"])
    assert result.exit_code == 0, result.output
    # Every card matched (by reference, tax number, email — or Rapport's own id in the UID);
    # the customer named like a formula is refused on the way in, as any formula cell.
    assert "Created: 0, updated: 0, skipped as already saved: 2, rows with problems left out: 1." in result.output


def test_cli_export_to_stdout_and_file(app, tmp_path):
    _seed(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", "customers"])
    assert result.exit_code == 0
    assert "Ελένη Παπαδοπούλου" in result.output
    out = tmp_path / "all.vcf"
    result = runner.invoke(args=["export", "customers", "--format", "vcf", "--output", str(out)])
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").count("END:VCARD") == 3
    assert runner.invoke(args=["export", "nothing"]).exit_code != 0


def test_an_export_imports_back_without_mapping(app, client, tmp_path):
    _seed(app)
    login_client(client)
    path = tmp_path / "roundtrip.csv"
    path.write_bytes(client.get("/transfer/export/customers.csv").data)
    result = app.test_cli_runner().invoke(args=["import", "customers", str(path), "--skip-bad-rows"])
    assert result.exit_code == 0, result.output
    assert "Created: 0, updated: 0, skipped as already saved: 2, rows with problems left out: 1." in result.output


def test_a_large_export_streams_in_batches(app, client):
    """Several batches (keyset-paged by name): every customer once, in the list's order."""
    from core.customers.bulk import bulk_search_index, create_customers
    from core.transfer import customer_export as exporting

    with app.app_context():
        with bulk_search_index():
            create_customers([{"name": f"Πελάτης {i:05d}", "emails": [f"c{i}@example.gr"]} for i in range(4500)])
        db.session.commit()
    login_client(client)
    response = client.get("/transfer/export/customers.csv")
    assert response.is_streamed
    rows = _rows(response.data)[1:]
    assert len(rows) == 4500 > exporting.EXPORT_BATCH * 2
    assert [r[1] for r in rows] == [f"Πελάτης {i:05d}" for i in range(4500)]
