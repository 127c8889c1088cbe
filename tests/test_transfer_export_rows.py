"""The customer export read as SQL rows writes exactly what the plain reading of the objects wrote.

The export used to load each batch's customers with five queries and build every row in
Python; it now reads each row in one statement with emails, phones and tags joined in SQL
(core/transfer/customer_export.py) and neutralises only cells that can start a formula. Here
the old way is spelled out on the ORM objects (emails and phones in id order, tags by name,
the first address, ``neutralise(cell_text(v))`` on every cell) and the two CSV files must be
equal byte for byte, on a set made to catch every difference: Greek, Hebrew and Persian text,
``+30…`` phones, several emails/phones/tags/addresses, formula-like cells in every text
column, empty and missing values, birth dates, and enough customers for several batches.
"""
from __future__ import annotations

import csv
import io
import random
from datetime import date

import sqlalchemy as sa

from core.db import db
from core.testing import login_client

NAMES = ["Γιώργος Παπαδόπουλος", "דוד כהן", "مریم رضایی", "Rūta Žukauskienė", "=cmd|' /C calc'!A0", "-Ελένη",
         "+Νίκος", "@שרה", "\tTab", "Anna Smith", "شرکت ‌نیک", "Ωμέγα ΑΕ"]
TEXTS = ["", "Αθήνα", "תל אביב", "تهران", "=1+1", "+30 210 123", "-5", "@x", "Vilnius, Gedimino pr. 9", "a;b,c\"d"]


def _people(n: int) -> list[dict]:
    rng = random.Random(8)
    out = []
    for i in range(n):
        person = {"name": f"{rng.choice(NAMES)} {i}", "kind": rng.choice(["person", "company"])}
        if rng.random() < 0.7:
            person["emails"] = [f"c{i}.{k}@example.gr" for k in range(rng.randint(1, 3))]
            if rng.random() < 0.1:
                person["emails"].insert(0, f"=x{i}@example.gr")  # a valid address that starts like a formula
        if rng.random() < 0.7:
            person["phones"] = [f"+30 69{rng.randint(0, 9)} {i:03d} {k}{rng.randint(100, 999)}"
                                for k in range(rng.randint(1, 2))]
        if rng.random() < 0.5:
            person["tags"] = rng.sample(["vip", "Ωμέγα", "אלפא", "بتا", "=tag", "-", "b2b"], rng.randint(1, 3))
        if rng.random() < 0.6:
            person["addresses"] = [{"street": rng.choice(TEXTS), "city": rng.choice(TEXTS) or "Πάτρα",
                                    "postcode": rng.choice(["", "10431", "-1"]), "region": rng.choice(TEXTS),
                                    "country": rng.choice(["", "GR", "LT", "IL", "IR"])}
                                   for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.5:
            person["birth_date"] = date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)).isoformat()
        if rng.random() < 0.5:
            person["notes"] = rng.choice(TEXTS[1:] + ["γραμμή 1\nγραμμή 2", "+"])
        if rng.random() < 0.4:
            person["external_ref"] = rng.choice(["K-", "=K", "-K", "K"]) + str(i)
        if rng.random() < 0.3:
            person["preferred_language"] = rng.choice(["el", "he", "fa", "lt", "en"])
        out.append(person)
    return out


def _expected_csv(app) -> bytes:
    """The old export, written out: every cell through cell_text and neutralise."""
    from core.customers.models import Customer
    from core.transfer.customer_export import EXPORT_COLUMNS
    from core.transfer.customers import ADDRESS_FIELDS, FIELD_LABELS
    from core.transfer.writers import cell_text, neutralise

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(FIELD_LABELS[c]) for c in EXPORT_COLUMNS])
    with app.app_context():
        customers = db.session.execute(sa.select(Customer).order_by(Customer.name_key, Customer.id)).scalars()
        for c in customers:
            a = c.addresses[0] if c.addresses else None
            row = [c.external_ref or "", c.name, c.kind, "; ".join(e.email for e in c.emails),
                   "; ".join(p.number for p in c.phones), c.tax_number or "",
                   *((getattr(a, f) or "") if a is not None else "" for f in ADDRESS_FIELDS),
                   c.birth_date.isoformat() if c.birth_date else "", c.preferred_language or "",
                   ", ".join(t.name for t in c.tags), c.notes or ""]
            writer.writerow([neutralise(cell_text(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def test_the_export_writes_the_same_bytes_as_the_objects_read_one_by_one(app, client, monkeypatch):
    from core.customers.service import create_customer
    from core.transfer import customer_export

    monkeypatch.setattr(customer_export, "EXPORT_BATCH", 37)  # several keyset pages
    with app.app_context():
        for person in _people(160):
            create_customer(person)
        db.session.commit()
    expected = _expected_csv(app)
    login_client(client)
    got = client.get("/transfer/export/customers.csv").data
    assert got == expected
    # the set really holds what it is meant to catch
    text = got.decode("utf-8")
    for needle in ('"=""+30', "'=cmd", "'-Ελένη", "'=x", "'=tag", "; ", "דוד", "مریم", "'=K", "γραμμή 1\nγραμμή 2"):
        assert needle in text, needle


def test_a_filtered_export_has_the_same_rows_as_the_list(app, client):
    """The filters and record rules still choose the rows: a tag and a search."""
    from core.customers.service import create_customer

    with app.app_context():
        for person in _people(60):
            create_customer(person)
        db.session.commit()
    login_client(client)
    rows = list(csv.reader(io.StringIO(client.get("/transfer/export/customers.csv?tag=vip").data.decode("utf-8-sig"))))
    with app.app_context():
        from core.customers.models import Customer, Tag

        expected = db.session.execute(sa.select(Customer.name).where(Customer.tags.any(Tag.name == "vip"))
                                      .order_by(Customer.name_key, Customer.id)).scalars().all()
    from core.transfer.writers import neutralise

    assert [r[1] for r in rows[1:]] == [neutralise(n) for n in expected] and expected
    assert all("vip" in r[-2].split(", ") for r in rows[1:])
