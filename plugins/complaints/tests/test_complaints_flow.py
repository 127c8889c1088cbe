"""Complaints from the staff pages: the customer page's action, the workflow with its
required fields, the history, the acknowledgement and rating request in the customer's
language through the outbox, and the signed rating link."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.db import db
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints")


def _outbox(ref_prefix="complaint:"):
    from core.messaging.models import OutboxMessage

    return db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.source == "complaints",
                                                              OutboxMessage.ref.startswith(ref_prefix))
                              .order_by(OutboxMessage.id)).scalars().all()


def test_staff_open_a_complaint_from_the_customer_page(app, client, login):
    from core.history.models import Interaction
    from plugins.complaints.models import Complaint

    with app.app_context():
        customer_id = td.customer(language="el").id
        category_id, severity_id = td.category("delivery").id, td.severity("high").id
    login()
    page = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert f"/complaints/new?customer_id={customer_id}" in page and "New complaint" in page
    form = client.get(f"/complaints/new?customer_id={customer_id}").get_data(as_text=True)
    response = client.post("/complaints/new", data={
        "customer_id": str(customer_id), "title": "Το δέμα ήρθε σπασμένο",
        "description": "Το κουτί ήταν σκισμένο", "category_id": str(category_id), "severity_id": str(severity_id),
        "channel": "phone", "team_id": "", "about_ref": "", "product_id": ""})
    assert response.status_code == 302
    with app.app_context():
        complaint = db.session.execute(sa.select(Complaint)).scalar_one()
        assert (complaint.state, complaint.channel, complaint.category_id) == ("new", "phone", category_id)
        assert complaint.first_response_due is not None and complaint.resolution_due > complaint.first_response_due
        entry = db.session.execute(sa.select(Interaction).where(Interaction.kind == "complaints.opened")).scalar_one()
        assert complaint.reference in entry.subject and entry.customer_id == customer_id
        [ack] = _outbox()
        assert ack.language == "el" and complaint.reference in ack.subject and "Λάβαμε" in ack.subject
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Το δέμα ήρθε σπασμένο" in detail and "Acknowledge" in detail


def test_bad_input_keeps_what_was_typed_and_saves_nothing(app, client, login):
    from plugins.complaints.models import Complaint

    with app.app_context():
        customer_id = td.customer().id
    login()
    form = client.get(f"/complaints/new?customer_id={customer_id}").get_data(as_text=True)
    response = client.post("/complaints/new", data={"customer_id": str(customer_id),
                                                    "title": "", "description": "kept text", "severity_id": "999"})
    assert response.status_code == 422 and "kept text" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Complaint)).scalar() == 0


def test_the_workflow_requires_a_resolution_and_a_root_cause(app, client, login, token_for):
    from core.history.models import Interaction

    with app.app_context():
        customer_id = td.customer(language="he", email="dana@example.com").id
        complaint_id = td.complaint(customer_id).id
        cause_id = td.root_cause().id
    headers = token_for()
    url = f"/api/v1/complaints/{complaint_id}/transition"
    assert client.post(url, json={"action": "acknowledge"}, headers=headers).status_code == 200
    refused = client.post(url, json={"action": "resolve", "resolution": "Replaced"}, headers=headers)
    assert refused.status_code == 422 and "root_cause_id" in refused.get_json()["errors"]["json"]
    assert client.post(url, json={"action": "close"}, headers=headers).status_code == 409
    done = client.post(url, json={"action": "resolve", "resolution": "Replaced the unit", "root_cause_id": cause_id,
                                  "corrective_action": "New packaging", "compensation_amount": "25.00",
                                  "compensation_credit": True}, headers=headers)
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["state"], body["compensation_amount"], body["compensation_credit"]) == ("resolved", "25.00", True)
    assert client.post(url, json={"action": "close"}, headers=headers).status_code == 200
    with app.app_context():
        kinds = set(db.session.execute(sa.select(Interaction.kind).where(Interaction.customer_id == customer_id))
                    .scalars())
        assert {"complaints.opened", "complaints.acknowledge", "complaints.resolve", "complaints.close"} <= kinds
        ack, rating = _outbox()
        assert rating.language == "he" and "/complaints/rate/" in rating.body_text
        link = re.search(r"https?://[^/\s]+(/complaints/rate/\S+)", rating.body_text).group(1)
    page = client.get(link)
    assert page.status_code == 200 and "1" in page.get_data(as_text=True)
    assert client.post(link, data={"rating": "4", "comment": "Fast"}).status_code == 200
    again = client.post(link, data={"rating": "1"})
    assert "already" in again.get_data(as_text=True) or "recorded" in again.get_data(as_text=True)
    with app.app_context():
        from plugins.complaints.models import Complaint

        stored = db.session.get(Complaint, complaint_id)
        assert (stored.rating, stored.rating_comment) == (4, "Fast")
    assert client.get(link[:-3] + "xyz").status_code == 404
    reopened = client.post(url, json={"action": "reopen"}, headers=headers)
    assert reopened.status_code == 200 and reopened.get_json()["state"] == "investigating"


def test_a_phone_call_in_the_history_becomes_a_complaint(app, client, login):
    from core.history.service import log_interaction
    from plugins.complaints.models import Complaint

    with app.app_context():
        customer_id = td.customer().id
        call = log_interaction(customer_id, channel="phone", direction="inbound", subject="Angry about the invoice",
                               body="Charged twice")
        db.session.commit()
        call_id = call.id
    login()
    panel = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert f"/complaints/new?interaction_id={call_id}" in panel
    form = client.get(f"/complaints/new?interaction_id={call_id}").get_data(as_text=True)
    assert "Angry about the invoice" in form and "Charged twice" in form
    response = client.post("/complaints/new", data={
        "customer_id": str(customer_id), "title": "Angry about the invoice",
        "description": "Charged twice", "interaction_id": str(call_id), "channel": "phone"})
    assert response.status_code == 302
    with app.app_context():
        complaint = db.session.execute(sa.select(Complaint)).scalar_one()
        assert (complaint.interaction_id, complaint.channel) == (call_id, "phone")
