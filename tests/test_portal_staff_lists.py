"""The staff side of the portal beyond one customer: every portal account on one page
(search, status, last login, keyset pages, permission and record rules), and the review queue
through the API (list, accept, reject; 422 on wrong types, 404, 409)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db, utcnow
from core.testing import portal_account, portal_login

CUSTOMER_PASSWORD = "violet-harbour-tangent-92"


def _customer(name, email, language="el"):
    from core.customers.service import create_customer

    customer = create_customer({"name": name, "emails": [email], "preferred_language": language})
    db.session.commit()
    return customer.id


def _rows(html):
    import re

    return re.findall(r'data-account="(\d+)"', html)


def test_the_accounts_page_lists_searches_filters_and_pages(app, client, login, make_user):
    from core.portal import accounts as portal_accounts
    from core.portal.models import PortalAccount

    with app.app_context():
        zoe = _customer("Ζωή Παπαδοπούλου", "zoe@example.com")
        dana = _customer("דנה לוי", "dana@example.com", "he")
        jonas = _customer("Jonas Petraitis", "jonas@example.com", "lt")
    portal_account(app, zoe)
    portal_account(app, jonas)
    with app.app_context():
        from core.customers.models import Customer

        portal_accounts.invite(db.session.get(Customer, dana))  # invited: no password yet
        db.session.execute(sa.update(PortalAccount).where(PortalAccount.customer_id == jonas).values(active=False))
        db.session.execute(sa.update(PortalAccount).where(PortalAccount.customer_id == zoe)
                           .values(last_login_at=utcnow()))
        db.session.commit()
    login()
    nav = client.get("/").get_data(as_text=True)
    assert 'href="/admin/portal/accounts"' in nav
    page = client.get("/admin/portal/accounts").get_data(as_text=True)
    assert len(_rows(page)) == 3
    assert "Ζωή Παπαδοπούλου" in page and "dana@example.com" in page and "never" in page
    assert f'href="/customers/{zoe}#tab-portal"' in page
    assert page.count('data-status="closed"') == 1 and page.count('data-status="invited"') == 1
    # Search: a folded piece of the name (no accents, lower case), or of the email.
    found = client.get("/admin/portal/accounts", query_string={"q": "παπαδοπουλου"}).get_data(as_text=True)
    assert "Ζωή Παπαδοπούλου" in found and len(_rows(found)) == 1
    found = client.get("/admin/portal/accounts", query_string={"q": "DANA@"}).get_data(as_text=True)
    assert "דנה לוי" in found and len(_rows(found)) == 1
    assert len(_rows(client.get("/admin/portal/accounts", query_string={"q": "%"}).get_data(as_text=True))) == 0
    closed = client.get("/admin/portal/accounts", query_string={"status": "closed"}).get_data(as_text=True)
    assert _rows(closed) and "Jonas Petraitis" in closed and "Ζωή" not in closed
    active = client.get("/admin/portal/accounts", query_string={"status": "active"}).get_data(as_text=True)
    assert "Ζωή" in active and "Jonas" not in active and "דנה" not in active
    assert client.get("/admin/portal/accounts", query_string={"cursor": "nonsense"}).status_code == 404
    # Staff without portal.invite have neither the page nor the menu entry.
    make_user("viewer@example.com", permissions=["customers.view"])
    viewer = app.test_client()
    viewer.post("/login", data={"email": "viewer@example.com", "password": "correct horse battery"})
    assert viewer.get("/admin/portal/accounts").status_code == 403
    assert "/admin/portal/accounts" not in viewer.get("/").get_data(as_text=True)
    # A portal login reaches no staff page.
    customer = app.test_client()
    portal_login(customer, "zoe@example.com")
    assert customer.get("/admin/portal/accounts").status_code in (302, 401)


def test_the_accounts_page_pages_by_keyset(app, client, login, monkeypatch):
    from core.portal import directory

    monkeypatch.setattr(directory, "PAGE", 2)
    with app.app_context():
        ids = [_customer(f"Πελάτης {n}", f"c{n}@example.com") for n in range(5)]
    for customer_id in ids:
        portal_account(app, customer_id)
    login()
    seen, url = [], "/admin/portal/accounts"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += _rows(html)
        import re

        nxt = re.search(r'href="([^"]+)" rel="next"|rel="next" href="([^"]+)"', html)
        url = (nxt.group(1) or nxt.group(2)).replace("&amp;", "&") if nxt else None
    assert len(seen) == 5 and len(set(seen)) == 5 and seen == sorted(seen, key=int, reverse=True)


def _pending(app, customer_id, name):
    from core.portal.models import PortalChange

    customer = app.test_client()
    portal_login(customer, portal_account(app, customer_id, CUSTOMER_PASSWORD), CUSTOMER_PASSWORD)
    assert customer.post("/portal/account/details", data={"name": name, "emails": "zoe@example.com"}
                         ).status_code == 302
    with app.app_context():
        return db.session.execute(sa.select(PortalChange.id).where(PortalChange.customer_id == customer_id)
                                  ).scalar_one()


def test_review_queue_through_the_api(app, client, token_for, make_user):
    from core.customers.models import Customer
    from core.messaging.models import OutboxMessage

    with app.app_context():
        zoe = _customer("Ζωή Παπαδοπούλου", "zoe@example.com")
    change_id = _pending(app, zoe, "Ζωή Λάμπρου")
    headers = token_for()
    listed = client.get("/api/v1/portal/changes", headers=headers)
    assert listed.status_code == 200
    [item] = listed.get_json()["items"]
    assert item["id"] == change_id and item["customer_id"] == zoe and item["status"] == "pending"
    assert {"field": "name", "now": ["Ζωή Παπαδοπούλου"], "asked": ["Ζωή Λάμπρου"]} in item["differences"]
    assert client.get("/api/v1/portal/changes", query_string={"limit": "lots"}, headers=headers).status_code == 422
    assert client.get("/api/v1/portal/changes", query_string={"cursor": "x"}, headers=headers).status_code == 422
    assert client.post(f"/api/v1/portal/changes/{change_id}/reject", json={"reason": 5},
                       headers=headers).status_code == 422
    assert client.post("/api/v1/portal/changes/999999/accept", headers=headers).status_code == 404
    make_user("viewer@example.com", permissions=["customers.view"])
    assert client.post(f"/api/v1/portal/changes/{change_id}/accept",
                       headers=token_for("viewer@example.com")).status_code == 403
    accepted = client.post(f"/api/v1/portal/changes/{change_id}/accept", headers=headers)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    with app.app_context():
        assert db.session.get(Customer, zoe).name == "Ζωή Λάμπρου"
        mail = db.session.execute(sa.select(OutboxMessage).where(
            OutboxMessage.template_key == "portal.details_accepted")).scalar_one()
        assert mail.language == "el"
    assert client.post(f"/api/v1/portal/changes/{change_id}/accept", headers=headers).status_code == 409
    assert client.post(f"/api/v1/portal/changes/{change_id}/reject", json={}, headers=headers).status_code == 409
    assert client.get("/api/v1/portal/changes", headers=headers).get_json()["items"] == []


def test_rejecting_through_the_api_keeps_the_details_and_tells_the_customer(app, client, token_for):
    from core.customers.models import Customer
    from core.messaging.models import OutboxMessage

    with app.app_context():
        zoe = _customer("Ζωή Παπαδοπούλου", "zoe@example.com")
    change_id = _pending(app, zoe, "Someone Else")
    rejected = client.post(f"/api/v1/portal/changes/{change_id}/reject", json={"reason": "Όχι αυτή"},
                           headers=token_for())
    assert rejected.status_code == 200 and rejected.get_json()["reason"] == "Όχι αυτή"
    with app.app_context():
        assert db.session.get(Customer, zoe).name == "Ζωή Παπαδοπούλου"
        mail = db.session.execute(sa.select(OutboxMessage).where(
            OutboxMessage.template_key == "portal.details_rejected")).scalar_one()
        assert "Αιτία: Όχι αυτή" in mail.body_text


def test_self_sign_up_is_a_stored_staff_setting_over_the_environment_default(app, client, login, make_user):
    from core.portal.models import PortalSetting

    app.config["PORTAL_SIGNUP"] = False  # RAPPORT_PORTAL_SIGNUP unset
    public = app.test_client()
    assert public.get("/portal/signup").status_code == 404
    assert "Create an account" not in public.get("/portal/login").get_data(as_text=True)
    login()
    page = client.get("/admin/portal/accounts").get_data(as_text=True)
    assert 'data-signup="off"' in page and "Turn self sign-up on" in page
    assert client.post("/admin/portal/signup", data={"signup": "maybe"}).status_code == 400
    turned = client.post("/admin/portal/signup", data={"signup": "on"}, follow_redirects=True)
    assert "Customers can now sign up in the portal themselves." in turned.get_data(as_text=True)
    assert public.get("/portal/signup").status_code == 200
    assert "Create an account" in public.get("/portal/login").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PortalSetting, "signup").value is True
    # The stored choice wins over the environment both ways.
    app.config["PORTAL_SIGNUP"] = True
    client.post("/admin/portal/signup", data={"signup": "off"})
    assert public.get("/portal/signup").status_code == 404
    from core.testing import audit_entries

    assert [e["action"] for e in audit_entries(app, record_type="portal.setting")] == ["create", "update"]
    # Staff who may invite but not change settings see the state without the button, and cannot post.
    make_user("inviter@example.com", permissions=["customers.view", "portal.invite"])
    inviter = app.test_client()
    inviter.post("/login", data={"email": "inviter@example.com", "password": "correct horse battery"})
    page = inviter.get("/admin/portal/accounts").get_data(as_text=True)
    assert 'data-signup="off"' in page and "Turn self sign-up" not in page
    assert inviter.post("/admin/portal/signup", data={"signup": "on"}).status_code == 403
    assert public.get("/portal/signup").status_code == 404
