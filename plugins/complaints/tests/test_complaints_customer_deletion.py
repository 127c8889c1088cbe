"""A customer with complaints cannot be deleted under them (409 naming the complaints);
erasing the person keeps the complaints for the statistics without what they wrote."""
from __future__ import annotations

import pytest

from core.db import db
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints")


def test_deleting_a_customer_with_complaints_is_refused_and_erasure_anonymises(app, client, token_for):
    from plugins.complaints.mail import reply
    from plugins.complaints.models import Complaint, ComplaintMessage

    with app.app_context():
        customer_id = td.customer(name="Ελένη Ζαχαρίου", email="eleni@example.com").id
        complaint = td.complaint(customer_id, "Ελένη: το ψυγείο μου χάλασε", description="Τηλ. 6900000000")
        reply(complaint, body="Dear Eleni, we are on it")
        complaint.rating, complaint.rating_comment = 2, "Ελένη says: slow"
        db.session.commit()
        complaint_id = complaint.id
    headers = token_for()
    refused = client.delete(f"/api/v1/customers/{customer_id}", headers=headers)
    assert refused.status_code == 409 and "complaints" in refused.get_data(as_text=True)
    erased = client.post(f"/api/v1/customers/{customer_id}/erasure", headers=headers, json={"confirm": True})
    assert erased.status_code == 200
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        assert complaint.customer_id == customer_id and complaint.state == "new" and complaint.rating == 2
        assert (complaint.title, complaint.description, complaint.rating_comment) == ("—", "", "")
        texts = [(m.subject, m.body) for m in db.session.query(ComplaintMessage).filter_by(complaint_id=complaint_id)]
        assert texts and all(t == ("", "") for t in texts)
