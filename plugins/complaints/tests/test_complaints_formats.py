"""Dates, money and numbers on the complaint pages as a Greek or a Persian reader sees them:
the staff page and the customer's portal page through core.l10n (reader's digits, separators,
calendar and time zone), never ISO dates or a bare ``1250.50``."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from core.db import db
from core.testing import portal_account, portal_login
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints")

FILED = datetime(2026, 3, 5, 12, 30)  # naive UTC: 14:30 in Athens (winter time), 14 Esfand 1404


def _resolved_complaint(app, language):
    from plugins.complaints.models import Complaint
    from plugins.complaints.workflow import transition

    with app.app_context():
        customer_id = td.customer(name="Ελένη Οικονόμου", email=f"eleni-{language}@example.com", language=language).id
        complaint = td.complaint(customer_id)
        transition(complaint, "resolve", {"resolution": "Replaced", "root_cause_id": td.root_cause().id,
                                          "compensation_amount": Decimal("1250.50")})
        transition(complaint, "close")
        db.session.get(Complaint, complaint.id).created_at = FILED
        db.session.get(Complaint, complaint.id).rating = 4
        db.session.commit()
        return customer_id, complaint.id


def _staff_page(client, login, lang, complaint_id):
    login("agent@example.com")
    client.post("/language", data={"lang": lang, "next": "/"})
    return client.get(f"/complaints/{complaint_id}").get_data(as_text=True)


def test_staff_read_a_complaint_in_greek_and_in_persian(app, client, login, make_user):
    make_user("agent@example.com", permissions=["customers.view", "complaints.view", "complaints.manage"])
    _customer, complaint_id = _resolved_complaint(app, "en")
    greek = _staff_page(client, login, "el", complaint_id)
    assert "5 Μαρ 2026, 2:30\u202fμ.μ." in greek  # filed: Greek month, the reader's zone (Athens)
    assert "1.250,50\xa0€" in greek  # compensation as Greek writes money
    assert "4 από 5" in greek
    persian = _staff_page(client, login, "fa", complaint_id)
    assert "۱۴ اسفند ۱۴۰۴" in persian and "۱۴:۳۰" in persian  # Solar Hijri, Persian digits
    assert "€\xa0۱٬۲۵۰٫۵۰" in persian and "۴ از ۵" in persian
    for page in (greek, persian):
        assert "2026-03-05" not in page and "1250.50" not in page and "EET" not in page


def test_a_customer_reads_their_complaint_on_the_portal_in_their_language(app):
    for language, date_text, money_text in (("el", "5 Μαρ 2026", "1.250,50\xa0€"),
                                            ("fa", "۱۴ اسفند ۱۴۰۴", "€\xa0۱٬۲۵۰٫۵۰")):
        customer_id, complaint_id = _resolved_complaint(app, language)
        client = app.test_client()
        assert portal_login(client, portal_account(app, customer_id)).status_code == 302
        detail = client.get(f"/portal/complaints/{complaint_id}").get_data(as_text=True)
        assert f'lang="{language}"' in detail
        assert date_text in detail and money_text in detail, language
        listing = client.get("/portal/complaints/").get_data(as_text=True)
        assert date_text in listing, language
        for page in (detail, listing):
            assert "2026-03-05" not in page and "1250.50" not in page
