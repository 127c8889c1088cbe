"""Assignment: round-robin within a team, taking from the queue (once), "My complaints"
on its list and the dashboard, and the global search by reference within the team rule."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints")


def test_round_robin_gives_complaints_to_the_agents_in_turn(app, make_user):
    for name in ("ana", "ben", "cleo"):
        make_user(f"{name}@example.com", roles=["Complaints agent"])
    with app.app_context():
        ana, ben = td.user("ana@example.com"), td.user("ben@example.com")
        team = td.team("Rota", members=[ana, ben], round_robin=True)
        customer_id = td.customer().id
        owners = [td.complaint(customer_id, f"N{i}", team_id=team.id).assignee_id for i in range(4)]
        assert owners == [ana.id, ben.id, ana.id, ben.id]
        from plugins.complaints.workflow import ComplaintInputError, assign

        complaint = td.complaint(customer_id, "Manual")
        assign(complaint, team_id=team.id, round_robin=True)
        assert complaint.assignee_id == ana.id
        with pytest.raises(ComplaintInputError):
            assign(complaint, assignee_id=td.user("admin@example.com").id + 1000)
        db.session.rollback()


def test_take_from_the_queue_once_and_find_it_in_my_complaints(app, client, login, make_user):
    make_user("ana@example.com", roles=["Complaints agent"])
    make_user("ben@example.com", roles=["Complaints agent"])
    with app.app_context():
        customer_id = td.customer().id
        complaint_id = td.complaint(customer_id, "Nobody's yet").id
    login("ana@example.com")
    assert "Nobody&#39;s yet" in client.get("/complaints/?view=queue").get_data(as_text=True)
    assert client.post(f"/complaints/{complaint_id}/take").status_code == 302
    mine = client.get("/complaints/?view=mine").get_data(as_text=True)
    assert "Nobody&#39;s yet" in mine
    assert "Nobody&#39;s yet" in client.get("/").get_data(as_text=True)  # the My complaints card
    assert "Nobody&#39;s yet" not in client.get("/complaints/?view=queue").get_data(as_text=True)
    client.get("/logout")
    login("ben@example.com")
    refused = client.post(f"/complaints/{complaint_id}/take", follow_redirects=True)
    assert "Someone else took this complaint first." in refused.get_data(as_text=True)
    with app.app_context():
        from plugins.complaints.models import Complaint

        assert db.session.get(Complaint, complaint_id).assignee_id == td.user("ana@example.com").id


def test_search_finds_a_complaint_by_reference_within_the_rule(app, client, login, make_user):
    make_user("ana@example.com", roles=["Complaints agent"])
    with app.app_context():
        other = td.team("Other team")
        customer_id = td.customer().id
        td.complaint(customer_id, "Visible one")
        td.complaint(customer_id, "Hidden one", team_id=other.id)
    login("ana@example.com")
    assert "Visible one" in client.get("/search?q=C-000001").get_data(as_text=True)
    assert "Hidden one" not in client.get("/search?q=C-000002").get_data(as_text=True)
    client.get("/logout")
    login()
    assert "Hidden one" in client.get("/search?q=2").get_data(as_text=True)
