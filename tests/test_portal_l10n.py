"""What the portal writes on the contact history is a stored text: a Greek and a Hebrew
colleague each read the invitation and the customer's submitted changes in their own
language (before, they were written once in the business's language); a GDPR erasure keeps
the entries without the address."""
from __future__ import annotations

import sqlalchemy as sa

from core.db import db


def _customer_page(client, login, email, lang, customer_id):
    login(email)
    client.post("/language", data={"lang": lang, "next": "/"})
    return client.get(f"/customers/{customer_id}").get_data(as_text=True)


def test_a_greek_and_a_hebrew_colleague_read_portal_entries_in_their_language(app, client, login, make_user):
    from core.customers.service import create_customer
    from core.history.models import Interaction
    from core.portal.accounts import erase_portal_data, invite
    from core.portal import record_portal_activity

    for email in ("eleni@example.com", "noa@example.com"):
        make_user(email, permissions=["customers.view"])
    with app.app_context():
        customer = create_customer({"name": "Ζωή", "emails": ["zoe@example.com"]})
        customer_id = customer.id
        invite(customer, "zoe@example.com")
        record_portal_activity("portal.preferences_changed", customer_id=customer_id, source="core",
                               subject_kind="portal.preferences_changed", data={"changes": ["consents"]})
        db.session.commit()
        subjects = db.session.execute(sa.select(Interaction.subject).where(Interaction.customer_id == customer_id)
                                      .order_by(Interaction.id)).scalars().all()
        assert subjects == ["Invited to the portal (zoe@example.com)", "Consent and language changed in the portal"]
    greek = _customer_page(client, login, "eleni@example.com", "el", customer_id)
    hebrew = _customer_page(client, login, "noa@example.com", "he", customer_id)
    assert "Πρόσκληση στην πύλη (zoe@example.com)" in greek
    assert "Αλλαγή συναίνεσης και γλώσσας στην πύλη" in greek
    assert "הוזמן לפורטל (zoe@example.com)" in hebrew
    for page in (greek, hebrew):
        assert "Invited to the portal" not in page and "changed in the portal" not in page
    with app.app_context():
        erase_portal_data(customer_id)
        db.session.commit()
        row = db.session.execute(sa.select(Interaction).where(Interaction.subject_kind == "portal.invited")).scalar_one()
        assert (row.subject, row.subject_params) == ("Invited to the portal", {})
    page = _customer_page(client, login, "noa@example.com", "he", customer_id)
    assert "הוזמן לפורטל<" in page and "(zoe@example.com)" not in page


def _migration(name, path):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_portal_entries_written_before_stored_texts_are_converted(app):
    """core_0017: the sentences the portal wrote in the business language of the day (Greek,
    Hebrew, English ...) become stored texts; the address is read back; a hand-edited entry stays."""
    from flask_babel import force_locale

    from core.customers.service import create_customer
    from core.history.models import Interaction

    migration = _migration("core_0017", "core/migrations/versions/core_0017_portal_history_texts.py")
    with app.app_context():
        cid = create_customer({"name": "Ζωή"}).id
        for kind, subject in (("portal.invited", "Πρόσκληση στην πύλη (zoe@example.com)"),
                              ("portal.signed_up", "נרשם בפורטל (zoe@example.com)"),
                              ("portal.details_submitted", "Portale pateikti pakeisti kontaktiniai duomenys"),
                              ("portal.preferences_changed", "Consent and language changed in the portal"),
                              ("portal.invited", "Invited by phone call")):
            db.session.add(Interaction(customer_id=cid, kind=kind, source="core", channel="portal", subject=subject))
        db.session.commit()
        migration.convert(db.session.connection())
        db.session.commit()
        rows = db.session.execute(sa.select(Interaction).where(Interaction.customer_id == cid)
                                  .order_by(Interaction.id)).scalars().all()
        assert [(r.subject, r.subject_kind, r.subject_params) for r in rows] == [
            ("Invited to the portal (zoe@example.com)", "portal.invited", {"email": "zoe@example.com"}),
            ("Signed up in the portal (zoe@example.com)", "portal.signed_up", {"email": "zoe@example.com"}),
            ("Changed contact details submitted in the portal", "portal.details_submitted", {}),
            ("Consent and language changed in the portal", "portal.preferences_changed", {}),
            ("Invited by phone call", None, None),
        ]
        with app.test_request_context(), force_locale("fa"):
            assert rows[0].display_subject == "دعوت به درگاه (zoe@example.com)"
            assert rows[2].display_subject == "مشخصات تماس تغییریافته در درگاه ارسال شد"
