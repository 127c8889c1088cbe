"""Complaints in the audit log: staff transitions and edits, taking one from the queue,
the rating and the settings are recorded with who did it; they show on the customer's
Changes tab; the words of a complaint that came by mail stay out."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import audit_entries
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints")


def test_transition_and_assignment_are_audited_and_on_the_changes_tab(app, client, login):
    from core.audit.models import AuditEntry

    with app.app_context():
        customer_id = td.customer().id
        complaint = td.complaint(customer_id, title="Λάθος χρέωση", category_id=td.category("billing").id)
        complaint_id = complaint.id
        team_id = td.team("Τιμολόγηση").id
    login()
    assert client.post(f"/complaints/{complaint_id}/acknowledge", data={}).status_code == 302
    assert client.post(f"/complaints/{complaint_id}/assign",
                       data={"team_id": str(team_id), "assignee_id": ""}).status_code == 302

    created, *updates = audit_entries(app, record_type="complaints.complaint", record_id=str(complaint_id))
    assert created["action"] == "create" and created["customer_id"] == customer_id
    assert created["changes"]["title"] == [None, "Λάθος χρέωση"]
    ack = [e for e in updates if "state" in e["changes"]]
    assert len(ack) == 1 and ack[0]["changes"]["state"] == ["new", "acknowledged"]
    assert ack[0]["origin"] == "web" and ack[0]["user_id"] is not None
    assigned = [e for e in updates if "team_id" in e["changes"]]
    assert assigned and assigned[-1]["changes"]["team_id"] == [None, team_id]
    assert not any("is_open" in e["changes"] or "version" in e["changes"] for e in updates)

    page = client.get(f"/customers/{customer_id}/changes").get_data(as_text=True)
    assert "Λάθος χρέωση" in page and "Acknowledged" in page and "Τιμολόγηση" in page
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.record_type == "complaints.complaint")).scalar() == 1 + len(updates)


def test_taking_from_the_queue_and_the_rating_are_audited(app, client, login, make_user):
    from plugins.complaints.satisfaction import store_rating
    from plugins.complaints.workflow import transition

    with app.app_context():
        customer_id = td.customer().id
        complaint_id = td.complaint(customer_id).id
    make_user("agent@example.com", roles=["Complaints manager"])
    login("agent@example.com")
    assert client.post(f"/complaints/{complaint_id}/take", data={}).status_code in (302, 303)
    taken = audit_entries(app, record_type="complaints.complaint", record_id=str(complaint_id))[-1]
    assert taken["changes"]["assignee_id"][1] is not None and taken["origin"] == "web"

    with app.app_context():
        from plugins.complaints.models import Complaint

        complaint = db.session.get(Complaint, complaint_id)
        transition(complaint, "resolve", {"resolution": "Refund", "root_cause_id": td.root_cause().id})
        transition(complaint, "close", {})
        db.session.commit()
        assert store_rating(complaint, 4, "ok", source="link")
        db.session.commit()
        assert not store_rating(complaint, 1, source="link")  # once: the second changes nothing, records nothing
        db.session.commit()
    rated = [e for e in audit_entries(app, record_type="complaints.complaint", record_id=str(complaint_id))
             if "rating" in (e["changes"] or {})]
    assert len(rated) == 1 and rated[0]["changes"]["rating"] == [None, 4]
    assert rated[0]["changes"]["rating_comment"] is None  # the customer's words: changed, not kept


def test_mail_words_stay_out_of_the_audit(app):
    with app.app_context():
        customer_id = td.customer().id
        by_mail = td.complaint(customer_id, title="Re: order", description="Private words from the mail",
                               channel="email").id
        by_phone = td.complaint(customer_id, description="Said on the phone", channel="phone").id
    [mail] = audit_entries(app, record_type="complaints.complaint", record_id=str(by_mail))
    assert mail["changes"]["description"] is None  # changed, the words not kept
    [phone] = audit_entries(app, record_type="complaints.complaint", record_id=str(by_phone))
    assert phone["changes"]["description"] == [None, "Said on the phone"]


def test_settings_teams_and_policies_are_audited(app, client, login, make_user):
    ana_id = make_user("ana@example.com", name="Ana Agent", roles=["Complaints agent"])
    login()
    client.post("/complaints/settings/teams", data={"name": "Delivery desk"})
    team = audit_entries(app, record_type="complaints.team", action="create")[-1]
    team_id = int(team["record_id"])
    assert client.post(f"/complaints/settings/teams/{team_id}/members", data={"user_id": str(ana_id)}).status_code == 302
    members = audit_entries(app, record_type="complaints.team", record_id=str(team_id))[-1]
    assert members["changes"]["members"][1] == ["Ana Agent"] and not members["changes"]["members"][0]
    assert client.post(f"/complaints/settings/teams/{team_id}/members/{ana_id}/delete").status_code == 302
    removed = audit_entries(app, record_type="complaints.team", record_id=str(team_id))[-1]
    assert removed["changes"]["members"][0] == ["Ana Agent"] and not removed["changes"]["members"][1]
