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


def test_marketing_entries_written_before_stored_texts_are_converted(app):
    """marketing_0005: the English sentences marketing wrote before become stored texts (campaign
    name from ``data``, channel and campaign read back from the consent sentence, the survey's
    scale, score and name from its line)."""
    import importlib.util
    from pathlib import Path

    from core.history.models import Interaction

    spec = importlib.util.spec_from_file_location(
        "marketing_0005", Path(__file__).parents[1] / "migrations/versions/marketing_0005_history_stored_texts.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        cid = customer("Ζωή", "zoe@example.com").id
        for kind, subject, data in (
                ("marketing.campaign", "Campaign “Άνοιξη”", {"campaign_id": 7, "campaign": "Άνοιξη"}),
                ("marketing.unsubscribed", "Unsubscribed from email marketing (campaign “Άνοιξη”)",
                 {"channel": "email", "campaign_id": 7}),
                ("marketing.subscribed", "Subscribed to sms marketing", {"channel": "sms"}),
                ("marketing.survey_answered", "NPS 9/10: Μετά την επισκευή", {"survey_id": 3, "score": 9})):
            db.session.add(Interaction(customer_id=cid, kind=kind, source="marketing", subject=subject, data=data))
        db.session.commit()
        migration.convert(db.session.connection())
        db.session.commit()
        rows = db.session.execute(sa.select(Interaction).where(Interaction.customer_id == cid,
                                                               Interaction.source == "marketing")
                                  .order_by(Interaction.id)).scalars().all()
        assert [(r.subject, r.subject_kind, r.subject_params) for r in rows] == [
            ("Campaign “Άνοιξη”", "marketing.campaign", {"campaign_id": 7, "campaign": "Άνοιξη"}),
            ("Unsubscribed from email marketing (campaign “Άνοιξη”)", "marketing.unsubscribed",
             {"channel": "email", "campaign": "Άνοιξη"}),
            ("Subscribed to SMS marketing", "marketing.subscribed", {"channel": "sms"}),
            ("NPS 9/10: Μετά την επισκευή", "marketing.survey_answered",
             {"scale": "NPS", "score": 9, "high": 10, "survey": "Μετά την επισκευή"}),
        ]
        with app.test_request_context(), force_locale("fa"):
            assert rows[3].display_subject == "NPS ۹/۱۰: Μετά την επισκευή"
        with app.test_request_context(), force_locale("el"):
            assert rows[1].display_subject.startswith("Διαγραφή από τα διαφημιστικά email")
            assert "Άνοιξη" in rows[1].display_subject
