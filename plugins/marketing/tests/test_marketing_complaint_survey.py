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
