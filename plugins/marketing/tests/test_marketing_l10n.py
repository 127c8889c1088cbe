"""Marketing's contact-history entries (consent changes, survey answers) are stored texts:
a Greek and a Hebrew colleague read the same entries in their own language; the score in
the reader's digits (Persian); the English text stays in ``subject`` for search and the API."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from core.db import db
from marketing_testdata import customer

pytestmark = pytest.mark.plugins("marketing")


def _customer_page(client, login, email, lang, customer_id):
    login(email)
    client.post("/language", data={"lang": lang, "next": "/"})
    return client.get(f"/customers/{customer_id}").get_data(as_text=True)


def test_a_greek_and_a_hebrew_colleague_read_marketing_entries_in_their_language(app, client, login, make_user):
    from core.history.models import Interaction
    from core.history.service import log_event
    from plugins.marketing.tracking import set_consent

    for email in ("eleni@example.com", "noa@example.com"):
        make_user(email, permissions=["customers.view", "marketing.user"])
    with app.app_context():
        person = customer("Ζωή", "zoe@example.com", consent={"email": True})
        customer_id = person.id
        set_consent(person, "email", False)
        survey = log_event(customer_id, "marketing.survey_answered", source="marketing", channel="email",
                           subject_kind="marketing.survey_answered",
                           subject_params={"scale": "NPS", "score": 9, "high": 10, "survey": "Μετά την επισκευή"})
        db.session.commit()
        subjects = db.session.execute(sa.select(Interaction.subject).where(Interaction.customer_id == customer_id)
                                      .order_by(Interaction.id)).scalars().all()
        assert subjects == ["Unsubscribed from email marketing", "NPS 9/10: Μετά την επισκευή"]
        with app.test_request_context(), force_locale("fa"):
            assert survey.display_subject == "NPS ۹/۱۰: Μετά την επισκευή"
    greek = _customer_page(client, login, "eleni@example.com", "el", customer_id)
    hebrew = _customer_page(client, login, "noa@example.com", "he", customer_id)
    assert "Διαγραφή από τα διαφημιστικά email" in greek
    assert "הוסר מדיוור שיווקי בדוא״ל" in hebrew
    for page in (greek, hebrew):
        assert "Unsubscribed from email marketing" not in page and "NPS 9/10: Μετά την επισκευή" in page
