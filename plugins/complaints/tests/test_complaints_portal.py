"""Complaints in the customer portal: the customer files one about their own equipment,
follows its state, reads our replies and writes theirs, rates it once closed; nothing
internal is shown; another customer's complaint is a 404 on every URL; every form needs
its CSRF token."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import PASSWORD, portal_account, portal_login, portal_probe, portal_routes
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints", "service")


def _people(app, language="en"):
    from plugins.service.models import Equipment

    with app.app_context():
        mine = td.customer(name="Ελένη Οικονόμου", email="eleni@example.com", language=language).id
        other = td.customer(name="Jonas Petraitis", email="jonas@example.com").id
        boiler = Equipment(customer_id=mine, model_name="Boiler X2", serial="SN-ELENI-1")
        theirs = Equipment(customer_id=other, model_name="Dryer D9", serial="SN-JONAS-1")
        db.session.add_all([boiler, theirs])
        db.session.commit()
        return mine, other, boiler.id, theirs.id, td.category("product").id


def _complaint_of(app, customer_id):
    from plugins.complaints.models import Complaint

    with app.app_context():
        return db.session.execute(sa.select(Complaint).where(Complaint.customer_id == customer_id)
                                  .order_by(Complaint.id.desc())).scalars().first()


def test_customer_files_a_complaint_about_their_own_equipment(app, client):
    from core.history.models import Interaction
    from core.messaging.models import OutboxMessage

    mine, _other, boiler, theirs, product = _people(app, language="el")
    portal_login(client, portal_account(app, mine))
    home = client.get("/portal/").get_data(as_text=True)
    assert "Τα παράπονά σας" in home and "/portal/complaints/new" in home  # the card, in her language
    form = client.get("/portal/complaints/new").get_data(as_text=True)
    assert "Boiler X2" in form and "Dryer D9" not in form  # only their own equipment is offered
    # someone else's equipment, typed into the form: refused, nothing saved
    refused = client.post("/portal/complaints/new", data={
        "title": "Δεν ζεσταίνει", "description": "Κρύο νερό", "about_ref": f"service.equipment:equipment_id={theirs}",
        "category_id": ""})
    assert refused.status_code == 422 and "Δεν ζεσταίνει" in refused.get_data(as_text=True)
    assert _complaint_of(app, mine) is None
    assert client.post("/portal/complaints/new", data={"title": "", "description": ""}).status_code == 422
    sent = client.post("/portal/complaints/new", data={
        "title": "Δεν ζεσταίνει", "description": "Κρύο νερό από χθες",
        "about_ref": f"service.equipment:equipment_id={boiler}", "category_id": str(product)})
    assert sent.status_code == 302
    complaint = _complaint_of(app, mine)
    assert complaint.channel == "portal" and "Boiler X2" in complaint.about_label and complaint.state == "new"
    assert sent.headers["Location"].endswith(f"/portal/complaints/{complaint.id}")
    with app.app_context():
        opened = db.session.execute(sa.select(Interaction).where(Interaction.kind == "complaints.opened")).scalar_one()
        assert (opened.channel, opened.direction, opened.customer_id) == ("portal", "inbound", mine)
        ack = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.source == "complaints")).scalar_one()
        assert ack.language == "el" and complaint.reference in ack.subject
    page = client.get(f"/portal/complaints/{complaint.id}").get_data(as_text=True)
    assert complaint.reference in page and "Κρύο νερό από χθες" in page and 'badge text-bg-warning' in page
    listing = client.get("/portal/complaints/").get_data(as_text=True)
    assert complaint.reference in listing


def test_customer_follows_the_state_and_talks_with_us_without_seeing_internals(app, client, login, make_user):
    from core.history.models import Activity
    from plugins.complaints.mail import reply
    from plugins.complaints.models import Complaint, ComplaintMessage
    from plugins.complaints.workflow import assign, transition

    mine, _other, _boiler, _theirs, _product = _people(app)
    agent_id = make_user("agent@example.com", name="Αγνή Εσωτερική", roles=["Complaints manager"])
    with app.app_context():
        team = td.team("Ομάδα Βορρά")
        complaint = td.complaint(mine, title="Late delivery", severity_id=td.severity("critical").id)
        complaint_id = complaint.id
        assign(complaint, team_id=team.id, assignee_id=agent_id)
        transition(complaint, "acknowledge")
        reply(complaint, body="We are on it: the courier was late.")
        db.session.commit()
    portal_login(client, portal_account(app, mine))
    page = client.get(f"/portal/complaints/{complaint_id}").get_data(as_text=True)
    assert "acknowledged" in page and "We are on it: the courier was late." in page
    for internal in ("Αγνή Εσωτερική", "Ομάδα Βορρά", "Critical", "due"):
        assert internal not in page, internal

    assert client.post(f"/portal/complaints/{complaint_id}/reply", data={"body": ""}).status_code == 422
    answer = client.post(f"/portal/complaints/{complaint_id}/reply", data={"body": "Πότε θα έρθει;"})
    assert answer.status_code == 302
    assert "Πότε θα έρθει;" in client.get(f"/portal/complaints/{complaint_id}").get_data(as_text=True)
    with app.app_context():
        msg = db.session.execute(sa.select(ComplaintMessage).where(ComplaintMessage.direction == "in")).scalar_one()
        assert msg.complaint_id == complaint_id and msg.body == "Πότε θα έρθει;"
        todo = db.session.execute(sa.select(Activity).where(Activity.source == "complaints")).scalar_one()
        assert todo.assignee_id == agent_id and "C-" in todo.summary

        complaint = db.session.get(Complaint, complaint_id)
        transition(complaint, "resolve", {"resolution": "Δωρεάν αποστολή την επόμενη φορά",
                                          "root_cause_id": td.root_cause("process").id,
                                          "corrective_action": "INTERNAL: retrain the courier desk",
                                          "compensation_amount": "10.00"})
        db.session.commit()
    page = client.get(f"/portal/complaints/{complaint_id}").get_data(as_text=True)
    assert "resolved" in page and "Δωρεάν αποστολή την επόμενη φορά" in page and "10.00" in page
    assert "INTERNAL" not in page and "Process failure" not in page
    login()  # staff see the customer's message, marked as written in the portal
    assert "in the portal" in client.get(f"/complaints/{complaint_id}").get_data(as_text=True)


def test_customer_rates_a_closed_complaint_once(app, client):
    from plugins.complaints.workflow import transition

    mine, _other, _boiler, _theirs, _product = _people(app)
    with app.app_context():
        complaint = td.complaint(mine)
        complaint_id = complaint.id
        transition(complaint, "resolve", {"resolution": "Replaced", "root_cause_id": td.root_cause().id})
        db.session.commit()
    portal_login(client, portal_account(app, mine))
    rate_form = f'action="/portal/complaints/{complaint_id}/rate"'
    assert rate_form not in client.get(f"/portal/complaints/{complaint_id}").get_data(as_text=True)
    assert client.post(f"/portal/complaints/{complaint_id}/rate", data={"rating": "5"}).status_code == 404
    with app.app_context():
        from plugins.complaints.models import Complaint

        transition(db.session.get(Complaint, complaint_id), "close")
        db.session.commit()
    assert rate_form in client.get(f"/portal/complaints/{complaint_id}").get_data(as_text=True)
    assert client.post(f"/portal/complaints/{complaint_id}/rate", data={"rating": "9"}).status_code == 422
    assert client.post(f"/portal/complaints/{complaint_id}/rate",
                       data={"rating": "4", "comment": "Γρήγοροι"}).status_code == 302
    client.post(f"/portal/complaints/{complaint_id}/rate", data={"rating": "1"})  # once only
    rated = _complaint_of(app, mine)
    assert (rated.rating, rated.rating_comment) == (4, "Γρήγοροι")
    page = client.get(f"/portal/complaints/{complaint_id}").get_data(as_text=True)
    assert "4 of 5" in page and rate_form not in page


def test_another_customers_complaints_are_404_everywhere(app, client):
    mine, other, _boiler, _theirs, _product = _people(app)
    with app.app_context():
        own = td.complaint(mine, title="Mine").id
        theirs = td.complaint(other, title="Jonas: the dryer is broken").id
    portal_login(client, portal_account(app, mine))
    assert "Jonas" not in client.get("/portal/complaints/").get_data(as_text=True)
    assert client.get(f"/portal/complaints/{theirs}").status_code == 404
    assert client.post(f"/portal/complaints/{theirs}/reply", data={"body": "hi"}).status_code == 404
    assert client.get(f"/portal/complaints/{own}").status_code == 200
    assert portal_probe(client, app, mine, other) == []
    with app.app_context():
        from plugins.complaints.models import ComplaintMessage

        assert db.session.execute(sa.select(sa.func.count()).select_from(ComplaintMessage)
                                  .where(ComplaintMessage.direction == "in")).scalar() == 0


@pytest.mark.plugins("complaints")
def test_every_complaints_portal_form_needs_its_csrf_token(make_app):
    app = make_app("complaints", WTF_CSRF_ENABLED=True)
    with app.app_context():
        customer_id = td.customer().id
        complaint_id = td.complaint(customer_id).id
    email = portal_account(app, customer_id)
    client = app.test_client()
    page = client.get("/portal/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/portal/login", data={"email": email, "password": PASSWORD,
                                              "csrf_token": token}).status_code == 302
    posts = [r for r in portal_routes(app) if r.rule.startswith("/portal/complaints") and "POST" in r.methods]
    assert len(posts) == 3  # new, reply, rate
    for rule in posts:
        path = rule.build({a: complaint_id for a in rule.arguments}, append_unknown=False)[1]
        assert client.post(path, data={"title": "x", "description": "y", "body": "z", "rating": "5"}).status_code == 400
    with app.app_context():
        from plugins.complaints.models import Complaint, ComplaintMessage

        assert db.session.execute(sa.select(sa.func.count()).select_from(Complaint)).scalar() == 1
        assert db.session.execute(sa.select(sa.func.count()).select_from(ComplaintMessage)
                                  .where(ComplaintMessage.direction == "in")).scalar() == 0


def test_staff_viewing_as_the_customer_see_the_pages_but_change_nothing(app, client, login):
    mine, _other, _boiler, _theirs, _product = _people(app)
    with app.app_context():
        complaint_id = td.complaint(mine, title="Noisy boiler").id
    login()
    handover = client.post(f"/customers/{mine}/portal/view-as")
    assert handover.status_code == 302
    client.get(handover.headers["Location"])
    page = client.get(f"/portal/complaints/{complaint_id}").get_data(as_text=True)
    assert "Noisy boiler" in page and "disabled>" in page  # the buttons are disabled
    assert "/portal/complaints/new" not in client.get("/portal/complaints/").get_data(as_text=True)
    assert client.post(f"/portal/complaints/{complaint_id}/reply", data={"body": "x"}).status_code == 403
    assert client.post("/portal/complaints/new", data={"title": "x", "description": "y"}).status_code == 403
