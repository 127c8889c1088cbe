"""The audit log in the reader's conventions: history entries the system wrote read as sentences
in the reader's language (not kind and parameter codes), amounts and dates through core.l10n,
the period filter typed the reader's way; message words stay out; erasure reaches stored texts."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from core.db import db
from core.history.models import Interaction
from core.testing import audit_entries


def _merged_and_priced(app) -> tuple[int, int]:
    from core.catalog.service import commit_product, create_product
    from core.customers.service import create_customer, merge_customers

    with app.app_context():
        winner = create_customer({"name": "Νίκος Παππάς"})
        loser = create_customer({"name": "Nikos Pappas (old)"})
        db.session.commit()
        merge_customers(winner, loser)
        db.session.commit()
        product = create_product({"sku": "PUMP-1", "name": "Pump", "unit_price": "1250.50", "currency": "EUR"})
        commit_product(product)
        return winner.id, product.id


def _main(page: str) -> str:
    return page.split("<main", 1)[1]


def test_audit_log_reads_history_subjects_and_amounts_in_the_readers_language(app, client, login):
    cid, _pid = _merged_and_priced(app)
    created = audit_entries(app, record_type="interaction", action="create", customer_id=cid)
    assert created and created[-1]["changes"]["subject_kind"] == [None, "core.merged"]  # stored as codes
    login()
    client.post("/language", data={"lang": "el", "next": "/"})
    page = _main(client.get("/admin/audit").get_data(as_text=True))
    assert "Ο «Nikos Pappas (old)» συγχωνεύθηκε σε αυτόν τον πελάτη" in page
    assert "Merged “" not in page and "subject kind" not in page
    assert "1.250,50" in page and "1250.50" not in page
    changes = _main(client.get(f"/customers/{cid}/changes").get_data(as_text=True))
    assert "συγχωνεύθηκε" in changes and "subject params" not in changes
    client.post("/language", data={"lang": "fa", "next": "/"})
    page = _main(client.get("/admin/audit").get_data(as_text=True))
    assert "۱٬۲۵۰٫۵۰" in page and "1250.50" not in page
    assert "subject kind" not in page


def test_audit_period_filter_takes_the_readers_dates(app, client, login):
    from core.l10n import input_date, local_today

    _merged_and_priced(app)
    login()
    for lang in ("el", "fa"):
        client.post("/language", data={"lang": lang, "next": "/"})
        with app.test_request_context(), force_locale(lang):
            today = input_date(local_today())  # 27/11/2026, ۱۴۰۵/۰۹/۰۶: as the reader types it
            month_ago = input_date(local_today() - timedelta(days=30))
        r = client.get("/admin/audit", query_string={"since": today, "until": today, "type": "product"})
        assert r.status_code == 200 and "PUMP-1" in r.get_data(as_text=True)
        assert f'value="{today}"' in r.get_data(as_text=True)  # shown back in the reader's form
        r = client.get("/admin/audit", query_string={"until": month_ago, "type": "product"})
        assert r.status_code == 200 and "PUMP-1" not in r.get_data(as_text=True)
    r = client.get("/admin/audit", query_string={"since": "31/31/2026"})
    assert r.status_code == 422 and 'value="31/31/2026"' in r.get_data(as_text=True)


def test_a_message_entry_keeps_its_address_and_subject_out_of_the_audit(app):
    from core.customers.service import create_customer
    from core.messaging import texts

    with app.app_context():
        cid = create_customer({"name": "Ρένα"}).id
        params = {"to": "rena@example.com", "subject": "Your repair quote"}
        db.session.add(Interaction(customer_id=cid, kind="messaging.sent", source="core", channel="email",
                                   direction="outbound", subject="To rena@example.com: Your repair quote",
                                   subject_kind=texts.SENT, subject_params=params))
        db.session.commit()
    entry = audit_entries(app, record_type="interaction", customer_id=cid)[-1]
    assert [entry["changes"].get(name) for name in ("subject", "subject_params")] == [None, None]  # "changed" only
    assert "Your repair quote" not in str(entry["changes"]) and "Your repair quote" not in (entry["record_label"] or "")


def test_erasure_is_a_stored_text_and_drops_the_merged_name(app, client, login):
    from core.customers.deletion import erase_customer
    from core.customers.models import Customer

    cid, _pid = _merged_and_priced(app)
    with app.app_context():
        erase_customer(db.session.get(Customer, cid))
        db.session.commit()
        rows = db.session.execute(sa.select(Interaction).where(Interaction.customer_id == cid)
                                  .order_by(Interaction.id)).scalars().all()
        merged, erased = rows[0], rows[-1]
        assert (merged.subject_kind, merged.subject_params) == ("core.merged", {})
        assert "Pappas" not in merged.subject
        assert (erased.subject_kind, erased.subject) == ("core.erased", "Personal data erased")
    login()
    client.post("/language", data={"lang": "he", "next": "/"})
    page = _main(client.get(f"/customers/{cid}").get_data(as_text=True))
    assert "Personal data erased" not in page.split('id="pane-changes"')[0]
    timeline = page.split('id="pane-timeline"')[1].split('id="pane-activities"')[0]
    assert "Pappas" not in timeline
    with app.test_request_context(), force_locale("he"):
        from core.l10n import render_text

        assert render_text("core.erased", {}, "x") in page
        assert render_text("core.merged", {}, "x") in page
        assert render_text("core.merged", {}, "x") != "Merged a duplicate into this customer"
