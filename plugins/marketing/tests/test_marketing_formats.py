"""A campaign's page as a Greek or a Persian colleague reads it (money, counts, the scheduled
time in their calendar, digits and zone), and the schedule form taking a time in the
user's own zone across a daylight-saving change — nobody is asked to think in UTC."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.db import db
from marketing_testdata import customer, newsletter_template

pytestmark = pytest.mark.plugins("marketing")


def _user(app, make_user, email, zone=None):
    from core.auth.models import User

    user_id = make_user(email, permissions=["marketing.user", "customers.view"])
    with app.app_context():
        db.session.get(User, user_id).timezone = zone
        db.session.commit()
    return user_id


def _campaign(app, owner_id, **values):
    from plugins.marketing.models import Campaign

    with app.app_context():
        newsletter_template()
        campaign = Campaign(name="Χειμερινές εκπτώσεις", channel="email", template_key="marketing.test_newsletter",
                            owner_id=owner_id, **values)
        db.session.add(campaign)
        db.session.commit()
        return campaign.id


def _page(client, login, email, lang, campaign_id):
    login(email)
    client.post("/language", data={"lang": lang, "next": "/"})
    return client.get(f"/marketing/campaigns/{campaign_id}").get_data(as_text=True)


def test_a_greek_and_a_persian_colleague_read_a_campaign(app, client, login, make_user):
    from plugins.marketing.models import Recipient

    owner = _user(app, make_user, "eleni@example.com")
    campaign_id = _campaign(app, owner, state="scheduled", scheduled_at=datetime(2026, 12, 1, 7, 0))  # 09:00 Athens
    with app.app_context():
        for n, revenue in enumerate((Decimal("1000.25"), Decimal("250.25"))):
            person = customer(f"Πελάτης {n}", f"c{n}@example.com", consent={"email": True})
            db.session.add(Recipient(campaign_id=campaign_id, customer_id=person.id, status="queued",
                                     revenue=revenue, converted_at=datetime(2026, 12, 2)))
        db.session.commit()
    greek = _page(client, login, "eleni@example.com", "el", campaign_id)
    assert "1 Δεκ 2026, 9:00\u202fπ.μ." in greek  # scheduled for: Greek date, the reader's zone
    assert "1.250,50\xa0€" in greek  # revenue as Greek writes money
    assert 'value="1/12/2026 09:00"' in greek  # the schedule form in the Greek short form, local time
    persian = _page(client, login, "eleni@example.com", "fa", campaign_id)
    assert "۱۰ آذر ۱۴۰۵" in persian and "۹:۰۰" in persian  # Solar Hijri, Persian digits
    assert "€\xa0۱٬۲۵۰٫۵۰" in persian
    assert ">۲</td>" in persian  # counts in Persian digits
    for page in (greek, persian):
        assert "2026-12-01" not in page and "1250.50" not in page and "(UTC)" not in page


def test_the_schedule_form_takes_the_users_zone_across_a_daylight_saving_change(app, client, login, make_user):
    from plugins.marketing.models import Campaign

    owner = _user(app, make_user, "maria@example.com", zone="America/New_York")
    campaign_id = _campaign(app, owner, state="draft")
    login("maria@example.com")
    client.post("/language", data={"lang": "el", "next": "/"})

    def schedule(text):
        response = client.post(f"/marketing/campaigns/{campaign_id}/schedule", data={"scheduled_at": text})
        with app.app_context():
            return response, db.session.execute(sa.select(Campaign.scheduled_at)
                                                .where(Campaign.id == campaign_id)).scalar_one()

    # New York leaves summer time on 1 November 2026: 09:00 is 13:00 UTC before, 14:00 UTC after.
    response, stored = schedule("31/10/2026 09:00")
    assert response.status_code == 302 and stored == datetime(2026, 10, 31, 13, 0)
    response, stored = schedule("2/11/2026 09:00")
    assert response.status_code == 302 and stored == datetime(2026, 11, 2, 14, 0)
    page = client.get(f"/marketing/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'value="2/11/2026 09:00"' in page and "Νέα Υόρκη — Ανατολική ώρα Βόρειας Αμερικής" in page  # the zone by its Greek name
    # 02:30 on 14 March 2027 does not exist in New York (clocks jump to 03:00): refused, nothing saved.
    response, stored = schedule("14/3/2027 02:30")
    assert response.status_code == 422 and stored == datetime(2026, 11, 2, 14, 0)
    page = response.get_data(as_text=True)
    assert "is-invalid" in page and 'value="14/3/2027 02:30"' in page
    response, stored = schedule("31/13/2026 09:00")  # no 13th month: refused, with the form to type
    assert response.status_code == 422 and stored == datetime(2026, 11, 2, 14, 0)
    assert "31/12/2026 14:30" in response.get_data(as_text=True)  # the example, in the Greek form
