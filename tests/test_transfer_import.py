"""Importing customers: formats, encodings, mapping, preview, duplicates, both modes, the job.

Files are written by the tests as a user's tools would write them (Excel's CSV in a
Windows code page, openpyxl workbooks, vCards from a phone), then imported through the
pages (upload → mapping → preview → job) or ``rapport import``.
"""
from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

import transfer_listener_plugin
from core.testing import login_client

HEADER = ["Name", "Email", "Phone", "City"]


def _csv(rows, header=HEADER, *, encoding="utf-8", delimiter=",", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def _customers(app):
    from core.customers.models import Customer
    from core.db import db

    with app.app_context():
        found = db.session.execute(sa.select(Customer).order_by(Customer.id)).scalars().all()
        return [(c.name, [e.email for e in c.emails], [p.number for p in c.phones],
                 [a.city for a in c.addresses]) for c in found]


def _ids(app):
    from core.customers.models import Customer
    from core.db import db

    with app.app_context():
        return list(db.session.execute(sa.select(Customer.id)).scalars())


def _import_cli(app, tmp_path, data: bytes, *args, name="customers.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return app.test_cli_runner().invoke(args=["import", "customers", str(path), *args])


ROWS = [
    ["Γιώργος Παπαδόπουλος", "giorgos@example.gr", "+30 691 234 4691", "Αθήνα"],
    ["Rūta Kazlauskienė", "ruta@example.lt", "+370 612 34567", "Vilnius"],
    ["דוד כהן", "david@example.co.il", "+972 52 555 1234", "תל אביב"],
]


# -- formats and encodings ---------------------------------------------------------------------


@pytest.mark.parametrize("encoding,bom,delimiter", [
    ("utf-8", False, ","), ("utf-8", True, ";"), ("utf-8", False, "\t"),
])
def test_utf8_csv_with_or_without_bom_and_any_delimiter(app, tmp_path, encoding, bom, delimiter):
    result = _import_cli(app, tmp_path, _csv(ROWS, encoding=encoding, bom=bom, delimiter=delimiter))
    assert result.exit_code == 0, result.output
    assert _customers(app) == [
        ("Γιώργος Παπαδόπουλος", ["giorgos@example.gr"], ["+306912344691"], ["Αθήνα"]),
        ("Rūta Kazlauskienė", ["ruta@example.lt"], ["+37061234567"], ["Vilnius"]),
        ("דוד כהן", ["david@example.co.il"], ["+972525551234"], ["תל אביב"]),
    ]
    assert "Created: 3" in result.output


LEGACY = [
    ("cp1253", ["Επώνυμο", "Email"], [["Παπαδοπούλου Ελένη", "eleni@example.gr"], ["Νικολάου Κώστας", "kostas@example.gr"],
                                      ["Αλεξίου Μαρία", "maria@example.gr"]]),
    ("cp1257", ["Pavardė", "El. paštas"], [["Kazlauskienė Rūta", "ruta@example.lt"], ["Žukauskas Jonas", "jonas@example.lt"],
                                           ["Šimkutė Aistė", "aiste@example.lt"]]),
    ("cp1255", ["שם משפחה", "אימייל"], [["כהן דוד", "david@example.co.il"], ["לוי שרה", "sara@example.co.il"],
                                        ["מזרחי יוסי", "yossi@example.co.il"]]),
    # Windows-1256 has no Persian ی and ک: files written in it carry the Arabic ي and ك.
    ("cp1256", ["نام خانوادگي", "ايميل"], [["محمدي علي", "ali@example.ir"], ["رضايي مريم", "maryam@example.ir"],
                                          ["كريمي حسن", "hassan@example.ir"]]),
]


@pytest.mark.parametrize("encoding,header,rows", LEGACY, ids=[e for e, _h, _r in LEGACY])
def test_legacy_windows_encodings_are_recognised_and_headers_map_in_every_language(app, tmp_path, encoding, header, rows):
    from core.transfer.readers import sniff

    path = tmp_path / "legacy.csv"
    path.write_bytes(_csv(rows, header=header, encoding=encoding, delimiter=";"))
    with app.test_request_context():
        sniffed = sniff(str(path), "legacy.csv")
    assert sniffed.encoding == encoding
    assert sniffed.headers == header
    language = {"cp1253": "el", "cp1257": "lt", "cp1255": "he", "cp1256": "fa"}[encoding]
    result = _import_cli(app, tmp_path, path.read_bytes(), "--language", language)
    assert result.exit_code == 0, result.output
    names = [r[0] for r in rows]
    if language == "fa":  # stored with the Persian letters
        names = [n.replace("ي", "ی").replace("ك", "ک") for n in names]
        assert names[2] == "کریمی حسن"
    assert [c[0] for c in _customers(app)] == names  # the surname column carries the name
    assert [c[1] for c in _customers(app)] == [[r[1]] for r in rows]


def test_the_encoding_can_be_chosen_by_hand(app, tmp_path):
    """A short Greek file a detector could take for another code page: the user says cp1253."""
    data = _csv([["Άννα", "anna@example.gr"]], header=["Name", "Email"], encoding="cp1253")
    result = _import_cli(app, tmp_path, data, "--encoding", "cp1253")
    assert result.exit_code == 0, result.output
    assert _customers(app)[0][0] == "Άννα"


def test_xlsx_read_only_with_dates_and_numbers(app, tmp_path):
    from datetime import date

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Ονοματεπώνυμο", "Τηλέφωνο", "Ημερομηνία γέννησης", "ΑΦΜ"])
    sheet.append(["Ελένη Παπαδοπούλου", "2101234567", date(1980, 5, 17), 123456789])
    sheet.append(["Κώστας Νικολάου", "+30 697 111 2233", None, "EL 987.654.321"])
    path = tmp_path / "pelates.xlsx"
    book.save(path)
    result = app.test_cli_runner().invoke(args=["import", "customers", str(path)])
    assert result.exit_code == 0, result.output
    from core.customers.models import Customer
    from core.db import db

    with app.app_context():
        rows = db.session.execute(sa.select(Customer).order_by(Customer.id)).scalars().all()
        assert [(c.name, c.phones[0].number, c.birth_date, c.tax_number) for c in rows] == [
            ("Ελένη Παπαδοπούλου", "+302101234567", date(1980, 5, 17), "123456789"),
            ("Κώστας Νικολάου", "+306971112233", None, "EL987654321"),
        ]


VCARDS = """BEGIN:VCARD
VERSION:3.0
UID:phone-1
FN:Ελένη Παπαδοπούλου
N:Παπαδοπούλου;Ελένη;;;
EMAIL;TYPE=INTERNET:eleni@example.gr
TEL;TYPE=CELL:+30 697 111 2233
ADR;TYPE=HOME:;;Πανεπιστημίου 10;Αθήνα;;10679;GR
END:VCARD
BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1
FN:Rūta Kazlauskienė
N:Kazlauskienė;Rūta;;;
EMAIL:ruta@example.lt
TEL;VALUE=uri;TYPE=cell:tel:+370-612-34567
END:VCARD
"""


def test_vcard_3_and_4(app, tmp_path):
    result = _import_cli(app, tmp_path, VCARDS.encode(), name="contacts.vcf")
    assert result.exit_code == 0, result.output
    assert _customers(app) == [
        ("Ελένη Παπαδοπούλου", ["eleni@example.gr"], ["+306971112233"], ["Αθήνα"]),
        ("Rūta Kazlauskienė", ["ruta@example.lt"], ["+37061234567"], []),
    ]
    from core.customers.models import Customer
    from core.db import db

    with app.app_context():  # the UID is the external reference: importing the cards again matches them
        assert db.session.execute(sa.select(Customer.external_ref).order_by(Customer.id)).scalars().all() == [
            "phone-1", "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"]


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data,name,message", [
    (b"", "empty.csv", "The file is empty."),
    (b"\r\n\r\n  \r\n", "blank.csv", "The file is empty."),
    (bytes(range(256)) * 20, "photo.csv", "not a text file"),
    (b"PK\x03\x04garbage", "book.xlsx", "ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", "Old Excel files"),
    (b"not a workbook", "book.xlsx", "not an Excel workbook"),
    (b"Name,Email\r\n", "header-only.csv", "header but no rows"),
])
def test_files_that_cannot_be_imported_say_why_and_save_nothing(app, tmp_path, data, name, message):
    result = _import_cli(app, tmp_path, data, name=name)
    assert result.exit_code == 1
    assert message in result.output
    assert _customers(app) == []


