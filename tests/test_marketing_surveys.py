"""Surveys: triggered by another plugin's history entry (a finished repair, offered through the
``survey_triggers`` hook and found by the every-minute look at the history), sent with a campaign, answered through a
signed link without login in the customer's language, results (NPS, CSAT %, trend), a low
score's follow-up for the owner."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import db

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plugins" / "marketing" / "tests"))
from marketing_testdata import customer, newsletter_template, rules  # noqa: E402

pytestmark = pytest.mark.plugins("marketing", "service")


@pytest.fixture
def mail_app(app, smtp_sink):
    app.config.update(SMTP_URL=smtp_sink.url, OUTBOX_RATE={"email": 0, "sms": 0}, PUBLIC_URL="https://crm.test")
    return app


def _deliver(app):
    from core.messaging.sending import send_all_due

    with app.app_context():
        send_all_due()


def _link(smtp_sink, address, pattern=r"https://crm\.test(/marketing/s/[\w.-]+)"):
    message = [m for m in smtp_sink.messages if m.rcpt_tos == [address]][-1].message
    return re.search(pattern, message.get_body(("plain",)).get_content()).group(1), message


def test_a_finished_repair_sends_a_csat_survey_answered_in_greek_and_a_low_score_follows_up(
        mail_app, client, login, run_jobs, smtp_sink, make_user):
    from core.auth.models import User
    from core.history.models import Activity
    from plugins.marketing.models import Survey, SurveyResponse
    from plugins.service.service import create_equipment, open_request, transition

    owner = make_user("owner@example.com", permissions=["customers.view"])
    login()
    form = client.get("/marketing/surveys/new").get_data(as_text=True)
    assert "A repair was finished" in form  # offered by the service plugin through survey_triggers
    r = client.post("/marketing/surveys/new", data={"name": "After repair", "kind": "csat",
                                                     "trigger_kind": "service.request_done", "ask_comment": "1"})
    assert r.status_code == 302, r.get_data(as_text=True)
    with mail_app.app_context():
        owner_id = db.session.execute(sa.select(User.id).where(User.email == "owner@example.com")).scalar_one()
        eleni = customer("Ελένη Παππά", "eleni@example.gr", language="el", owner_id=owner_id)
        eq = create_equipment(customer_id=eleni.id, model_name="Πλυντήριο X")
        req = open_request(equipment_id=eq.id, problem="Δεν στύβει")
        transition(req, "diagnosed", diagnosis="Αντλία")
        db.session.commit()
        transition(req, "done")
        db.session.commit()
        eleni_id = eleni.id
    from datetime import timedelta

    from core.db import utcnow
    from plugins.marketing.surveys import send_triggered_surveys

    with mail_app.app_context():
        assert send_triggered_surveys() == 0  # the entry is younger than a minute: next look
        later = utcnow() + timedelta(minutes=2)
        assert send_triggered_surveys(now=later) == 1  # the worker's every-minute look
        assert send_triggered_surveys(now=later) == 0  # once per history entry
    run_jobs()
    _deliver(mail_app)
    path, message = _link(smtp_sink, "eleni@example.gr")
    assert str(message["Subject"]) == "Μια γρήγορη ερώτηση από εμάς"
    anonymous = mail_app.test_client()
    page = anonymous.get(path).get_data(as_text=True)
    assert "Πόσο ικανοποιημένοι είστε από την εξυπηρέτησή μας;" in page
    assert anonymous.get(path[:-3] + "abc").status_code == 404  # tampered
    bad = anonymous.post(path, data={"score": "9"})  # CSAT is 1 to 5
    assert bad.status_code == 422
    done = anonymous.post(path, data={"score": "2", "comment": "Άργησε πολύ"})
    assert done.status_code == 200 and "Ευχαριστούμε" in done.get_data(as_text=True)
    again = anonymous.post(path, data={"score": "5"})
    assert "Ευχαριστούμε" in again.get_data(as_text=True)
    with mail_app.app_context():
        answered = db.session.execute(sa.select(SurveyResponse)).scalar_one()
        assert (answered.score, answered.comment) == (2, "Άργησε πολύ")  # the second answer changed nothing
        follow_up = db.session.execute(sa.select(Activity).where(Activity.customer_id == eleni_id)).scalar_one()
        assert follow_up.assignee_id == owner_id and "Low score 2 of 5" in follow_up.summary
        survey_id = db.session.execute(sa.select(Survey.id)).scalar_one()
    results = client.get(f"/marketing/surveys/{survey_id}").get_data(as_text=True)
    assert "Άργησε πολύ" in results and '<div class="display-6">0%</div>' in results  # nobody satisfied (CLDR: 0% in English)
    assert owner  # the owner exists and is who gets the follow-up


def test_an_nps_survey_sent_with_a_campaign_and_its_results(mail_app, client, login, token_for, run_jobs,
                                                            smtp_sink):
    from plugins.marketing.models import Campaign, Segment, Survey

    with mail_app.app_context():
        people = [customer(name, f"{tag}@example.com", language=lang, consent={"email": True})
                  for name, tag, lang in (("Dana Cohen", "dana", "he"), ("Sara Rezaei", "sara", "fa"),
                                          ("Lina K", "lina", "lt"), ("Tom", "tom", "en"))]
        newsletter_template()
        segment = Segment(name="All", kind="rules", rules=rules())
        survey = Survey(name="Would you recommend us?", kind="nps", follow_up_below=6)
        db.session.add_all([segment, survey])
        db.session.flush()
        campaign = Campaign(name="NPS", channel="email", segment_id=segment.id, survey_id=survey.id,
                            template_key="marketing.test_newsletter", owner_id=1)
        db.session.add(campaign)
        db.session.commit()
        cid, sid = campaign.id, survey.id
        assert len(people) == 4
    login()
    assert client.post(f"/marketing/campaigns/{cid}/send").status_code == 302
    run_jobs()
    _deliver(mail_app)
    anonymous = mail_app.test_client()
    for address, score in (("dana@example.com", "10"), ("sara@example.com", "9"), ("lina@example.com", "3")):
        path, _message = _link(smtp_sink, address)
        assert anonymous.post(path, data={"score": score}).status_code == 200
    hebrew = anonymous.get(_link(smtp_sink, "dana@example.com")[0]).get_data(as_text=True)
    assert 'dir="rtl"' in hebrew
    r = client.get(f"/api/v1/marketing/surveys/{sid}/results", headers=token_for())
    body = r.get_json()
    assert r.status_code == 200
    assert (body["invited"], body["answered"], body["promoters"], body["detractors"]) == (4, 3, 2, 1)
    assert body["nps"] == 33 and body["trend"][0]["answers"] == 3
    page = client.get(f"/marketing/surveys/{sid}").get_data(as_text=True)
    assert "NPS by month" in page and "<svg" in page


def test_erasure_blanks_survey_comments(app):
    from core.customers.deletion import erase_customer
    from plugins.marketing.models import Survey, SurveyResponse

    with app.app_context():
        c = customer("Ελένη Παππά", "eleni@example.gr", language="el")
        survey = Survey(name="S", kind="csat")
        db.session.add(survey)
        db.session.flush()
        db.session.add(SurveyResponse(survey_id=survey.id, customer_id=c.id, ref="x", score=2, comment="Με λένε Ελένη"))
        db.session.commit()
        erase_customer(c)
        db.session.commit()
        answer = db.session.execute(sa.select(SurveyResponse)).scalar_one()
        assert (answer.score, answer.comment) == (2, "")


def test_deleting_a_customer_deletes_their_marketing_rows_as_declared(app):
    """``customer_relations``: recipients, static-list memberships and survey answers go with
    the customer (declared CASCADE); nothing of marketing blocks the deletion."""
    from core.customers.deletion import blockers, declared_relations, delete_customer
    from plugins.marketing.models import Campaign, Recipient, Segment, SegmentMember, Survey, SurveyResponse

    with app.app_context():
        gone, stays = customer("Šarūnas Jonaitis", "s@example.lt"), customer("שרה כהן", "sara@example.co.il")
        segment = Segment(name="List", kind="static")
        survey = Survey(name="S", kind="nps")
        db.session.add_all([segment, survey])
        db.session.flush()
        newsletter_template()
        campaign = Campaign(name="C", segment_id=segment.id, template_key="marketing.test_newsletter")
        db.session.add(campaign)
        db.session.flush()
        for c in (gone, stays):
            db.session.add_all([SegmentMember(segment_id=segment.id, customer_id=c.id),
                                Recipient(campaign_id=campaign.id, customer_id=c.id),
                                SurveyResponse(survey_id=survey.id, customer_id=c.id, ref="campaign:1", score=9)])
        db.session.commit()
        assert {declared_relations()[(t, "customer_id")].on_delete for t in (
            "marketing_recipient", "marketing_segment_member", "marketing_survey_response")} == {"cascade"}
        assert blockers(gone.id) == []
        delete_customer(gone)
        db.session.commit()
        for model in (SegmentMember, Recipient, SurveyResponse):
            left = db.session.execute(sa.select(model.customer_id)).scalars().all()
            assert left == [stays.id], model.__name__
