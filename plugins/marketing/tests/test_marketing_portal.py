"""Marketing in the customer portal: consent per channel switched on and off (the same path as
the unsubscribe link: consent, history, audit), open surveys answered with the same ``answer()``
as the signed link (a low score still makes the owner's follow-up), only one's own data, CSRF,
and the staff "view as customer" seeing but not changing."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.db import db, utcnow
from core.testing import portal_account, portal_login, portal_probe
from marketing_testdata import customer

pytestmark = pytest.mark.plugins("marketing")
PAGE = "/portal/marketing/preferences"


@pytest.fixture
def people(app):
    """Eleni (logged in, email consent given, two open surveys, one answered, one too old),
    Dana (someone else, with her own open survey)."""
    from plugins.marketing.models import Survey, SurveyResponse

    with app.app_context():
        eleni = customer("Ελένη Παππά", "eleni@example.gr", language="el", consent={"email": True})
        dana = customer("דנה כהן", "dana@example.co.il", language="he", consent={"email": True})
        csat = Survey(name="Μετά την επισκευή", kind="csat", follow_up_below=2)
        nps = Survey(name="Σύσταση", kind="nps", ask_comment=False)
        db.session.add_all([csat, nps])
        db.session.flush()
        now = utcnow()
        rows = {
            "open_csat": SurveyResponse(survey_id=csat.id, customer_id=eleni.id, ref="interaction:1", language="el"),
            "open_nps": SurveyResponse(survey_id=nps.id, customer_id=eleni.id, ref="campaign:1", language="el"),
            "answered": SurveyResponse(survey_id=nps.id, customer_id=eleni.id, ref="campaign:2", language="el",
                                       answered_at=now, score=9),
            "old": SurveyResponse(survey_id=csat.id, customer_id=eleni.id, ref="interaction:0", language="el",
                                  invited_at=now - timedelta(days=200)),
            "danas": SurveyResponse(survey_id=csat.id, customer_id=dana.id, ref="interaction:2", language="he"),
        }
        db.session.add_all(rows.values())
        db.session.commit()
        ids = {k: r.id for k, r in rows.items()}
        ids.update(eleni=eleni.id, dana=dana.id, csat=csat.id, nps=nps.id)
    return ids


def _consents(app, customer_id):
    from core.customers.models import Consent

    with app.app_context():
        return dict(db.session.execute(sa.select(Consent.channel, Consent.granted)
                                       .where(Consent.customer_id == customer_id)).all())


def _history(app, customer_id):
    from core.history.models import Interaction

    with app.app_context():
        return db.session.execute(sa.select(Interaction.kind, Interaction.channel)
                                  .where(Interaction.customer_id == customer_id, Interaction.source == "marketing")
                                  .order_by(Interaction.id)).all()


def _audited(app, customer_id):
    from core.audit.models import AuditEntry

    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.customer_id == customer_id)).scalar()


def test_consent_switches_per_channel_through_the_unsubscribe_path(app, client, people):
    portal_login(client, portal_account(app, people["eleni"]))
    audited = _audited(app, people["eleni"])
    page = client.get(PAGE).get_data(as_text=True)
    assert page.count("consent-") >= 2 and "Μετά την επισκευή" in page  # Eleni reads it in Greek
    assert client.post(f"{PAGE}/email", data={"granted": "0"}).status_code == 302
    assert client.post(f"{PAGE}/sms", data={"granted": "1"}).status_code == 302
    assert _consents(app, people["eleni"]) == {"email": False, "sms": True}
    assert client.post(f"{PAGE}/email", data={"granted": "0"}).status_code == 302  # again: nothing changes
    assert _history(app, people["eleni"]) == [("marketing.unsubscribed", "portal"), ("marketing.subscribed", "portal")]
    assert _consents(app, people["dana"]) == {"email": True}  # only one's own
    assert client.post(f"{PAGE}/fax", data={"granted": "1"}).status_code == 404
    assert _audited(app, people["eleni"]) > audited  # through update_customer, which the audit log sees


def test_open_surveys_are_answered_once_with_the_low_score_follow_up(app, client, people):
    from core.history.models import Activity
    from plugins.marketing.models import SurveyResponse

    portal_login(client, portal_account(app, people["eleni"]))
    page = client.get(PAGE).get_data(as_text=True)
    shown = {int(n) for n in re.findall(r'id="survey-(\d+)"', page)}
    assert shown == {people["open_csat"], people["open_nps"]}  # not the answered, the too old or Dana's
    bad = client.post(f"/portal/marketing/surveys/{people['open_csat']}", data={"score": "7"})
    assert bad.status_code == 422
    assert client.post(f"/portal/marketing/surveys/{people['open_csat']}",
                       data={"score": "1", "comment": "Άργησαν δύο ώρες"}).status_code == 302
    again = client.post(f"/portal/marketing/surveys/{people['open_csat']}", data={"score": "5"}, follow_redirects=True)
    assert again.status_code == 200
    with app.app_context():
        answered = db.session.get(SurveyResponse, people["open_csat"])
        assert (answered.score, answered.comment) == (1, "Άργησαν δύο ώρες")  # the second answer changed nothing
        assert db.session.execute(sa.select(Activity).where(Activity.ref == f"survey_response:{answered.id}")).scalar()
    page = client.get(PAGE).get_data(as_text=True)
    assert f'id="survey-{people["open_csat"]}"' not in page
    assert client.post(f"/portal/marketing/surveys/{people['danas']}", data={"score": "5"}).status_code == 404
    assert portal_probe(client, app, people["eleni"], people["dana"]) == []
    home = client.get("/portal/").get_data(as_text=True)
    assert "/portal/marketing/preferences" in home


def test_csrf_is_required(app, client, people):
    import re

    from core.testing import PASSWORD

    app.config["WTF_CSRF_ENABLED"] = True
    email = portal_account(app, people["eleni"])
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/portal/login").get_data(as_text=True))
    assert client.post("/portal/login", data={"email": email, "password": PASSWORD,
                                              "csrf_token": token.group(1)}).status_code == 302
    assert client.post(f"{PAGE}/email", data={"granted": "0"}).status_code == 400
    assert client.post(f"/portal/marketing/surveys/{people['open_nps']}", data={"score": "9"}).status_code == 400
    assert _consents(app, people["eleni"]) == {"email": True}
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(PAGE).get_data(as_text=True)).group(1)
    assert client.post(f"{PAGE}/email", data={"granted": "0", "csrf_token": token}).status_code == 302
    assert _consents(app, people["eleni"]) == {"email": False}


def test_a_staff_viewer_sees_the_page_but_changes_nothing(app, client, login, people):
    login()
    handover = client.post(f"/customers/{people['eleni']}/portal/view-as")
    client.get(handover.headers["Location"])
    page = client.get(PAGE).get_data(as_text=True)
    assert "portal-viewing" in page and 'id="survey-' in page
    assert "/portal/marketing/preferences/email" not in page  # no switch to press
    assert client.post(f"{PAGE}/email", data={"granted": "0"}).status_code == 403
    assert client.post(f"/portal/marketing/surveys/{people['open_nps']}", data={"score": "9"}).status_code == 403
    assert _consents(app, people["eleni"]) == {"email": True}