def test_wrong_encoding_chosen_by_hand_is_refused_clearly(app, tmp_path):
    data = _csv([["Γιώργος", "g@example.gr"]], header=["Name", "Email"], encoding="utf-8")
    result = _import_cli(app, tmp_path, data, "--encoding", "utf-16")
    assert result.exit_code == 1
    assert "encoding" in result.output
    assert _customers(app) == []


def test_a_file_over_the_size_limit_is_refused(make_app, tmp_path):
    app = make_app(IMPORT_MAX_MB=1)
    row = ["Name " * 10, "x@example.gr", "", ""]
    data = _csv([row] * 30000)
    assert len(data) > 1024 * 1024
    result = _import_cli(app, tmp_path, data)
    assert result.exit_code == 1
    assert "larger than 1 MB" in result.output
    assert _customers(app) == []


BAD_ROWS = [
    ["Good One", "one@example.gr", "", ""],
    ["", "noname@example.gr", "", ""],  # line 3: no name
    ["Bad Mail", "not-an-email", "", ""],  # line 4
    ["Bad Phone", "", "12", ""],  # line 5
    ["=HYPERLINK(\"http://evil\")", "formula@example.gr", "", ""],  # line 6: a formula
    ["Ragged", "ragged@example.gr", "", "", "extra", "cells"],  # line 7: more cells than the header
    ["Twice", "one@example.gr", "", ""],  # line 8: same email as line 2
    ["Good Two", "two@example.gr", "", ""],
    ["Bell\x07", "bell@example.gr", "", ""],  # line 10: a control character cannot be stored
]


