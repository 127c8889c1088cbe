"""Admin pages for users and roles; the user's own profile (password, API tokens)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.testing import ADMIN_EMAIL, PASSWORD, login_client


def _role_id(app, name):
    from core.auth.models import Role
    from core.db import db

    with app.app_context():
        return db.session.execute(sa.select(Role.id).where(Role.name == name)).scalar_one()


def _user(app, email):
    from core.auth.models import User
    from core.db import db

    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


# -- users ----------------------------------------------------------------------------------


def test_admin_creates_a_user_with_roles(app, client, login):
    login()
    staff, readonly = _role_id(app, "Staff"), _role_id(app, "Read only")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'value="%d"' % staff in form and "Read only" in form
    r = client.post("/admin/users/new", data={
        "email": "Eleni@Example.com", "name": "Ελένη Παπαδοπούλου", "password": "a long secret",
        "active": "y", "roles": [staff, readonly]})
    assert r.status_code == 302
    user = _user(app, "eleni@example.com")
    assert user.name == "Ελένη Παπαδοπούλου" and sorted(r.name for r in user.roles) == ["Read only", "Staff"]
    page = client.get("/admin/users").get_data(as_text=True)
    assert "eleni@example.com" in page and "Ελένη Παπαδοπούλου" in page
    other = login_client(app.test_client(), "eleni@example.com", "a long secret")
    assert other.get("/customers/").status_code == 200
    assert other.get("/admin/users").status_code == 403


def test_user_form_rejects_bad_input_and_keeps_it(app, client, login):
    login()
    r = client.post("/admin/users/new", data={"email": "not-an-email", "name": "Kept Name", "password": "short"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'value="Kept Name"' in html and "is-invalid" in html
    r = client.post("/admin/users/new", data={"email": ADMIN_EMAIL, "name": "Clash", "password": "a long secret"})
    assert r.status_code == 422 and "Another user has this email." in r.get_data(as_text=True)
    r = client.post("/admin/users/new", data={"email": "nopass@example.com", "name": "No password"})
    assert r.status_code == 422
    assert _user(app, "nopass@example.com") is None


def test_admin_edits_and_deactivates_a_user(app, client, login, make_user):
    user_id = make_user("temp@example.com", roles=["Staff"])
    login()
    r = client.post(f"/admin/users/{user_id}", data={"email": "temp@example.com", "name": "Temp", "roles": []})
    assert r.status_code == 302
    user = _user(app, "temp@example.com")
    assert user.active is False and user.roles == []
    r = app.test_client().post("/login", data={"email": "temp@example.com", "password": PASSWORD})
    assert r.status_code == 200  # deactivated: cannot log in
    assert client.get("/admin/users/99999").status_code == 404


# -- roles ----------------------------------------------------------------------------------


@pytest.mark.plugins("sales")
def test_admin_creates_and_edits_roles_with_plugin_permissions(app, client, login, make_user):
    login()
    form = client.get("/admin/roles/new").get_data(as_text=True)
    assert 'value="sales.manager"' in form and 'value="customers.view"' in form
    r = client.post("/admin/roles/new", data={"name": "Team lead", "description": "Leads",
                                               "permissions": ["customers.view", "sales.manager"]})
    assert r.status_code == 302
    role_id = _role_id(app, "Team lead")
    assert "Team lead" in client.get("/admin/roles").get_data(as_text=True)
    r = client.post(f"/admin/roles/{role_id}", data={"name": "Team lead", "permissions": ["customers.view"]})
    assert r.status_code == 302
    from core.auth.models import Role
    from core.db import db

    with app.app_context():
        assert db.session.get(Role, role_id).permissions == ["customers.view"]
    # The permission takes effect on the user's next request.
    make_user("lead@example.com", roles=["Team lead"])
    lead = login_client(app.test_client(), "lead@example.com")
    assert lead.get("/customers/").status_code == 200
    client.post(f"/admin/roles/{role_id}", data={"name": "Team lead", "permissions": []})
    assert lead.get("/customers/").status_code == 403


def test_role_form_errors(app, client, login):
    login()
    r = client.post("/admin/roles/new", data={"name": "", "permissions": ["customers.view"]})
    assert r.status_code == 422
    r = client.post("/admin/roles/new", data={"name": "Staff"})
    assert r.status_code == 422 and "Another role has this name." in r.get_data(as_text=True)
    r = client.post("/admin/roles/new", data={"name": "Bogus", "permissions": ["no.such.permission"]})
    assert r.status_code == 422
    assert client.get("/admin/roles/99999").status_code == 404


def test_admin_role_cannot_be_edited(app, client, login):
    login()
    admin_id = _role_id(app, "admin")
    r = client.post(f"/admin/roles/{admin_id}", data={"name": "admin", "permissions": []}, follow_redirects=True)
    assert "cannot be changed" in r.get_data(as_text=True)
    r = client.post(f"/admin/roles/{admin_id}", data={"name": "not-admin-any-more", "permissions": []})
    from core.auth.models import Role
    from core.db import db

    with app.app_context():
        role = db.session.get(Role, admin_id)
        assert role.name == "admin" and role.is_admin
    assert client.get("/admin/plugins").status_code == 200  # still an admin


# -- profile: password --------------------------------------------------------------------


def test_password_change(app, client, login):
    login()
    r = client.post("/profile/password", data={"current": "wrong password", "new": "a brand new secret",
                                               "confirm": "a brand new secret"})
    assert r.status_code == 422 and "The current password is wrong." in r.get_data(as_text=True)
    r = client.post("/profile/password", data={"current": PASSWORD, "new": "short", "confirm": "short"})
    assert r.status_code == 422
    r = client.post("/profile/password", data={"current": PASSWORD, "new": "a brand new secret",
                                               "confirm": "another secret!!"})
    assert r.status_code == 422 and "The two passwords differ." in r.get_data(as_text=True)
    assert app.test_client().post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD}).status_code == 302

    r = client.post("/profile/password", data={"current": PASSWORD, "new": "a brand new secret",
                                               "confirm": "a brand new secret"}, follow_redirects=True)
    assert "Your password was changed." in r.get_data(as_text=True)
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD}).status_code == 200
    assert fresh.post("/login", data={"email": ADMIN_EMAIL, "password": "a brand new secret"}).status_code == 302


# -- profile: API tokens ------------------------------------------------------------------


def test_token_created_on_profile_works_until_revoked(app, client, login):
    login()
    r = client.post("/profile/tokens", data={"name": "my script"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    token = re.search(r'id="new-token"[^>]*>([^<]+)<', html).group(1).strip()
    assert token.startswith("rpt_") and "my script" in html
    assert token not in client.get("/profile").get_data(as_text=True)  # shown once
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/customers", headers=headers).status_code == 200

    from core.auth.models import ApiToken
    from core.db import db

    with app.app_context():
        token_id = db.session.execute(sa.select(ApiToken.id).where(ApiToken.name == "my script")).scalar_one()
    r = client.post(f"/profile/tokens/{token_id}/revoke", follow_redirects=True)
    assert "The token was revoked." in r.get_data(as_text=True)
    assert api.get("/api/v1/customers", headers=headers).status_code == 401


def test_token_name_required_and_others_tokens_untouchable(app, client, login, make_user, token_for):
    login()
    r = client.post("/profile/tokens", data={"name": ""}, follow_redirects=True)
    assert "Give the token a name" in r.get_data(as_text=True)
    make_user("other@example.com", roles=["Staff"])
    headers = token_for("other@example.com")
    from core.auth.models import ApiToken
    from core.db import db

    with app.app_context():
        other_token = db.session.execute(sa.select(ApiToken.id).join(ApiToken.user).where(
            ApiToken.name == "test")).scalar_one()
    assert client.post(f"/profile/tokens/{other_token}/revoke").status_code == 404
    assert app.test_client().get("/api/v1/customers", headers=headers).status_code == 200
