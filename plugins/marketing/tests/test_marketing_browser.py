"""Browser: build a segment in the rule editor (the count follows what is typed), look at a
campaign's results and a survey's answer page, in English and in Persian (right to left).
Fails on any JavaScript error, CSP violation or failed request; screenshots in test-artifacts/."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import browser_login, choose_language, pick, watch_page
from marketing_testdata import customer, newsletter_template, rules

pytestmark = [pytest.mark.browser, pytest.mark.plugins("marketing")]


@pytest.fixture
def data(app):
    from plugins.marketing.models import Campaign, Recipient, Segment, Survey, SurveyResponse

    with app.app_context():
        people = [customer("Ελένη Παππά", "eleni@example.gr", language="el", consent={"email": True}, tags=["vip"]),
                  customer("سارا رضایی", "sara@example.ir", language="fa", consent={"email": True}, tags=["vip"]),
                  customer("דנה כהן", "dana@example.co.il", language="he", consent={"email": True}),
                  customer("Lina Kazlauskienė", "lina@example.lt", language="lt")]
        newsletter_template()
        segment = Segment(name="مشتریان ویژه", kind="rules", rules=rules())
        survey = Survey(name="رضایت پس از خرید", kind="nps")
        db.session.add_all([segment, survey])
        db.session.flush()
        campaign = Campaign(name="حراج بهاره", channel="email", segment_id=segment.id,
                            template_key="marketing.test_newsletter", state="done", owner_id=1)
        db.session.add(campaign)
        db.session.flush()
        from core.db import utcnow

        now = utcnow()
        for i, c in enumerate(people):
            db.session.add(Recipient(campaign_id=campaign.id, customer_id=c.id,
                                     status="queued" if i < 3 else "skipped",
                                     skip_reason=None if i < 3 else "no_consent", queued_at=now,
                                     opened_at=now if i < 2 else None,
                                     clicked_at=now if i < 1 else None))
        for i, (c, score) in enumerate(zip(people, (10, 9, 4))):
            db.session.add(SurveyResponse(survey_id=survey.id, customer_id=c.id, ref="campaign:1", language="fa",
                                          answered_at=now if i < 2 else None, score=score if i < 2 else None,
                                          comment="خیلی خوب بود" if i == 1 else ""))
        unanswered = SurveyResponse(survey_id=survey.id, customer_id=people[3].id, ref="x", language="fa")
        db.session.add(unanswered)
        db.session.commit()
        return {"campaign": campaign.id, "survey": survey.id, "segment": segment.id, "response": unanswered.id}


def test_segment_editor_campaign_and_survey_pages_in_english_and_persian(app, live_server, browser_page, screenshot,
                                                                          data):
    from plugins.marketing import tracking
    from plugins.marketing.surveys import SURVEY

    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    for lang in ("en", "fa"):
        choose_language(page, lang)
        page.goto(live_server.url + "/marketing/segments/new")
        page.fill("#name", "VIP")
        page.select_option("select[name='crit/']", "core.tag")
        with page.expect_navigation():
            page.click("button[value='add:']")
        page.fill("input[name='p/items.0/tag']", "vip")
        # Recounted by the script as the user typed, in the reader's digits.
        page.locator("#live-count").get_by_text("۲" if lang == "fa" else "2").wait_for()
        screenshot(page, f"marketing-segment-editor-{lang}")
        page.goto(f"{live_server.url}/marketing/campaigns/{data['campaign']}")
        page.locator(".chart svg").wait_for()
        screenshot(page, f"marketing-campaign-results-{lang}")
        page.goto(f"{live_server.url}/marketing/surveys/{data['survey']}")
        page.get_by_text("خیلی خوب بود").wait_for()
        screenshot(page, f"marketing-survey-results-{lang}")
        page.goto(f"{live_server.url}/marketing/campaigns/new")
        page.fill("#name", f"Newsletter {lang}")
        pick(page, "#segment_id", "ویژه")  # the segment picker (type-ahead, keyboard)
        page.select_option("#template_key", "marketing.test_newsletter")
        screenshot(page, f"marketing-campaign-form-{lang}")
        with page.expect_navigation():
            page.click("main form.row button[type=submit]")
        page.get_by_text(f"Newsletter {lang}").first.wait_for()
        assert "/marketing/campaigns/" in page.url
        page.once("dialog", lambda dialog: dialog.accept())  # "Send this campaign now?"
        with page.expect_navigation():
            page.click("form.js-confirm button")
        page.locator(".js-job .progress").wait_for()  # the job's progress bar, polled by jobs.js
        page.wait_for_timeout(2000)
        screenshot(page, f"marketing-campaign-sending-{lang}")
    assert page.get_attribute("html", "dir") == "rtl"
    with app.test_request_context():
        token = tracking.make_token(SURVEY, data["response"])
    customer_page = page.context.browser.new_page()
    customer_problems = watch_page(customer_page)
    customer_page.goto(f"{live_server.url}/marketing/s/{token}")
    assert customer_page.get_attribute("html", "dir") == "rtl"  # the customer's language: Persian
    screenshot(customer_page, "marketing-survey-answer-fa")
    customer_page.click("label[for='score-8']")
    with customer_page.expect_navigation():
        customer_page.click("button[type=submit]")
    customer_page.get_by_text("از پاسخ شما سپاسگزاریم!").wait_for()
    customer_page.close()
    assert not problems and not customer_problems, problems + customer_problems
    from plugins.marketing.models import SurveyResponse

    with app.app_context():
        assert db.session.execute(sa.select(SurveyResponse.score).where(
            SurveyResponse.id == data["response"])).scalar() == 8