def test_all_or_nothing_saves_nothing_and_names_every_bad_row(app, tmp_path):
    result = _import_cli(app, tmp_path, _csv(BAD_ROWS))
    assert result.exit_code == 1
    assert "Nothing was imported: 7 rows have problems" in result.output
    assert _customers(app) == []
    rejected = _rejected_from(result.output)
    assert [r[0] for r in rejected[1:]] == ["3", "4", "5", "6", "7", "8", "10"]
    reasons = {r[0]: r[1] for r in rejected[1:]}
    assert "A name is required" in reasons["3"]
    assert "not a valid email address" in reasons["4"]
    assert "not a phone number" in reasons["5"] or "not a valid phone number" in reasons["5"]
    assert "formula" in reasons["6"]
    assert "2 cells more than the header row" in reasons["7"]
    assert "Same email as line 2" in reasons["8"]
    assert "control character (U+0007)" in reasons["10"]
    # The rejected file neutralises the formula it quotes back.
    assert rejected[4][2] == "'=HYPERLINK(\"http://evil\")"


def test_skip_bad_rows_saves_exactly_the_good_rows(app, tmp_path):
    result = _import_cli(app, tmp_path, _csv(BAD_ROWS), "--skip-bad-rows")
    assert result.exit_code == 0, result.output
    assert [c[0] for c in _customers(app)] == ["Good One", "Good Two"]
    assert "Created: 2" in result.output and "rows with problems left out: 7" in result.output


def test_nothing_imported_because_every_row_is_bad_exits_non_zero(app, tmp_path):
    result = _import_cli(app, tmp_path, _csv([["", "x@example.gr", "", ""]]), "--skip-bad-rows")
    assert result.exit_code == 1
    assert _customers(app) == []


def _rejected_from(output: str) -> list[list[str]]:
    path = re.search(r"reason for each: (\S+)", output).group(1)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


# -- duplicates --------------------------------------------------------------------------------


