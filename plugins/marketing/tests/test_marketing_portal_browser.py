"""Browser: a customer opens "Preferences and surveys" in the portal, stops email offers with
one click, answers an open survey on the score buttons — on a desktop and at 375 px, in English
and in Hebrew (right to left). Fails on any JavaScript error or failed request and on a page
wider than the phone; screenshots: test-artifacts/marketing-portal-<width>-<lang>[-done].png."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import PASSWORD, choose_language, portal_account, watch_page
from marketing_testdata import customer

pytestmark = [pytest.mark.browser, pytest.mark.plugins("marketing")]


def _seed(app):
    from plugins.marketing.models import Survey, SurveyResponse

    with app.app_context():
        who = customer("אביגיל בן-דוד Παπαδοπούλου", "avigail@example.co.il", language="en",
                       consent={"email": True, "sms": False})
        csat = Survey(name="שביעות רצון אחרי התיקון — Satisfaction after the repair", kind="csat")
        nps = Survey(name="Would you recommend us?", kind="nps", ask_comment=False)
        db.session.add_all([csat, nps])
        db.session.flush()
        db.session.add_all([SurveyResponse(survey_id=csat.id, customer_id=who.id, ref="interaction:1"),
                            SurveyResponse(survey_id=nps.id, customer_id=who.id, ref="campaign:1")])
        db.session.commit()
        return who.id


@pytest.mark.parametrize("width,lang", [(1280, "en"), (375, "en"), (1280, "he"), (375, "he")])
def test_customer_stops_offers_and_answers_a_survey(live_server, _playwright_browser, screenshot, width, lang):
    from core.customers.models import Consent
    from plugins.marketing.models import SurveyResponse

    app = live_server.app
    customer_id = _seed(app)
    email = portal_account(app, customer_id)
    context = _playwright_browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB",
                                              is_mobile=width < 600, has_touch=width < 600)
    page = context.new_page()
    problems = watch_page(page)
    page.goto(f"{live_server.url}/portal/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if lang != "en":
        choose_language(page, lang)
        assert page.get_attribute("html", "dir") == "rtl"
    # From the home page's card, as a customer finds it.
    card_link = page.locator("main .card a[href='/portal/marketing/preferences']")
    with page.expect_navigation():
        card_link.click()
    assert page.url.endswith("/portal/marketing/preferences")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px too wide at {width}px ({lang})"
    screenshot(page, f"marketing-portal-{width}-{lang}")

    with page.expect_navigation():
        page.locator("#consent-email button[type=submit]").click()
    assert page.locator("#consent-sms button[type=submit]").count() == 1
    survey = page.locator("form[id^=survey-]").filter(has_text="Satisfaction after the repair")
    survey.locator("label.btn", has_text="2").click()
    survey.locator("textarea[name=comment]").fill("הטכנאי איחר בשעתיים")
    with page.expect_navigation():
        survey.locator("button[type=submit]").click()
    assert page.locator(".alert-success").count() >= 1
    assert page.locator("form[id^=survey-]").count() == 1  # the answered one is gone, the NPS one waits
    screenshot(page, f"marketing-portal-{width}-{lang}-done")
    with app.app_context():
        consent = db.session.execute(sa.select(Consent.granted).where(Consent.customer_id == customer_id,
                                                                       Consent.channel == "email")).scalar()
        answer = db.session.execute(sa.select(SurveyResponse.score, SurveyResponse.comment)
                                    .where(SurveyResponse.score.is_not(None))).one()
    assert consent is False and tuple(answer) == (2, "הטכנאי איחר בשעתיים")
    assert not problems, problems
    context.close()
