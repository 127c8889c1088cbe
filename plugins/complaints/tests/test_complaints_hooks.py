"""The hooks complaints defines: complaint_subjects (service offers equipment),
complaint_survey (a plugin may take the satisfaction survey), and the durable events
complaint_opened / complaint_closed, heard once each with plain payloads."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from plugins.complaints.tests import complaints_listener_plugin as listener
from plugins.complaints.tests import complaints_testdata as td


def _close(complaint):
    from plugins.complaints.workflow import transition

    transition(complaint, "resolve", {"resolution": "Refunded", "root_cause_id": td.root_cause().id})
    transition(complaint, "close")
    db.session.commit()


@pytest.mark.plugins("complaints", "complaints_listener", extra=[listener])
@pytest.mark.parametrize("taken", [True, False])
def test_complaint_survey_and_events(app, taken):
    from core.messaging.models import OutboxMessage

    listener.HEARD.clear()
    listener.TAKE_SURVEY["on"] = taken
    with app.app_context():
        customer_id = td.customer().id
        complaint = td.complaint(customer_id, "Cold soup")
        _close(complaint)
        rating_mails = db.session.execute(sa.select(OutboxMessage).where(
            OutboxMessage.dedupe_key.startswith("complaints:rating:"))).scalars().all()
        assert len(rating_mails) == (0 if taken else 1)
    kinds = [k for k, _c, _e in listener.HEARD]
    assert kinds == ["opened", "survey", "closed"]
    opened = listener.HEARD[0][1]
    assert (opened["reference"], opened["customer_id"], opened["state"]) == ("C-000001", customer_id, "new")
    closed = listener.HEARD[2][1]
    assert closed["state"] == "closed" and closed["closed_at"]


@pytest.mark.plugins("complaints", "service")
def test_complaint_subjects_offer_the_customers_equipment(app, client, token_for):
    from plugins.complaints.workflow import subjects_for

    with app.app_context():
        customer = td.customer()
        from plugins.service.models import Equipment

        unit = Equipment(customer_id=customer.id, model_name="Boiler X2", serial="SN-9", location="Κουζίνα")
        db.session.add(unit)
        db.session.commit()
        [subject] = subjects_for(customer)
        assert subject["ref"] == f"service.equipment:equipment_id={unit.id}"
        assert "Boiler X2" in subject["label"] and subject["detail"] == "Κουζίνα"
        customer_id, ref = customer.id, subject["ref"]
    created = client.post("/api/v1/complaints/", json={"customer_id": customer_id, "title": "Noisy",
                                                      "about_ref": ref}, headers=token_for())
    assert created.status_code == 201 and "Boiler X2" in created.get_json()["about_label"]


@pytest.mark.plugins("complaints")
def test_marketing_may_bind_a_survey_to_closed_complaints(app):
    """survey_triggers (marketing's hook) offers the history kind that closing writes."""
    import plugins.complaints as complaints
    from core.history.models import Interaction

    [trigger] = complaints.survey_triggers()
    with app.app_context():
        complaint = td.complaint(td.customer().id)
        _close(complaint)
        kinds = set(db.session.execute(sa.select(Interaction.kind)).scalars())
    assert trigger["kind"] in kinds