def test_importing_the_same_file_twice_creates_nothing_new(app, tmp_path):
    data = _csv(ROWS + [["Χωρίς Στοιχεία", "", "", "Πάτρα"]])
    assert _import_cli(app, tmp_path, data).exit_code == 0
    first = _customers(app)
    result = _import_cli(app, tmp_path, data)
    assert result.exit_code == 0, result.output
    assert "Created: 0" in result.output and "skipped as already saved: 4" in result.output
    assert _customers(app) == first


def test_duplicates_update_or_create_as_chosen(app, tmp_path):
    assert _import_cli(app, tmp_path, _csv([["Ελένη", "eleni@example.gr", "", "Αθήνα"]])).exit_code == 0
    again = _csv([["Ελένη Π.", "eleni@example.gr", "+30 697 111 2233", "Πάτρα"]])
    result = _import_cli(app, tmp_path, again, "--on-duplicate", "update")
    assert result.exit_code == 0, result.output
    assert "updated: 1" in result.output
    assert _customers(app) == [("Ελένη Π.", ["eleni@example.gr"], ["+306971112233"], ["Αθήνα", "Πάτρα"])]
    result = _import_cli(app, tmp_path, again, "--on-duplicate", "create")
    assert "Created: 1" in result.output
    assert len(_customers(app)) == 2


def test_matching_on_external_reference_and_tax_number(app, tmp_path):
    header = ["Κωδικός", "Επωνυμία", "ΑΦΜ"]
    assert _import_cli(app, tmp_path, _csv([["C-1", "Alpha ΑΕ", "EL111111111"], ["C-2", "Beta ΕΠΕ", "EL222222222"]],
                                           header=header)).exit_code == 0
    result = _import_cli(app, tmp_path, _csv([["C-1", "Alpha Α.Ε.", ""], ["", "Beta", "EL 222 222 222"]], header=header),
                         "--on-duplicate", "update")
    assert result.exit_code == 0, result.output
    assert [c[0] for c in _customers(app)] == ["Alpha Α.Ε.", "Beta"]


# -- the pages ---------------------------------------------------------------------------------


