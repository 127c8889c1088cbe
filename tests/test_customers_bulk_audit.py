"""The bulk path's ``create`` audit entries: written as pre-serialised JSON straight to the
driver (issue 8's import speed), stored exactly as SQLAlchemy's own insert stored them, and
shown in the audit log like the entries of customers made through the form.
"""
from __future__ import annotations

import sqlalchemy as sa

from core.db import db

ROWS = [
    {"name": "Γιώργος Παπαδόπουλος", "emails": ["giorgos@example.gr", "g@example.gr"], "phones": ["+306912344691"],
     "tags": ["vip", "Ωμέγα"], "addresses": [{"label": "", "street": "Πανεπιστημίου 10", "city": "Αθήνα",
                                               "postcode": "10431", "region": "", "country": "GR"}],
     "external_ref": "K-1", "notes": "=1+1 \"quoted\" \\ back"},
    {"name": "דוד כהן", "kind": "company", "tax_number": "514000001", "preferred_language": "he"},
    {"name": "مریم رضایی", "birth_date": "1980-02-29", "emails": ["maryam@example.ir"]},
]


def _raw(conn, record_ids):
    rows = conn.exec_driver_sql(
        "SELECT record_id, at, user_id, actor, origin, remote_addr, action, record_type, record_label, customer_id, "
        "CAST(changes AS TEXT), CAST(detail AS TEXT) FROM core_audit WHERE record_type = 'customer' ORDER BY id").all()
    return [r[1:] for r in rows if r[0] in record_ids]


def test_bulk_audit_entries_are_stored_as_sqlalchemy_stored_them(app):
    """The same entries inserted the old way (SQLAlchemy Core, JSON typed columns) and the new
    way (pre-serialised, driver executemany) are the same text in the database."""
    from core.audit.models import CREATE, AuditEntry
    from core.customers.bulk import _AUDITED, bulk_search_index, create_customers
    from core.customers.models import Address
    from core.customers.service import validate_customer_data

    with app.app_context():
        clean = [validate_customer_data(r) for r in ROWS]
        with bulk_search_index():
            ids = create_customers(clean)
        conn = db.session.connection()
        now = conn.execute(sa.select(AuditEntry.at).where(AuditEntry.record_type == "customer",
                                                          AuditEntry.record_id == str(ids[0]))).scalar()
        old = []
        for cid, r in zip(ids, clean):  # the entries as the previous version of _audit_created built them
            p = {k: r.get(k) for k in _AUDITED}
            p["kind"] = p["kind"] or "person"
            p["notes"] = p["notes"] or ""
            changes = {k: [None, (p[k].isoformat() if hasattr(p[k], "isoformat") else p[k])]
                       for k in _AUDITED if p.get(k) not in (None, "")}
            for field, values in (("emails", r.get("emails")), ("phones", r.get("phones")), ("tags", r.get("tags")),
                                  ("addresses", [Address.line_of(a) for a in r.get("addresses") or ()]),
                                  ("needs", [n["description"] for n in r.get("needs") or ()])):
                if values:
                    changes[field] = [None, list(values)]
            old.append({"at": now, "user_id": None, "actor": None, "origin": "system", "remote_addr": None,
                        "action": CREATE, "record_type": "customer", "record_id": f"old{cid}",
                        "record_label": r["name"], "customer_id": cid, "changes": changes, "detail": None})
        conn.execute(AuditEntry.__table__.insert(), old)
        new_rows = _raw(conn, {str(i) for i in ids})
        old_rows = _raw(conn, {f"old{i}" for i in ids})
        db.session.rollback()
    assert len(new_rows) == 3
    for new, old in zip(new_rows, old_rows):
        assert new == old, [(a, b) for a, b in zip(new, old) if a != b]


def test_bulk_entries_show_what_the_form_path_records(app):
    """An imported customer's ``create`` entry lists the same fields and values as the entry the
    ORM listener writes for the same customer created through the form (consents aside)."""
    from core.audit.models import AuditEntry
    from core.customers.bulk import bulk_search_index, create_customers
    from core.customers.service import create_customer, validate_customer_data

    with app.app_context():
        with bulk_search_index():
            bulk_ids = create_customers([validate_customer_data(r) for r in ROWS])
        db.session.commit()
        form_ids = []
        for r in ROWS:
            customer = create_customer(dict(r))
            db.session.flush()
            form_ids.append(customer.id)
        db.session.commit()
        entries = {e.customer_id: e for e in db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == "create", AuditEntry.record_type == "customer")).scalars()}
        for bulk_id, form_id in zip(bulk_ids, form_ids):
            bulk, form = entries[bulk_id], entries[form_id]
            assert bulk.record_label == form.record_label
            assert bulk.changes == form.changes, (bulk.changes, form.changes)
            assert bulk.detail == form.detail and bulk.origin == form.origin
        assert entries[bulk_ids[0]].changes["emails"] == [None, ["giorgos@example.gr", "g@example.gr"]]
