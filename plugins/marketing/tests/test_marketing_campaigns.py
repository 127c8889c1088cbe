"""Campaigns end to end over a real SMTP server (aiosmtpd): recipients with skip reasons,
the customer's language, signed unsubscribe (page and RFC 8058 one-click), open pixel,
click redirects that refuse foreign URLs, bounces, results, pause/cancel, permissions."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.db import db
from marketing_testdata import crit, customer, newsletter_template, rules

pytestmark = pytest.mark.plugins("marketing")
API = "/api/v1/marketing"


@pytest.fixture
def mail_app(app, smtp_sink):
    app.config.update(SMTP_URL=smtp_sink.url, MAIL_FROM="Rapport <news@rapport.test>", OUTBOX_RATE={"email": 0, "sms": 0},
                      PUBLIC_URL="https://crm.rapport.test")
    return app


@pytest.fixture
def audience(mail_app):
    """Five customers, each a different case for an email campaign."""
    from core.auth.models import User
    from plugins.marketing.models import Segment

    with mail_app.app_context():
        ids = {
            "eleni": customer("Ελένη Παππά", "eleni@example.gr", language="el", consent={"email": True}).id,
            "dana": customer("Dana Cohen", "dana@example.co.il", language="en", consent={"email": True}).id,
            "nikos": customer("Νίκος Ζαχαρίου", "nikos@example.gr", language="el").id,  # never agreed
            "lina": customer("Lina Out", "lina@example.lt", language="lt", consent={"email": False}).id,
            "sara": customer("سارا رضایی", None, language="fa", consent={"email": True}).id,  # no address
        }
        newsletter_template()
        admin = db.session.execute(sa.select(User).where(User.email == "admin@example.com")).scalar_one()
        segment = Segment(name="Everybody", kind="rules", rules=rules(), created_by_id=admin.id)
        db.session.add(segment)
        db.session.commit()
        ids["segment"] = segment.id
    return ids


def _send_campaign(app, client, run_jobs, segment_id, **extra):
    r = client.post("/marketing/campaigns/new", data={"name": "Spring sale", "channel": "email",
                                                      "segment_id": segment_id,
                                                      "template_key": "marketing.test_newsletter", **extra})
    assert r.status_code == 302, r.get_data(as_text=True)
    campaign_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert client.post(f"/marketing/campaigns/{campaign_id}/send").status_code == 302
    run_jobs()
    return campaign_id


def _recipients(app, campaign_id):
    from plugins.marketing.models import Recipient

    with app.app_context():
        rows = db.session.execute(sa.select(Recipient).where(Recipient.campaign_id == campaign_id)).scalars().all()
        return {r.customer_id: r for r in rows}


def _deliver(app):
    from core.messaging.sending import send_all_due

    with app.app_context():
        return sum(r.sent for r in send_all_due())


def test_consent_and_addresses_decide_who_gets_it_with_the_reason_shown(mail_app, client, login, run_jobs, audience,
                                                                         smtp_sink):
    login()
    cid = _send_campaign(mail_app, client, run_jobs, audience["segment"])
    got = _recipients(mail_app, cid)
    assert {k: (r.status, r.skip_reason) for k, r in got.items()} == {
        audience["eleni"]: ("queued", None), audience["dana"]: ("queued", None),
        audience["nikos"]: ("skipped", "no_consent"), audience["lina"]: ("skipped", "unsubscribed"),
        audience["sara"]: ("skipped", "no_address"),
    }
    _deliver(mail_app)  # what the worker's send call (run_jobs) left, if anything
    assert len(smtp_sink.messages) == 2
    by_address = {m.rcpt_tos[0]: m.message for m in smtp_sink.messages}
    assert set(by_address) == {"eleni@example.gr", "dana@example.co.il"}
    assert str(by_address["eleni@example.gr"]["Subject"]) == "Νέα για Ελένη Παππά"  # her language
    assert str(by_address["dana@example.co.il"]["Subject"]) == "News for Dana Cohen"
    greek = by_address["eleni@example.gr"].get_body(("plain",)).get_content()
    assert "Για να μη λαμβάνετε πλέον αυτά τα email: https://crm.rapport.test/marketing/u/" in greek
    unsubscribe = by_address["dana@example.co.il"]["List-Unsubscribe"].strip()
    assert re.fullmatch(r"<https://crm\.rapport\.test/marketing/u/[\w.-]+>", unsubscribe)
    assert by_address["dana@example.co.il"]["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    page = client.get(f"/marketing/campaigns/{cid}").get_data(as_text=True)
    assert "No consent for this channel" in page and "No address for this channel" in page
    skipped = client.get(f"/marketing/campaigns/{cid}/recipients?status=skipped").get_data(as_text=True)
    assert "Νίκος Ζαχαρίου" in skipped and "Unsubscribed" in skipped and "Ελένη Παππά" not in skipped
    stats = client.get(f"{API}/campaigns/{cid}/stats", headers={}).status_code
    assert stats in (401, 403)  # the API wants a token, not the page's session
    panel = client.get(f"/customers/{audience['nikos']}").get_data(as_text=True)
    assert "Spring sale" in panel and "No consent for this channel" in panel  # the Campaigns tab


def _links(message):
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    return html, text


def test_unsubscribe_link_works_once_without_login_and_refuses_tampering(mail_app, client, login, run_jobs,
                                                                           audience, smtp_sink):
    from core.customers.models import Customer
    from core.history.models import Interaction

    login()
    cid = _send_campaign(mail_app, client, run_jobs, audience["segment"])
    _deliver(mail_app)
    message = next(m.message for m in smtp_sink.messages if m.rcpt_tos == ["dana@example.co.il"])
    url = message["List-Unsubscribe"].strip().strip("<>")
    path = url.replace("https://crm.rapport.test", "")
    anonymous = mail_app.test_client()
    assert "Do you want to stop receiving marketing emails" in anonymous.get(path).get_data(as_text=True)
    token = path.rsplit("/", 1)[1]
    tampered = path[:-len(token)] + token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert anonymous.post(tampered, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert anonymous.get("/marketing/u/not-a-token").status_code == 404
    with mail_app.app_context():
        assert db.session.get(Customer, audience["dana"]).consent_for("email").granted is True
    one_click = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})  # what a mail program sends
    assert one_click.status_code == 200
    assert anonymous.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # twice is harmless
    with mail_app.app_context():
        assert db.session.get(Customer, audience["dana"]).consent_for("email").granted is False
        entries = db.session.execute(sa.select(Interaction.kind).where(
            Interaction.customer_id == audience["dana"], Interaction.kind == "marketing.unsubscribed")).all()
        assert len(entries) == 1
    assert _recipients(mail_app, cid)[audience["dana"]].unsubscribed_at is not None
    assert "You will get no more marketing emails" in anonymous.get(path).get_data(as_text=True)
    # The next campaign skips her as unsubscribed.
    cid2 = _send_campaign(mail_app, client, run_jobs, audience["segment"])
    assert _recipients(mail_app, cid2)[audience["dana"]].skip_reason == "unsubscribed"


def test_open_pixel_and_click_redirect_only_to_the_campaigns_own_links(mail_app, client, login, run_jobs, audience,
                                                                         smtp_sink):
    from plugins.marketing import tracking
    from plugins.marketing.models import Link

    login()
    cid = _send_campaign(mail_app, client, run_jobs, audience["segment"])
    _deliver(mail_app)
    message = next(m.message for m in smtp_sink.messages if m.rcpt_tos == ["dana@example.co.il"])
    html, text = _links(message)
    assert "https://shop.example.com/sale" not in html + text  # every link goes through the redirect
    click = re.search(r'href="https://crm\.rapport\.test(/marketing/c/[^"]+)"', html).group(1)
    pixel = re.search(r'src="https://crm\.rapport\.test(/marketing/o/[^"]+)"', html).group(1)
    anonymous = mail_app.test_client()
    r = anonymous.get(pixel)
    assert r.status_code == 200 and r.mimetype == "image/gif"
    for _twice in range(2):
        r = anonymous.get(click)
        assert r.status_code == 302 and r.headers["Location"] == "https://shop.example.com/sale"
    got = _recipients(mail_app, cid)[audience["dana"]]
    assert got.opened_at is not None and got.clicked_at is not None
    # A foreign URL: there is no way to name one (the token holds a link id), and a link id of
    # another campaign, a tampered token or a token made for another purpose are refused.
    from plugins.marketing.models import Campaign

    with mail_app.test_request_context():
        other = Campaign(name="Other", channel="email", template_key="marketing.test_newsletter")
        db.session.add(other)
        db.session.flush()
        foreign = Link(campaign_id=other.id, url="https://evil.example.net/")
        db.session.add(foreign)
        db.session.commit()
        forged = tracking.make_token(tracking.CLICK, got.id, foreign.id)  # signed, but another campaign's link
        wrong_purpose = tracking.make_token(tracking.OPEN, got.id, 1)
    assert anonymous.get(f"/marketing/c/{forged}").status_code == 404
    assert anonymous.get(f"/marketing/c/{wrong_purpose}").status_code == 404
    assert anonymous.get(click + "x").status_code == 404
    assert anonymous.get("/marketing/c/x?next=https://evil.example.net/").status_code == 404
    stats = client.get(f"/marketing/campaigns/{cid}").get_data(as_text=True)
    assert "Campaign funnel" in stats and "<svg" in stats
    with mail_app.app_context():
        from core.history.models import Interaction

        entry = db.session.execute(sa.select(Interaction).where(
            Interaction.customer_id == audience["dana"], Interaction.kind == "marketing.campaign")).scalar_one()
        assert {"opened", "clicked"} <= set(entry.data)  # one entry for the campaign, updated
        assert db.session.execute(sa.select(Interaction.id).where(
            Interaction.customer_id == audience["eleni"], Interaction.kind == "marketing.campaign")).first() is None


def test_a_bounce_report_marks_the_recipient(mail_app, client, login, run_jobs, audience, smtp_sink):
    from core.messaging import receive_email
    from core.messaging.models import OutboxMessage

    login()
    cid = _send_campaign(mail_app, client, run_jobs, audience["segment"])
    _deliver(mail_app)
    with mail_app.app_context():
        msg_id = db.session.execute(sa.select(OutboxMessage.message_id).where(
            OutboxMessage.recipient == "eleni@example.gr")).scalar_one()
    dsn = (
        "From: MAILER-DAEMON@mx.example.gr\r\nTo: news@rapport.test\r\nSubject: Undelivered Mail\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nThe mailbox does not exist.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.gr\r\n\r\n"
        "Final-Recipient: rfc822; eleni@example.gr\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n"
        f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {msg_id}\r\nSubject: x\r\n\r\n--b--\r\n"
    ).encode()
    with mail_app.app_context():
        receive_email(dsn)
        db.session.commit()
    run_jobs()
    assert _recipients(mail_app, cid)[audience["eleni"]].bounced_at is not None
    from plugins.marketing.campaigns import stats

    with mail_app.app_context():
        figures = stats(cid)
        assert (figures.queued, figures.sent, figures.bounced) == (2, 2, 1)  # a bounced mail had left


def test_frequency_cap_skips_customers_who_just_got_a_campaign(mail_app, client, login, run_jobs, audience):
    login()
    _send_campaign(mail_app, client, run_jobs, audience["segment"])
    cid = _send_campaign(mail_app, client, run_jobs, audience["segment"], frequency_cap_days="7")
    got = _recipients(mail_app, cid)
    assert got[audience["eleni"]].skip_reason == "frequency_cap"
    assert got[audience["nikos"]].skip_reason == "no_consent"  # the first reason found is shown


def test_cancel_before_the_job_runs_sends_nothing_and_a_second_send_is_a_conflict(mail_app, client, login,
                                                                                  run_jobs, audience):
    from core.messaging.models import OutboxMessage

    login()
    r = client.post("/marketing/campaigns/new", data={"name": "Oops", "channel": "email",
                                                      "segment_id": audience["segment"],
                                                      "template_key": "marketing.test_newsletter"})
    cid = int(r.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/marketing/campaigns/{cid}/send").status_code == 302
    assert client.post(f"/marketing/campaigns/{cid}/send").status_code == 409
    assert client.post(f"/marketing/campaigns/{cid}/cancel").status_code == 302
    run_jobs()
    with mail_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar() == 0
    assert client.post(f"/marketing/campaigns/{cid}/resume").status_code == 409
    from core.audit.models import AuditEntry

    with mail_app.app_context():  # created, sent, cancelled: in the audit log
        actions = db.session.execute(sa.select(AuditEntry.action).where(
            AuditEntry.record_type == "marketing.campaign", AuditEntry.record_id == str(cid))
            .order_by(AuditEntry.id)).scalars().all()
        assert len(actions) >= 3 and actions[0] == "create", actions


def test_cancel_withdraws_the_messages_still_queued_and_keeps_what_was_sent(mail_app, client, login, run_jobs,
                                                                           audience, smtp_sink):
    """Two recipients queued, one already sent: Cancel takes the other back out of the outbox
    (nobody receives it later), the results count it as withdrawn, the sent one stays sent."""
    from core.messaging.models import OutboxMessage
    from core.messaging.sending import send_due
    from plugins.marketing.campaigns import stats
    from plugins.marketing.sending import send_campaign

    login()
    r = client.post("/marketing/campaigns/new", data={"name": "Too early", "channel": "email",
                                                      "segment_id": audience["segment"],
                                                      "template_key": "marketing.test_newsletter"})
    cid = int(r.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/marketing/campaigns/{cid}/send").status_code == 302

    class Stopped(Exception):
        pass

    class Job:  # the job's own function, stopped after its first batch (both recipients) is committed
        calls = 0

        def progress(self, done, total=None, message=None):
            db.session.commit()
            Job.calls += 1
            if Job.calls == 2:
                raise Stopped

    with mail_app.app_context():
        with pytest.raises(Stopped):
            send_campaign(Job(), cid)
        assert send_due("email", limit=1).sent == 1  # a worker got to one of the two
    assert len(smtp_sink.messages) == 1
    assert client.post(f"/marketing/campaigns/{cid}/cancel").status_code == 302
    run_jobs()  # the marketing job started by Send, and any outbox kick: nothing more goes out
    with mail_app.app_context():
        assert send_due("email").sent == 0
        statuses = db.session.execute(sa.select(OutboxMessage.status).where(OutboxMessage.source == "marketing")
                                      .order_by(OutboxMessage.status)).scalars().all()
        assert statuses == ["cancelled", "sent"]
        figures = stats(cid)
        assert (figures.queued, figures.skip_reasons["withdrawn"]) == (1, 1)
    assert len(smtp_sink.messages) == 1
    got = _recipients(mail_app, cid)
    assert sorted((r.status, r.skip_reason) for r in got.values() if r.skip_reason in (None, "withdrawn")) == [
        ("queued", None), ("skipped", "withdrawn")]
    page = client.get(f"/marketing/campaigns/{cid}")
    assert page.status_code == 200 and "Withdrawn unsent when the campaign was cancelled" in page.get_data(as_text=True)


def test_campaign_form_refuses_bad_input_and_saves_nothing(mail_app, client, login, audience):
    from plugins.marketing.models import Campaign

    login()
    r = client.post("/marketing/campaigns/new", data={"name": "", "channel": "sms", "segment_id": "999",
                                                      "template_key": "marketing.test_newsletter",
                                                      "frequency_cap_days": "-3"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    for message in ("A name of 1 to 200 characters is required.", "Choose a segment.",
                    "The template is for another channel.", "A whole number from 0 to 365."):
        assert message in html
    with mail_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Campaign)).scalar() == 0


def test_campaign_form_reads_numbers_as_their_reader_writes_them(mail_app, client, login, audience):
    """Typed on a Persian keyboard: ۱۲۰ messages a minute, a ۷-day cap. A fraction is refused."""
    from plugins.marketing.models import Campaign

    login()
    base = {"name": "اعداد", "channel": "email", "segment_id": audience["segment"],
            "template_key": "marketing.test_newsletter"}
    half = client.post("/marketing/campaigns/new", data={**base, "rate_per_minute": "12.5"})
    assert half.status_code == 422 and "A whole number from 0 to 100000." in half.get_data(as_text=True)
    r = client.post("/marketing/campaigns/new", data={**base, "rate_per_minute": "۱۲۰", "frequency_cap_days": "۷",
                                                      "conversion_days": "٣٠"})
    assert r.status_code == 302, r.get_data(as_text=True)
    with mail_app.app_context():
        saved = db.session.execute(sa.select(Campaign)).scalar_one()
        assert (saved.rate_per_minute, saved.frequency_cap_days, saved.conversion_days) == (120, 7, 30)


def test_api_creates_schedules_sends_and_reports(mail_app, client, token_for, run_jobs, audience):
    h = token_for()
    bad = client.post(f"{API}/campaigns", headers=h, json={"name": "x", "segment_id": audience["segment"],
                                                            "template_key": "nope"})
    assert bad.status_code == 422 and "template_key" in bad.get_json()["errors"]["json"]
    r = client.post(f"{API}/campaigns", headers=h, json={"name": "API sale", "segment_id": audience["segment"],
                                                          "template_key": "marketing.test_newsletter"})
    assert r.status_code == 201, r.get_json()
    cid = r.get_json()["id"]
    naive = client.post(f"{API}/campaigns/{cid}/schedule", headers=h, json={"at": "2030-01-01T09:00:00"})
    assert naive.status_code == 422 and "at" in naive.get_json()["errors"]["json"]  # which zone? refused
    scheduled = client.post(f"{API}/campaigns/{cid}/schedule", headers=h, json={"at": "2030-01-01T11:00:00+02:00"})
    assert scheduled.get_json()["state"] == "scheduled"
    assert scheduled.get_json()["scheduled_at"] == "2030-01-01T09:00:00+00:00"
    assert client.post(f"{API}/campaigns/{cid}/send", headers=h).status_code == 202
    assert client.post(f"{API}/campaigns/{cid}/schedule", headers=h,
                       json={"at": "2030-01-01T09:00:00Z"}).status_code == 409
    listed = client.get(f"{API}/campaigns?limit=1", headers=h).get_json()
    assert [c["id"] for c in listed["items"]] == [cid] and listed["next_cursor"] is None
    run_jobs()
    stats = client.get(f"{API}/campaigns/{cid}/stats", headers=h).get_json()
    assert (stats["recipients"], stats["queued"], stats["skipped"]) == (5, 2, 3)
    assert stats["skip_reasons"] == {"no_consent": 1, "no_address": 1, "unsubscribed": 1, "frequency_cap": 0,
                                     "render_failed": 0, "withdrawn": 0}
    assert client.get(f"{API}/campaigns/{cid}", headers=h).get_json()["state"] == "done"


def test_scheduled_campaign_starts_when_due(mail_app, run_jobs, audience):
    from datetime import timedelta

    from core.db import utcnow
    from plugins.marketing.models import Campaign
    from plugins.marketing.sending import start_due_campaigns

    with mail_app.app_context():
        campaign = Campaign(name="Later", channel="email", segment_id=audience["segment"],
                            template_key="marketing.test_newsletter", state="scheduled",
                            scheduled_at=utcnow() + timedelta(hours=1))
        soon = Campaign(name="Now", channel="email", segment_id=audience["segment"],
                        template_key="marketing.test_newsletter", state="scheduled",
                        scheduled_at=utcnow() - timedelta(minutes=1))
        db.session.add_all([campaign, soon])
        db.session.commit()
        assert start_due_campaigns() == 1
        assert start_due_campaigns() == 0
        later_id, soon_id = campaign.id, soon.id
    run_jobs()
    with mail_app.app_context():
        assert db.session.get(Campaign, soon_id).state == "done"
        assert db.session.get(Campaign, later_id).state == "scheduled"


def test_record_rule_hides_other_users_campaigns(mail_app, client, login, make_user, audience):
    from plugins.marketing.models import Campaign

    with mail_app.app_context():
        campaign = Campaign(name="Admin's", channel="email", segment_id=audience["segment"],
                            template_key="marketing.test_newsletter", owner_id=1)
        db.session.add(campaign)
        db.session.commit()
        cid = campaign.id
    make_user("mk@example.com", roles=["Marketing user"])
    login("mk@example.com")
    assert client.get(f"/marketing/campaigns/{cid}").status_code == 404
    assert "Admin&#39;s" not in client.get("/marketing/").get_data(as_text=True)
    assert client.post(f"/marketing/campaigns/{cid}/send").status_code == 404


def test_ab_test_sends_the_better_subject_to_the_rest(mail_app, client, login, run_jobs, smtp_sink):
    from datetime import timedelta

    from core.db import utcnow
    from core.messaging import ensure_template
    from plugins.marketing.models import Campaign, Recipient, Segment
    from plugins.marketing.sending import decide_ab_tests

    with mail_app.app_context():
        for i in range(10):
            customer(f"Customer {i}", f"c{i}@example.com", consent={"email": True})
        newsletter_template()
        ensure_template("marketing.test_b", name="Variant B", source="marketing",
                        texts={"en": {"subject": "Last chance, {{ customer.first_name }}!", "body": "Sale ends."}})
        segment = Segment(name="All", kind="rules", rules=rules())
        db.session.add(segment)
        db.session.commit()
        sid = segment.id
    login()
    r = client.post("/marketing/campaigns/new", data={
        "name": "Subject test", "channel": "email", "segment_id": sid, "template_key": "marketing.test_newsletter",
        "ab_template_key": "marketing.test_b", "ab_sample_percent": "40", "ab_metric": "opens", "ab_wait_hours": "4"})
    assert r.status_code == 302, r.get_data(as_text=True)
    cid = int(r.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/marketing/campaigns/{cid}/send")
    run_jobs()
    with mail_app.app_context():
        campaign = db.session.get(Campaign, cid)
        assert campaign.state == "testing"
        variants = dict(db.session.execute(sa.select(Recipient.variant, sa.func.count()).where(
            Recipient.campaign_id == cid).group_by(Recipient.variant)).all())
        assert variants == {"a": 2, "b": 2, "": 6}
    _deliver(mail_app)
    assert len(smtp_sink.messages) == 4
    anonymous = mail_app.test_client()
    for m in smtp_sink.messages:
        if str(m.message["Subject"]).startswith("Last chance"):  # variant B is opened
            html = m.message.get_body(("html",)).get_content()
            anonymous.get(re.search(r'src="https://crm\.rapport\.test(/marketing/o/[^"]+)"', html).group(1))
    page = client.get(f"/marketing/campaigns/{cid}").get_data(as_text=True)
    assert "A/B test running" in page and "Pick the winner now" in page
    with mail_app.app_context():
        assert decide_ab_tests() == 0  # not yet: the test runs four hours
        assert decide_ab_tests(now=utcnow() + timedelta(hours=5)) == 1
        assert db.session.get(Campaign, cid).ab_winner == "b"
    run_jobs()
    _deliver(mail_app)
    subjects = [str(m.message["Subject"]) for m in smtp_sink.messages]
    assert len(subjects) == 10 and sum(s.startswith("Last chance") for s in subjects) == 8
    with mail_app.app_context():
        assert db.session.get(Campaign, cid).state == "done"


def test_sms_campaign_in_the_customers_language_with_a_stop_link(mail_app, client, login, run_jobs):
    from core.messaging.models import OutboxMessage
    from plugins.marketing.models import Segment

    with mail_app.app_context():
        customer("Ελένη Παππά", None, phone="+306901234567", language="el", consent={"sms": True})
        customer("Tom Jones", None, phone="+447911123456", language="en", consent={"email": True})  # not for SMS
        newsletter_template("marketing.test_sms", channel="sms")
        segment = Segment(name="All", kind="rules", rules=rules())
        db.session.add(segment)
        db.session.commit()
        sid = segment.id
    login()
    r = client.post("/marketing/campaigns/new", data={"name": "SMS", "channel": "sms", "segment_id": sid,
                                                      "template_key": "marketing.test_sms"})
    cid = int(r.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/marketing/campaigns/{cid}/send")
    run_jobs()
    with mail_app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage)).scalars().all()
        assert [m.recipient for m in rows] == ["+306901234567"]
        assert rows[0].body_text.startswith("Εκπτώσεις σήμερα, Ελένη!\nΔιακοπή: https://crm.rapport.test/marketing/u/")
    skipped = _recipients(mail_app, cid)
    assert sorted(r.skip_reason or "" for r in skipped.values()) == ["", "no_consent"]


def test_preview_as_a_customer_and_a_test_send_to_myself(mail_app, client, login, audience, smtp_sink):
    login()
    r = client.post("/marketing/campaigns/new", data={"name": "Preview", "channel": "email",
                                                      "segment_id": audience["segment"],
                                                      "template_key": "marketing.test_newsletter"})
    cid = int(r.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/marketing/campaigns/{cid}?preview_customer={audience['eleni']}").get_data(as_text=True)
    assert "Νέα για Ελένη Παππά" in page  # her language and her name
    assert client.post(f"/marketing/campaigns/{cid}/test",
                       data={"preview_customer": audience["dana"]}).status_code == 302
    _deliver(mail_app)
    [test] = smtp_sink.messages
    assert test.rcpt_tos == ["admin@example.com"] and str(test.message["Subject"]) == "[TEST] News for Dana Cohen"


def test_pause_stops_before_the_next_batch_and_resume_continues(mail_app, client, login, run_jobs, audience):
    from core.messaging.models import OutboxMessage

    login()
    r = client.post("/marketing/campaigns/new", data={"name": "Paused", "channel": "email",
                                                      "segment_id": audience["segment"],
                                                      "template_key": "marketing.test_newsletter"})
    cid = int(r.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/marketing/campaigns/{cid}/send")
    assert client.post(f"/marketing/campaigns/{cid}/pause").status_code == 302
    run_jobs()  # the job lists the recipients, sees the pause and stops before queuing anything
    with mail_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar() == 0
    page = client.get(f"/marketing/campaigns/{cid}").get_data(as_text=True)
    assert "Paused" in page and "Resume" in page
    assert client.post(f"/marketing/campaigns/{cid}/pause").status_code == 409
    assert client.post(f"/marketing/campaigns/{cid}/resume").status_code == 302
    run_jobs()
    with mail_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar() == 2
    assert "Finished" in client.get(f"/marketing/campaigns/{cid}").get_data(as_text=True)


def test_job_token_maker_signs_exactly_as_itsdangerous_and_tokens_read_back(app):
    """The campaign job's fast signer (keyed HMAC copied per token) must give the very tokens
    ``make_token`` (itsdangerous) gives, so links already sent keep working either way."""
    from plugins.marketing import tracking

    with app.app_context():
        for purpose in (tracking.CLICK, tracking.OPEN, tracking.UNSUBSCRIBE):
            make = tracking.token_maker(purpose)
            for rid, link in ((1, None), (987654321, None), (42, 7), (123456, 999999999)):
                token = make(rid, link)
                assert token == tracking.make_token(purpose, rid, link)
                assert tracking.read_token(purpose, token) == (rid, link)
        assert tracking.read_token(tracking.OPEN, tracking.token_maker(tracking.CLICK)(5, 6)) is None
        app.config["SECRET_KEY"] = "another secret"  # a new secret: new keys, old tokens refused
        assert tracking.token_maker(tracking.OPEN)(5) == tracking.make_token(tracking.OPEN, 5)