def test_upload_mapping_preview_and_the_job(app, client, run_jobs):
    login_client(client)
    data = _csv([["Ελένη", "eleni@example.gr", "", ""], ["Κακό", "bad", "", ""]],
                header=["Όνομα και επώνυμο", "Courriel", "Τηλέφωνο", "Πόλη"])
    response = client.post("/transfer/import/customers", data={"file": (io.BytesIO(data), "pelates.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    mapping_url = response.headers["Location"]
    page = client.get(mapping_url).get_data(as_text=True)
    assert 'name="col-2"' in page
    # "Courriel" is nobody's header: the user maps it by hand; Τηλέφωνο and Πόλη were found.
    assert re.search(r'id="col-2" name="col-2">.*?<option value="phones" selected>', page, re.S)
    response = client.post(mapping_url, data={"col-0": "name", "col-1": "emails", "col-2": "phones", "col-3": "city",
                                              "encoding": "utf-8", "delimiter": ",", "language": "el",
                                              "on_duplicate": "skip", "skip_bad_rows": "y", "profile_name": "Πελάτες"})
    assert response.status_code == 302, response.get_data(as_text=True)
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "not a valid email address" in preview
    assert _customers(app) == []  # the preview saves nothing
    import_id = int(re.search(r"/imports/(\d+)/", response.headers["Location"]).group(1))
    response = client.post(f"/transfer/imports/{import_id}/start")
    assert response.status_code == 302
    assert run_jobs() >= 1
    detail = client.get(f"/transfer/imports/{import_id}").get_data(as_text=True)
    assert "Created: 1" in detail
    assert [c[0] for c in _customers(app)] == ["Ελένη"]
    rejected = client.get(f"/transfer/imports/{import_id}/rejected.csv")
    assert rejected.status_code == 200
    assert "bad" in rejected.get_data(as_text=True)
    # The saved profile maps the next file with the same header by itself.
    from core.db import db
    from core.transfer.models import ImportProfile

    with app.app_context():
        profile = db.session.execute(sa.select(ImportProfile)).scalar_one()
        assert profile.mapping["courriel"] == "emails"


def test_imports_belong_to_their_user_and_need_the_permission(app, client, make_user):
    make_user("viewer@example.com", permissions=["customers.view"])
    make_user("importer@example.com", permissions=["customers.view", "customers.import"])
    login_client(client, "viewer@example.com")
    assert client.get("/transfer/import/customers").status_code == 403
    client.post("/logout")
    login_client(client, "importer@example.com")
    response = client.post("/transfer/import/customers", data={"file": (io.BytesIO(_csv(ROWS)), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    mapping_url = response.headers["Location"]
    client.post("/logout")
    login_client(client)  # the admin: not theirs → 404, not revealed
    assert client.get(mapping_url).status_code == 404


# -- cell conventions --------------------------------------------------------------------------


def test_dates_in_the_files_language_and_iso(app, tmp_path):
    from datetime import date

    from core.customers.models import Customer
    from core.db import db

    rows = [["Άννα", "03/04/1980"], ["Βασίλης", "1975-12-31"], ["Γιάννης", "31/02/1990"]]
    header = ["Όνομα και επώνυμο", "Ημερομηνία γέννησης"]
    result = _import_cli(app, tmp_path, _csv(rows, header=header), "--language", "el", "--skip-bad-rows")
    assert result.exit_code == 0, result.output
    with app.app_context():
        born = db.session.execute(sa.select(Customer.name, Customer.birth_date).order_by(Customer.id)).all()
    assert born == [("Άννα", date(1980, 4, 3)), ("Βασίλης", date(1975, 12, 31))]  # 3 April: day first in Greek
    assert "rows with problems left out: 1" in result.output  # 31/02 is no date
    result = _import_cli(app, tmp_path, _csv([["Ann", "03/04/1980"]], header=["Name", "Birth date"]),
                         "--language", "en")
    with app.app_context():
        assert db.session.execute(sa.select(Customer.birth_date).where(Customer.name == "Ann")).scalar() == date(1980, 3, 4)


def test_decimal_commas_in_the_files_language():
    from decimal import Decimal

    from core.app import create_app
    from core.transfer.cells import CellError, parse_decimal

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    with app.test_request_context():
        assert parse_decimal("1.234,50", "el") == Decimal("1234.50")
        assert parse_decimal("1,234.50", "en") == Decimal("1234.50")
        assert parse_decimal("12,5", "el") == Decimal("12.5")
        with pytest.raises(CellError):
            parse_decimal("12,5,0", "el")


def test_right_to_left_text_with_embedded_numbers_is_kept_as_written(app, tmp_path):
    from core.customers.models import Customer
    from core.db import db

    rows = [["משה לוי 2", "", "רחוב הרצל 12, דירה 3", "תל אביב"],
            ["علی رضایی", "+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹", "خیابان ولیعصر ۱۲۳", "تهران"]]
    header = ["שם מלא", "טלפון", "כתובת", "עיר"]
    result = _import_cli(app, tmp_path, _csv(rows, header=header), "--language", "he")
    assert result.exit_code == 0, result.output
    with app.app_context():
        found = db.session.execute(sa.select(Customer).order_by(Customer.id)).scalars().all()
        assert [c.name for c in found] == ["משה לוי 2", "علی رضایی"]
        assert found[0].addresses[0].street == "רחוב הרצל 12, דירה 3"
        assert found[1].addresses[0].street == "خیابان ولیعصر ۱۲۳"
        assert found[1].phones[0].number == "+989123456789"  # Persian digits, read by phonenumbers


@pytest.mark.plugins("transferlistener", extra=[transfer_listener_plugin])
def test_an_import_announces_customers_imported_not_customer_created(app, tmp_path):
    transfer_listener_plugin.calls.clear()
    assert _import_cli(app, tmp_path, _csv(ROWS)).exit_code == 0
    [(event, ids, import_id)] = transfer_listener_plugin.calls
    assert event == "customers_imported" and len(ids) == 3 and import_id
    assert sorted(ids) == sorted(_ids(app))


def test_the_search_index_knows_imported_customers(app, client, tmp_path):
    assert _import_cli(app, tmp_path, _csv(ROWS)).exit_code == 0
    login_client(client)
    page = client.get("/customers/?q=παπαδοπ").get_data(as_text=True)
    assert "Γιώργος Παπαδόπουλος" in page
    page = client.get("/customers/?q=691 234 4691").get_data(as_text=True)
    assert "Γιώργος Παπαδόπουλος" in page
    # The per-row trigger is back after the bulk insert: a customer made by the form is found too.
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": "Μεταγενέστερος Πελάτης"})
        db.session.commit()
    assert "Μεταγενέστερος" in client.get("/customers/?q=μεταγενεστ").get_data(as_text=True)


def test_a_cancelled_import_saves_nothing_and_says_so(app, client, run_jobs):
    from core.db import db
    from core.jobs.models import Job
    from core.transfer.models import ImportRun

    login_client(client)
    response = client.post("/transfer/import/customers", data={"file": (io.BytesIO(_csv(ROWS)), "c.csv")},
                           content_type="multipart/form-data")
    import_id = int(re.search(r"/imports/(\d+)/", response.headers["Location"]).group(1))
    client.post(f"/transfer/imports/{import_id}/start")
    with app.app_context():
        run = db.session.get(ImportRun, import_id)
        db.session.execute(sa.update(Job).where(Job.id == run.job_id).values(cancel_requested=True))
        db.session.commit()
    run_jobs()  # the job stops at its first progress report
    with app.app_context():
        run = db.session.get(ImportRun, import_id)
        assert (run.state, run.message) == ("failed", "Cancelled before anything was saved.")
        assert run.job.status == "cancelled"
    assert _customers(app) == []


def test_the_customer_form_edits_reference_and_tax_number_with_the_same_rules(app, client):
    from core.customers.models import Customer
    from core.db import db

    login_client(client)
    response = client.post("/customers/new", data={"kind": "company", "name": "Alpha ΑΕ", "external_ref": "C-77",
                                                    "tax_number": "EL 094.014.201"})
    assert response.status_code == 302
    with app.app_context():
        customer = db.session.execute(sa.select(Customer)).scalar_one()
        assert (customer.external_ref, customer.tax_number) == ("C-77", "EL094014201")
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "C-77" in page and "EL094014201" in page
    response = client.post("/customers/new", data={"kind": "person", "name": "Beta", "tax_number": "12#34"})
    assert response.status_code == 422
    assert "A tax number has only letters and digits." in response.get_data(as_text=True)


def test_an_import_is_in_the_audit_log_with_each_new_customer(app, tmp_path):
    from core.audit.models import AuditEntry
    from core.db import db

    assert _import_cli(app, tmp_path, _csv(ROWS)).exit_code == 0
    with app.app_context():
        entries = db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    created = [e for e in entries if e.action == "create" and e.record_type == "customer"]
    assert [e.record_label for e in created] == [r[0] for r in ROWS]
    assert created[0].changes["emails"] == [None, ["giorgos@example.gr"]]
    assert created[0].changes["phones"] == [None, ["+306912344691"]]
    assert created[0].customer_id == int(created[0].record_id) and created[0].origin == "cli"
    [whole] = [e for e in entries if e.action == "import"]
    assert whole.detail["created"] == 3 and whole.detail["kind"] == "customers"


def test_plugins_find_a_customer_by_any_spelling_of_an_email_in_one_batch(app, tmp_path):
    """Historical orders name their customer by email as the old system typed it: 'Ruta@…' on one
    row and 'ruta@…' on the next are the same customer, and both rows must find her."""
    from core.transfer.lookup import customer_ids

    assert _import_cli(app, tmp_path, _csv(ROWS)).exit_code == 0
    with app.app_context():
        found = customer_ids({"Ruta@Example.LT", "ruta@example.lt", "RUTA@example.lt", "nobody@example.lt"}, {})
        ruta = _ids(app)[1]
    assert found == {"Ruta@Example.LT": ruta, "ruta@example.lt": ruta, "RUTA@example.lt": ruta}
