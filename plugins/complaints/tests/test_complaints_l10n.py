"""Complaint steps on the contact history are stored texts: a Greek and a Hebrew colleague
open the same customer and each reads the entries in their own language; the English text
stays in ``subject`` for search and the API."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints")


def _customer_page(client, login, email, lang, customer_id):
    login(email)
    client.post("/language", data={"lang": lang, "next": "/"})
    return client.get(f"/customers/{customer_id}").get_data(as_text=True)


def test_a_greek_and_a_hebrew_colleague_read_complaint_steps_in_their_language(app, client, login, make_user):
    from core.history.models import Interaction
    from plugins.complaints import history

    for email in ("eleni@example.com", "noa@example.com"):
        make_user(email, permissions=["customers.view", "complaints.view"])
    with app.app_context():
        customer_id = td.customer().id
        complaint = td.complaint(customer_id)
        ref = complaint.reference
        history.log(complaint, "escalated", target="first_response")
        db.session.commit()
        rows = db.session.execute(sa.select(Interaction.subject, Interaction.subject_kind, Interaction.subject_params)
                                  .where(Interaction.customer_id == customer_id).order_by(Interaction.id)).all()
        assert [(r.subject, r.subject_kind) for r in rows] == [
            (f"Complaint {ref} opened", "complaints.opened"),
            (f"Complaint {ref} escalated: the first response target was missed", "complaints.escalated")]
        assert rows[1].subject_params["target"] == "first_response"  # a key, not a word
    greek = _customer_page(client, login, "eleni@example.com", "el", customer_id)
    hebrew = _customer_page(client, login, "noa@example.com", "he", customer_id)
    assert f"Άνοιξε το παράπονο {ref}" in greek and "χάθηκε η προθεσμία πρώτης απάντησης" in greek
    assert f"נפתחה התלונה {ref}" in hebrew and "יעד המענה הראשון הוחמץ" in hebrew
    for page in (greek, hebrew):
        assert f"Complaint {ref} opened" not in page and "target was missed" not in page
