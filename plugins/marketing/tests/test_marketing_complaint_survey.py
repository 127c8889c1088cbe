"""Marketing takes the satisfaction survey of closed complaints (``complaint_survey``) while an
active survey is bound to them: the customer gets marketing's survey and not also complaints'
own rating link. Driven through the complaints API only (plugins never import each other)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.db import db, utcnow
from plugins.marketing.tests import marketing_testdata as td

pytestmark = pytest.mark.plugins("marketing", "complaints")


def _close_a_complaint(client, headers, customer_id) -> int:
    created = client.post("/api/v1/complaints/", json={"customer_id": customer_id, "title": "Late"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    complaint_id = created.get_json()["id"]
    root_cause = db.session.execute(sa.text("SELECT id FROM complaints_root_cause ORDER BY id LIMIT 1")).scalar()
    for step in ({"action": "resolve", "resolution": "Refunded", "root_cause_id": root_cause}, {"action": "close"}):
        answer = client.post(f"/api/v1/complaints/{complaint_id}/transition", json=step, headers=headers)
        assert answer.status_code == 200, answer.get_json()
    return complaint_id


def _rating_links(customer_id) -> int:
    from core.messaging.models import OutboxMessage

    return db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.customer_id == customer_id, OutboxMessage.source == "complaints",
        OutboxMessage.dedupe_key.like("complaints:rating:%"))).scalar()


@pytest.mark.parametrize("active", [True, False])
def test_a_survey_bound_to_closed_complaints_replaces_the_rating_link(app, client, token_for, active):
    from core.history.models import Interaction
    from plugins.marketing.models import Survey, SurveyResponse
    from plugins.marketing.surveys import send_triggered_surveys

    headers = token_for()
    with app.app_context():
        customer = td.customer("Ζωή Παπαδοπούλου", "zoe@example.com", consent={"email": True})
        db.session.add(Survey(name="After a complaint", trigger_kind="complaints.close", active=active))
        db.session.commit()
        customer_id = customer.id
        registry = app.extensions["rapport"].plugins
        answers = [r for _p, r in registry.call("complaint_survey", complaint={"id": 1, "customer_id": customer_id})]
        assert any(answers) is active

        _close_a_complaint(client, headers, customer_id)
        assert _rating_links(customer_id) == (0 if active else 1)
        assert db.session.execute(sa.select(Interaction.id).where(Interaction.kind == "complaints.close")).scalar()
        send_triggered_surveys(utcnow() + timedelta(minutes=5))
        invited = db.session.execute(sa.select(sa.func.count()).select_from(SurveyResponse)
                                     .where(SurveyResponse.customer_id == customer_id)).scalar()
        assert invited == (1 if active else 0)  # asked once either way


def _invitation(customer_id):
    from plugins.marketing.models import SurveyResponse

    return db.session.execute(sa.select(SurveyResponse).where(SurveyResponse.customer_id == customer_id)
                              .order_by(SurveyResponse.id)).scalars().all()


def test_the_survey_score_becomes_the_complaints_rating_and_counts_in_its_statistics(app, client, token_for, login,
                                                                                    run_jobs):
    """The customer answers marketing's survey through its link: ``survey_answered`` carries the
    score to the complaint (complaints' listener), whose page and statistics then show it."""
    from plugins.marketing.models import Survey
    from plugins.marketing.surveys import SURVEY, send_triggered_surveys
    from plugins.marketing.tracking import make_token

    headers = token_for()
    with app.app_context():
        customer = td.customer("Ζωή Παπαδοπούλου", "zoe@example.com", consent={"email": True})
        db.session.add(Survey(name="After a complaint", trigger_kind="complaints.close", active=True))
        db.session.commit()
        customer_id = customer.id
        complaint_id = _close_a_complaint(client, headers, customer_id)
        other_id = _close_a_complaint(client, headers, customer_id)  # the same customer's second complaint
        assert send_triggered_surveys(utcnow() + timedelta(minutes=5)) == 2
        tokens = [make_token(SURVEY, r.id) for r in _invitation(customer_id)]

    page = client.post(f"/marketing/s/{tokens[0]}", data={"score": "4", "comment": "Σωστή λύση, αργά"})
    assert page.status_code == 200
    got = client.get(f"/api/v1/complaints/{complaint_id}", headers=headers).get_json()
    assert (got["rating"], got["rating_source"]) == (4, "survey")
    assert client.get(f"/api/v1/complaints/{other_id}", headers=headers).get_json()["rating"] is None

    # Stored once: neither the API nor the survey's own second answer overwrites it.
    again = client.post(f"/api/v1/complaints/{complaint_id}/rating", json={"rating": 1, "comment": ""}, headers=headers)
    assert again.status_code == 409

    login()
    detail = client.get(f"/complaints/{complaint_id}").get_data(as_text=True)
    assert "4 of 5" in detail and "through the satisfaction survey" in detail and "Σωστή λύση, αργά" in detail
    assert client.post("/complaints/stats/refresh").status_code == 302
    run_jobs()
    stats = client.get("/api/v1/complaints/stats", headers=headers).get_json()["data"]
    assert (stats["rating_average"], stats["rating_count"], stats["ratings"]) == (4.0, 1, {"4": 1})


def test_an_nps_answer_is_not_a_complaint_rating(app, client, token_for):
    """An NPS survey asks whether they would recommend us (0–10), not how the complaint went:
    complaints still sends its own 1–5 link, and the NPS score is not stored as the rating."""
    from plugins.marketing.models import NPS, Survey
    from plugins.marketing.surveys import SURVEY, send_triggered_surveys
    from plugins.marketing.tracking import make_token

    headers = token_for()
    with app.app_context():
        customer = td.customer("Rūta Žemaitė", "ruta@example.com", consent={"email": True})
        db.session.add(Survey(name="Recommend us?", kind=NPS, trigger_kind="complaints.close", active=True))
        db.session.commit()
        customer_id = customer.id
        complaint_id = _close_a_complaint(client, headers, customer_id)
        assert _rating_links(customer_id) == 1
        assert send_triggered_surveys(utcnow() + timedelta(minutes=5)) == 1
        token = make_token(SURVEY, _invitation(customer_id)[0].id)
    assert client.post(f"/marketing/s/{token}", data={"score": "9"}).status_code == 200
    with app.app_context():
        assert _invitation(customer_id)[0].score == 9
    assert client.get(f"/api/v1/complaints/{complaint_id}", headers=headers).get_json()["rating"] is None
