"""The customer portal's accounts and shell: invitations, logins, links, sessions kept apart
from staff, view-as, the portal hooks and scoped_to (issue 11, slice 1)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import (
    PASSWORD, portal_account, portal_links_sent, portal_login, portal_probe, portal_routes,
)

pytestmark = pytest.mark.plugins(extra=["portaltest_plugin"])

CUSTOMER_PASSWORD = "violet-harbour-tangent-92"


def _customer(name="Ζωή Παπαδοπούλου", email="zoe@example.com", language="el", company_id=None):
    from core.customers.service import create_customer

    data = {"name": name, "emails": [email] if email else [], "preferred_language": language}
    if company_id:
        data["company_id"] = company_id
    customer = create_customer(data)
    db.session.commit()
    return customer.id


def _entry(customer_id, subject):
    from core.history.service import log_event

    row = log_event(customer_id, "portaltest.note", source="portaltest", subject=subject)
    db.session.commit()
    return row.id


def _enable_portaltest(app):
    from core.plugin_ops import enable_plugin

    with app.app_context():
        enable_plugin("portaltest")
        db.session.commit()


@pytest.fixture
def portal_app(app):
    _enable_portaltest(app)
    app.config["PORTAL_PUBLIC_URL"] = "https://portal.example.com"
    return app


def _page(response):
    """The page a person sees: the CSRF tokens in its forms carry the second they were signed
    (Flask-WTF), so two answers a second apart differ there and nowhere a reader looks."""
    return re.sub(r'(<input[^>]*name="csrf_token"[^>]*value=")[^"]+"', r'\1…"', response.get_data(as_text=True))


def _history_kinds(app, customer_id):
    from core.history.models import Interaction

    with app.app_context():
        return [(r.kind, r.channel) for r in db.session.execute(
            sa.select(Interaction).where(Interaction.customer_id == customer_id).order_by(Interaction.id)).scalars()]


# -- invitation ----------------------------------------------------------------------------------


def test_invitation_from_the_customer_page_sets_a_password_once_and_logs_in(portal_app, client, login):
    from core.messaging.models import OutboxMessage

    with portal_app.app_context():
        customer_id = _customer()
    login()
    page = client.get(f"/customers/{customer_id}")
    assert "Invite to the portal" in page.get_data(as_text=True)
    answer = client.post(f"/customers/{customer_id}/portal/invite", data={"portal-email": "zoe@example.com"})
    assert answer.status_code == 302
    with portal_app.app_context():
        mail = db.session.execute(sa.select(OutboxMessage)).scalar_one()
        assert mail.recipient == "zoe@example.com" and mail.language == "el"
        assert mail.subject == "Η πρόσβασή σας στην πύλη πελατών"
        assert "Γεια σας Ζωή" in mail.body_text
    [link] = portal_links_sent(portal_app, "portal.invitation")
    assert link.startswith("https://portal.example.com/portal/welcome/")
    path = link.removeprefix("https://portal.example.com")

    customer = portal_app.test_client()
    form = customer.get(path)
    assert form.status_code == 200 and "zoe@example.com" in form.get_data(as_text=True)
    weak = customer.post(path, data={"new": "password1", "confirm": "password1"})
    assert weak.status_code == 422
    done = customer.post(path, data={"new": CUSTOMER_PASSWORD, "confirm": CUSTOMER_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/portal/")
    home = customer.get("/portal/")
    assert home.status_code == 200
    assert 'lang="el"' in home.get_data(as_text=True)  # the customer's preferred language
    # The link worked once.
    assert portal_app.test_client().get(path).status_code == 404
    assert ("portal.invited", "email") in _history_kinds(portal_app, customer_id)


def test_invitation_refuses_an_address_that_is_not_the_customers(portal_app, client, login):
    from core.messaging.models import OutboxMessage

    with portal_app.app_context():
        customer_id = _customer()
    login()
    client.post(f"/customers/{customer_id}/portal/invite", data={"portal-email": "intruder@example.com"})
    with portal_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar() == 0


def test_inviting_again_kills_the_earlier_link(portal_app, runner):
    with portal_app.app_context():
        customer_id = _customer()
    first = runner.invoke(args=["portal", "invite", str(customer_id), "zoe@example.com"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["portal", "invite", str(customer_id)])
    assert second.exit_code == 0 and "zoe@example.com" in second.output
    old, new = portal_links_sent(portal_app, "portal.invitation")
    client = portal_app.test_client()
    assert client.get(old.removeprefix("https://portal.example.com")).status_code == 404
    assert client.get(new.removeprefix("https://portal.example.com")).status_code == 200
    bad = runner.invoke(args=["portal", "invite", str(customer_id), "someone@else.example"])
    assert bad.exit_code != 0 and "not one of the customer's email addresses" in bad.output


def test_invitation_through_the_api(portal_app, client, token_for, make_user):
    with portal_app.app_context():
        customer_id = _customer(language="he", email="dana@example.com")
    headers = token_for()
    made = client.post("/api/v1/portal/invitations", json={"customer_id": customer_id}, headers=headers)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["email"] == "dana@example.com" and body["has_password"] is False
    wrong = client.post("/api/v1/portal/invitations", json={"customer_id": customer_id, "email": "x@example.com"},
                        headers=headers)
    assert wrong.status_code == 422 and "email" in str(wrong.get_json())
    assert client.post("/api/v1/portal/invitations", json={"customer_id": 999999},
                       headers=headers).status_code == 404
    make_user("viewer@example.com", permissions=["customers.view"])
    denied = client.post("/api/v1/portal/invitations", json={"customer_id": customer_id},
                         headers=token_for("viewer@example.com"))
    assert denied.status_code == 403
    with portal_app.app_context():
        from core.messaging.models import OutboxMessage

        mail = db.session.execute(sa.select(OutboxMessage)).scalar_one()
        assert mail.language == "he" and mail.subject == "הגישה שלך לפורטל הלקוחות"


# -- logging in ------------------------------------------------------------------------------------


def test_login_does_not_tell_which_addresses_have_accounts(portal_app, client):
    with portal_app.app_context():
        customer_id = _customer()
    email = portal_account(portal_app, customer_id, CUSTOMER_PASSWORD)
    wrong_password = portal_login(client, email, "not-the-password-123")
    unknown = portal_login(client, "nobody@example.com", "not-the-password-123")
    assert wrong_password.status_code == unknown.status_code == 422
    assert "Wrong email or password." in wrong_password.get_data(as_text=True)
    assert "Wrong email or password." in unknown.get_data(as_text=True)
    ok = portal_login(client, email, CUSTOMER_PASSWORD)
    assert ok.status_code == 302
    assert client.get("/portal/").status_code == 200


def test_login_is_rate_limited_per_account(make_app):
    app = make_app(extra=["portaltest_plugin"], RATELIMIT_ENABLED=True, LOGIN_ACCOUNT_LIMIT="3 per hour")
    with app.app_context():
        customer_id = _customer()
    email = portal_account(app, customer_id, CUSTOMER_PASSWORD)
    client = app.test_client()
    for _ in range(3):
        assert portal_login(client, email, "wrong-password-000").status_code == 422
    assert portal_login(client, email, CUSTOMER_PASSWORD).status_code == 429
    other = app.test_client()  # another account from the same address is not locked out
    with app.app_context():
        other_id = _customer(name="Jonas", email="jonas@example.com", language="lt")
    portal_account(app, other_id, CUSTOMER_PASSWORD)
    assert portal_login(other, "jonas@example.com", CUSTOMER_PASSWORD).status_code == 302


def test_portal_and_staff_sessions_never_mix(portal_app, client, login):
    with portal_app.app_context():
        customer_id = _customer()
    email = portal_account(portal_app, customer_id, CUSTOMER_PASSWORD)
    assert portal_login(client, email, CUSTOMER_PASSWORD).status_code == 302
    cookies = {c.key: c for c in client._cookies.values()}
    assert cookies["rapport_portal"].path == "/portal"
    # Staff pages, admin and the API answer as for anonymous.
    for path in ("/", "/customers/", f"/customers/{customer_id}", "/admin/users"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], path
        assert "/portal" not in answer.headers["Location"]
    assert client.get("/api/v1/customers").status_code == 401
    # A staff login does not reach the portal either, nor end the customer's portal session.
    staff = portal_app.test_client()
    staff.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert staff.get("/customers/").status_code == 200
    answer = staff.get("/portal/")
    assert answer.status_code == 302 and "/portal/login" in answer.headers["Location"]
    assert client.get("/portal/").status_code == 200


def test_logout_ends_the_session_on_the_server(portal_app, client):
    with portal_app.app_context():
        customer_id = _customer()
    email = portal_account(portal_app, customer_id, CUSTOMER_PASSWORD)
    portal_login(client, email, CUSTOMER_PASSWORD)
    copied = client.get_cookie("rapport_portal", path="/portal").value
    assert client.post("/portal/logout").status_code == 302
    thief = portal_app.test_client()
    thief.set_cookie("rapport_portal", copied, path="/portal")
    answer = thief.get("/portal/")
    assert answer.status_code == 302 and "/portal/login" in answer.headers["Location"]


# -- password reset and magic links ---------------------------------------------------------------


def _outbox_count(app):
    from core.messaging.models import OutboxMessage

    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar()


def test_password_reset_answers_the_same_for_unknown_addresses_and_works_once(portal_app, client, run_jobs):
    from core.messaging.models import OutboxMessage

    with portal_app.app_context():
        customer_id = _customer(language="lt", name="Jonas Jonaitis", email="jonas@example.com")
    email = portal_account(portal_app, customer_id, CUSTOMER_PASSWORD)
    other_browser = portal_app.test_client()
    portal_login(other_browser, email, CUSTOMER_PASSWORD)
    unknown = client.post("/portal/reset", data={"email": "nobody@example.com"})
    known = client.post("/portal/reset", data={"email": "Jonas@Example.com"})
    assert unknown.status_code == known.status_code == 200
    assert _page(unknown) == _page(known)
    # The request did the same work for both: the lookup and the email wait for a worker.
    assert _outbox_count(portal_app) == 0
    run_jobs()
    with portal_app.app_context():
        [mail] = db.session.execute(sa.select(OutboxMessage)).scalars().all()
        assert mail.language == "lt" and mail.subject == "Portalo slaptažodžio atkūrimas"
    [link] = portal_links_sent(portal_app, "portal.password_reset")
    path = link.removeprefix("https://portal.example.com")
    new_password = "copper-lantern-mosaic-41"
    assert client.post(path, data={"new": new_password, "confirm": new_password}).status_code == 302
    assert client.get(path).status_code == 404  # used up
    # Other sessions ended; the old password is gone, the new one works.
    assert other_browser.get("/portal/").status_code == 302
    fresh = portal_app.test_client()
    assert portal_login(fresh, email, CUSTOMER_PASSWORD).status_code == 422
    assert portal_login(fresh, email, new_password).status_code == 302


def test_magic_link_logs_in_on_a_button_press_once(portal_app, client, run_jobs):
    with portal_app.app_context():
        customer_id = _customer()
    email = portal_account(portal_app, customer_id, CUSTOMER_PASSWORD)
    unknown = client.post("/portal/magic", data={"email": "nobody@example.com"})
    known = client.post("/portal/magic", data={"email": email})
    assert unknown.status_code == known.status_code == 200 and _page(unknown) == _page(known)
    assert _outbox_count(portal_app) == 0
    run_jobs()
    [link] = portal_links_sent(portal_app, "portal.magic_link")
    path = link.removeprefix("https://portal.example.com")
    opened = client.get(path)  # a mail scanner following the link logs nobody in
    assert opened.status_code == 200
    assert client.get("/portal/").status_code == 302
    assert client.post(path).status_code == 302
    assert client.get("/portal/").status_code == 200
    assert portal_app.test_client().post(path).status_code == 404


def test_magic_links_can_be_turned_off(portal_app, client):
    portal_app.config["PORTAL_MAGIC_LINKS"] = False
    assert client.get("/portal/magic").status_code == 404
    assert "email link" not in client.get("/portal/login").get_data(as_text=True)


def test_closed_account_cannot_log_in_and_its_sessions_end(portal_app, client, login):
    with portal_app.app_context():
        customer_id = _customer()
    email = portal_account(portal_app, customer_id, CUSTOMER_PASSWORD)
    customer = portal_app.test_client()
    portal_login(customer, email, CUSTOMER_PASSWORD)
    login()
    assert client.post(f"/customers/{customer_id}/portal/deactivate").status_code == 302
    assert customer.get("/portal/").status_code == 302
    assert portal_login(portal_app.test_client(), email, CUSTOMER_PASSWORD).status_code == 422


# -- view as customer --------------------------------------------------------------------------------


def test_staff_view_as_customer_is_read_only(portal_app, client, login, make_user):
    with portal_app.app_context():
        customer_id = _customer()
        entry_id = _entry(customer_id, "Boiler serviced")
    make_user("clerk@example.com", permissions=["customers.view"])
    login("clerk@example.com")
    assert client.post(f"/customers/{customer_id}/portal/view-as").status_code == 403
    client.post("/logout")
    login()
    handover = client.post(f"/customers/{customer_id}/portal/view-as")
    assert handover.status_code == 302 and "/portal/view-as/" in handover.headers["Location"]
    assert client.get(handover.headers["Location"]).status_code == 302
    home = client.get("/portal/")
    assert home.status_code == 200 and "portal-viewing" in home.get_data(as_text=True)  # the read-only banner
    assert "Boiler serviced" in client.get(f"/portal/portaltest/entries/{entry_id}").get_data(as_text=True)
    assert client.post(f"/portal/portaltest/entries/{entry_id}/thanks").status_code == 403
    assert client.post("/portal/account/password", data={}).status_code == 403
    # The staff session itself is untouched.
    assert client.get("/customers/").status_code == 200
    # A hand-over link is signed: a forged or tampered one opens nothing.
    assert portal_app.test_client().get("/portal/view-as/forged").status_code == 404


# -- hooks and scoping -----------------------------------------------------------------------------


def test_portal_hooks_menu_items_cards_and_blueprints(portal_app, client):
    """register_portal_blueprints, portal_menu_items and portal_cards, from the test plugin."""
    with portal_app.app_context():
        customer_id = _customer()
        entry_id = _entry(customer_id, "Filter changed")
    email = portal_account(portal_app, customer_id, CUSTOMER_PASSWORD)
    portal_login(client, email, CUSTOMER_PASSWORD)
    home = client.get("/portal/").get_data(as_text=True)
    assert 'href="/portal/portaltest/entries"' in home  # the menu item
    assert "Entries of Ζωή Παπαδοπούλου" in home  # the card
    assert "Broken card" not in home  # a card that raises is left out, the page still works
    assert "Filter changed" in client.get(f"/portal/portaltest/entries/{entry_id}").get_data(as_text=True)
    # A staff-marked view in the portal's URL space is never served there.
    assert client.get(f"/portal/portaltest/staff-only/{customer_id}").status_code == 404
    # A disabled plugin's portal pages answer 404 and leave the menu.
    from core.plugin_ops import disable_plugin

    with portal_app.app_context():
        disable_plugin("portaltest")
        db.session.commit()
    assert client.get("/portal/portaltest/entries").status_code == 404
    assert "/portal/portaltest/entries" not in client.get("/portal/").get_data(as_text=True)


def test_portal_activity_lands_in_the_history_on_the_portal_channel(portal_app, client):
    with portal_app.app_context():
        customer_id = _customer()
        entry_id = _entry(customer_id, "Filter changed")
    email = portal_account(portal_app, customer_id, CUSTOMER_PASSWORD)
    portal_login(client, email, CUSTOMER_PASSWORD)
    assert client.post(f"/portal/portaltest/entries/{entry_id}/thanks").status_code == 302
    assert ("portaltest.thanked", "portal") in _history_kinds(portal_app, customer_id)


def test_every_portal_url_answers_404_for_another_customers_ids(portal_app, client):
    with portal_app.app_context():
        mine = _customer()
        theirs = _customer(name="Dana Levi", email="dana@example.com", language="he")
        _entry(mine, "mine")
        for n in range(3):
            _entry(theirs, f"theirs {n}")
    email = portal_account(portal_app, mine, CUSTOMER_PASSWORD)
    portal_account(portal_app, theirs, CUSTOMER_PASSWORD)
    portal_login(client, email, CUSTOMER_PASSWORD)
    assert any("portaltest" in r.rule for r in portal_routes(portal_app))
    assert portal_probe(client, portal_app, mine, theirs) == []


def test_company_records_only_when_staff_granted_them(portal_app, client, login):
    from core.customers.service import create_customer

    with portal_app.app_context():
        company = create_customer({"name": "Ολυμπος ΑΕ", "kind": "company"})
        db.session.commit()
        company_id = company.id
        person = _customer(company_id=company_id)
        company_entry = _entry(company_id, "Company contract renewed")
    email = portal_account(portal_app, person, CUSTOMER_PASSWORD)
    customer = portal_app.test_client()
    portal_login(customer, email, CUSTOMER_PASSWORD)
    assert customer.get(f"/portal/portaltest/entries/{company_entry}").status_code == 404
    login()
    assert client.post(f"/customers/{person}/portal/company-access").status_code == 302
    assert "Company contract renewed" in customer.get(
        f"/portal/portaltest/entries/{company_entry}").get_data(as_text=True)


def test_every_portal_form_needs_its_csrf_token(make_app):
    app = make_app(extra=["portaltest_plugin"], WTF_CSRF_ENABLED=True)
    _enable_portaltest(app)
    with app.app_context():
        customer_id = _customer()
        entry_id = _entry(customer_id, "x")
    email = portal_account(app, customer_id, CUSTOMER_PASSWORD)
    client = app.test_client()
    page = client.get("/portal/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert portal_login(client, email, CUSTOMER_PASSWORD).status_code == 400  # no token
    assert client.post("/portal/login", data={"email": email, "password": CUSTOMER_PASSWORD,
                                              "csrf_token": token}).status_code == 302
    for rule in portal_routes(app):
        if "POST" not in rule.methods:
            continue
        values = {a: entry_id if "id" in a else "token" for a in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        assert client.post(path, data={}).status_code == 400, path


def test_language_change_in_the_portal_changes_the_customers_language(portal_app, client):
    from core.customers.models import Customer

    with portal_app.app_context():
        customer_id = _customer(language="el")
    email = portal_account(portal_app, customer_id, CUSTOMER_PASSWORD)
    portal_login(client, email, CUSTOMER_PASSWORD)
    assert client.post("/portal/language", data={"lang": "fa", "next": "/portal/account"}).status_code == 302
    page = client.get("/portal/account").get_data(as_text=True)
    assert 'dir="rtl"' in page and 'lang="fa"' in page
    with portal_app.app_context():
        assert db.session.get(Customer, customer_id).preferred_language == "fa"
    # A "next" outside the portal is not followed.
    answer = client.post("/portal/language", data={"lang": "fa", "next": "https://evil.example/"})
    assert answer.headers["Location"].endswith("/portal/")


# -- account: details for review, consent and language at once ----------------------------------------


def test_changed_details_wait_for_staff_who_see_a_diff_and_accept(portal_app, client, login):
    from core.customers.models import Customer

    with portal_app.app_context():
        customer_id = _customer()
    email = portal_account(portal_app, customer_id, CUSTOMER_PASSWORD)
    customer = portal_app.test_client()
    portal_login(customer, email, CUSTOMER_PASSWORD)
    bad = customer.post("/portal/account/details", data={"name": "Ζωή Π.", "emails": "not an email",
                                                         "addresses-0-street": "Ερμού 1"})
    assert bad.status_code == 422
    sent = customer.post("/portal/account/details", data={
        "name": "Ζωή Παπαδοπούλου-Λάμπρου", "emails": "zoe@example.com\nzoe.work@example.com", "phones": "",
        "addresses-0-street": "Ερμού 12", "addresses-0-postcode": "10563", "addresses-0-city": "Αθήνα",
        "addresses-0-country": "gr"})
    assert sent.status_code == 302
    with portal_app.app_context():
        assert db.session.get(Customer, customer_id).name == "Ζωή Παπαδοπούλου"  # not yet
    assert "data-pending-change" in customer.get("/portal/account").get_data(as_text=True)  # the notice
    login()
    assert "Portal changes to review" in client.get("/").get_data(as_text=True)
    queue = client.get("/customers/portal-changes").get_data(as_text=True)
    assert "<ins><bdi>Ζωή Παπαδοπούλου-Λάμπρου</bdi></ins>" in queue
    assert "<del><bdi>Ζωή Παπαδοπούλου</bdi></del>" in queue
    assert "<ins><bdi>zoe.work@example.com</bdi></ins>" in queue and "Ερμού 12, 10563, Αθήνα, GR" in queue
    from core.portal.models import PortalChange

    with portal_app.app_context():
        change_id = db.session.execute(sa.select(PortalChange.id)).scalar_one()
    assert client.post(f"/customers/portal-changes/{change_id}/accept").status_code == 302
    with portal_app.app_context():
        saved = db.session.get(Customer, customer_id)
        assert saved.name == "Ζωή Παπαδοπούλου-Λάμπρου"
        assert [e.email for e in saved.emails] == ["zoe@example.com", "zoe.work@example.com"]
        assert saved.addresses[0].city == "Αθήνα"
    assert client.post(f"/customers/portal-changes/{change_id}/accept").status_code == 302  # decided: no change
    assert ("portal.details_submitted", "portal") in _history_kinds(portal_app, customer_id)


def test_rejected_change_keeps_what_is_saved(portal_app, client, login):
    from core.customers.models import Customer
    from core.portal.models import PortalChange

    with portal_app.app_context():
        customer_id = _customer()
    customer = portal_app.test_client()
    portal_login(customer, portal_account(portal_app, customer_id, CUSTOMER_PASSWORD), CUSTOMER_PASSWORD)
    customer.post("/portal/account/details", data={"name": "Someone Else", "emails": "zoe@example.com"})
    with portal_app.app_context():
        change_id = db.session.execute(sa.select(PortalChange.id)).scalar_one()
    login()
    assert client.post(f"/customers/portal-changes/{change_id}/reject", data={"reason": "Not her"}).status_code == 302
    with portal_app.app_context():
        assert db.session.get(Customer, customer_id).name == "Ζωή Παπαδοπούλου"
        assert db.session.get(PortalChange, change_id).status == "rejected"
    # Staff without customers.edit have no queue.
    from core.testing import PASSWORD as STAFF_PASSWORD

    with portal_app.app_context():
        from core.auth.models import Role, User

        role = Role(name="Viewer", permissions=["customers.view"])
        viewer = User(email="viewer@example.com", roles=[role])
        viewer.set_password(STAFF_PASSWORD)
        db.session.add_all([role, viewer])
        db.session.commit()
    other = portal_app.test_client()
    other.post("/login", data={"email": "viewer@example.com", "password": STAFF_PASSWORD})
    assert other.get("/customers/portal-changes").status_code == 403


def test_consent_and_language_change_at_once(portal_app, client):
    from core.customers.models import Customer
    from core.portal.changes import consents_of

    with portal_app.app_context():
        customer_id = _customer(language="el")
    portal_login(client, portal_account(portal_app, customer_id, CUSTOMER_PASSWORD), CUSTOMER_PASSWORD)
    answer = client.post("/portal/account/preferences", data={"consent_email": "y", "language": "lt"})
    assert answer.status_code == 302
    with portal_app.app_context():
        customer = db.session.get(Customer, customer_id)
        assert customer.preferred_language == "lt"
        assert consents_of(customer) == {"email": True, "sms": False}
    assert 'lang="lt"' in client.get("/portal/account").get_data(as_text=True)
    assert ("portal.preferences_changed", "portal") in _history_kinds(portal_app, customer_id)


# -- self sign-up -----------------------------------------------------------------------------------


def test_sign_up_is_off_unless_the_business_turns_it_on(portal_app, client):
    assert client.get("/portal/signup").status_code == 404
    assert "Create an account" not in client.get("/portal/login").get_data(as_text=True)


def test_sign_up_confirms_the_address_before_anything_exists(portal_app, client, run_jobs):
    from core.customers.models import Customer, CustomerEmail
    from core.messaging.models import OutboxMessage

    portal_app.config["PORTAL_SIGNUP"] = True
    with portal_app.app_context():
        existing = _customer(name="Jonas Jonaitis", email="jonas@example.com", language="lt")
        portal_account(portal_app, existing, CUSTOMER_PASSWORD)
    assert "Create an account" in client.get("/portal/login").get_data(as_text=True)
    new = client.post("/portal/signup", data={"name": "Δανάη Κ.", "email": "danai@example.com"})
    taken = client.post("/portal/signup", data={"name": "Someone", "email": "jonas@example.com"})
    assert new.status_code == taken.status_code == 200
    assert _page(new) == _page(taken)  # no enumeration
    assert _outbox_count(portal_app) == 0  # nor any difference in the request's work
    run_jobs()
    with portal_app.app_context():
        assert db.session.execute(sa.select(CustomerEmail).where(CustomerEmail.email == "danai@example.com")
                                  ).first() is None  # nothing stored before the link is followed
        templates = db.session.execute(sa.select(OutboxMessage.template_key).order_by(OutboxMessage.id)).scalars().all()
        assert templates == ["portal.verify_email", "portal.password_reset"]  # the taken address gets a reset link
    [link] = portal_links_sent(portal_app, "portal.verify_email")
    path = link.removeprefix("https://portal.example.com")
    assert client.post(path, data={"new": CUSTOMER_PASSWORD, "confirm": CUSTOMER_PASSWORD}).status_code == 302
    assert client.get("/portal/").status_code == 200
    with portal_app.app_context():
        customer = db.session.execute(sa.select(Customer).where(Customer.name == "Δανάη Κ.")).scalar_one()
        assert customer.primary_email == "danai@example.com"
    assert portal_app.test_client().get(path).status_code == 404  # the link worked once
    assert ("portal.signed_up", "portal") in _history_kinds(portal_app, customer.id)


def test_sign_up_with_the_address_of_a_known_customer_joins_that_customer(portal_app, client, run_jobs):
    from core.portal.models import PortalAccount

    portal_app.config["PORTAL_SIGNUP"] = True
    with portal_app.app_context():
        customer_id = _customer()
    client.post("/portal/signup", data={"name": "Zoe", "email": "ZOE@example.com"})
    run_jobs()
    [link] = portal_links_sent(portal_app, "portal.verify_email")
    client.post(link.removeprefix("https://portal.example.com"), data={"new": CUSTOMER_PASSWORD,
                                                                       "confirm": CUSTOMER_PASSWORD})
    with portal_app.app_context():
        account = db.session.execute(sa.select(PortalAccount)).scalar_one()
        assert account.customer_id == customer_id and account.origin == "signup" and account.verified_at


def test_what_a_customer_sends_to_plugin_pages_is_rate_limited(make_app):
    app = make_app(extra=["portaltest_plugin"], RATELIMIT_ENABLED=True, PORTAL_POST_LIMIT="2 per hour")
    _enable_portaltest(app)
    with app.app_context():
        customer_id = _customer()
        entry_id = _entry(customer_id, "x")
    client = app.test_client()
    portal_login(client, portal_account(app, customer_id, CUSTOMER_PASSWORD), CUSTOMER_PASSWORD)
    for _ in range(2):
        assert client.post(f"/portal/portaltest/entries/{entry_id}/thanks").status_code == 302
    assert client.post(f"/portal/portaltest/entries/{entry_id}/thanks").status_code == 429
    assert client.get(f"/portal/portaltest/entries/{entry_id}").status_code == 200  # reading is not limited


def test_erasure_removes_the_portal_account_and_what_was_submitted(portal_app, client):
    from core.customers.deletion import erase_customer
    from core.customers.models import Customer
    from core.portal.models import PortalAccount, PortalChange, PortalSession

    with portal_app.app_context():
        customer_id = _customer()
    email = portal_account(portal_app, customer_id, CUSTOMER_PASSWORD)
    portal_login(client, email, CUSTOMER_PASSWORD)
    client.post("/portal/account/details", data={"name": "Zoe P.", "emails": "zoe@example.com"})
    with portal_app.app_context():
        erase_customer(db.session.get(Customer, customer_id))
        db.session.commit()
        for model in (PortalAccount, PortalSession, PortalChange):
            assert db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar() == 0, model
    assert client.get("/portal/").status_code == 302  # the session is gone with the account
    assert portal_login(portal_app.test_client(), email, CUSTOMER_PASSWORD).status_code == 422


# -- audit ------------------------------------------------------------------------------------------


def test_portal_logins_and_account_changes_are_in_the_audit_log(portal_app, client, login):
    from core.testing import audit_entries

    with portal_app.app_context():
        customer_id = _customer()
    login()
    client.post(f"/customers/{customer_id}/portal/invite", data={"portal-email": "zoe@example.com"})
    created = audit_entries(portal_app, record_type="portal.account", action="create")
    assert len(created) == 1 and created[0]["customer_id"] == customer_id
    [link] = portal_links_sent(portal_app, "portal.invitation")
    customer = portal_app.test_client()
    customer.post(link.removeprefix("https://portal.example.com"),
                  data={"new": CUSTOMER_PASSWORD, "confirm": CUSTOMER_PASSWORD})
    changed = audit_entries(portal_app, record_type="portal.account", action="update")
    assert changed and "password_hash" in changed[-1]["changes"]
    assert "argon2" not in str(changed)  # the secret itself is never recorded
    logins = audit_entries(portal_app, record_type="portal.account", action="login")
    assert len(logins) == 1 and logins[0]["detail"]["via"] == "invite"
    portal_login(portal_app.test_client(), "zoe@example.com", "wrong-password-123")
    failed = audit_entries(portal_app, record_type="portal.account", action="login_failed")
    assert failed and failed[0]["detail"]["email"] == "zoe@example.com" and failed[0]["user_id"] is None
    customer.post("/portal/logout")
    assert audit_entries(portal_app, record_type="portal.account", action="logout")


def test_links_sent_in_the_background_point_at_the_address_the_customer_used(app, run_jobs):
    """Without RAPPORT_PUBLIC_URL the link carries the host of the request that asked for it,
    although a worker builds it."""
    app.config["PORTAL_PUBLIC_URL"] = None
    with app.app_context():
        customer_id = _customer(email="eleni@example.com")
    portal_account(app, customer_id, CUSTOMER_PASSWORD)
    browser = app.test_client()
    assert browser.post("/portal/reset", data={"email": "eleni@example.com"},
                        base_url="https://crm.shop.test").status_code == 200
    run_jobs()
    [link] = portal_links_sent(app, "portal.password_reset")
    assert link.startswith("https://crm.shop.test/portal/reset/")
