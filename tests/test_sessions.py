"""Issue 16, finding 5: sessions end on the server, not only in the browser.

Before, a session cookie copied before logout still worked afterwards, and a password
change left every other session logged in. Each test replays a cookie the way an
attacker who copied it would.
"""
from __future__ import annotations

import sqlalchemy as sa

from core.testing import ADMIN_EMAIL, PASSWORD

NEW_PASSWORD = "violet tractor mango 7"


def _login(app, email=ADMIN_EMAIL, password=PASSWORD):
    client = app.test_client()
    r = client.post("/login", data={"email": email, "password": password})
    assert r.status_code == 302
    return client


def _copy(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _logged_in(client) -> bool:
    return client.get("/profile").status_code == 200


def test_logout_ends_the_session_wherever_it_is_replayed(app):
    browser = _login(app)
    thief = _copy(app, browser)
    assert _logged_in(thief)
    browser.post("/logout")
    assert not _logged_in(browser)
    assert not _logged_in(thief)


def test_logout_ends_only_that_session(app):
    laptop, phone = _login(app), _login(app)
    laptop.post("/logout")
    assert _logged_in(phone)


def test_password_change_ends_every_other_session(app):
    laptop, phone = _login(app), _login(app)
    thief = _copy(app, phone)
    r = laptop.post("/profile/password", data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    assert _logged_in(laptop)  # the one who changed it stays in
    assert not _logged_in(phone) and not _logged_in(thief)


def test_log_out_everywhere(app):
    laptop, phone = _login(app), _login(app)
    thief = _copy(app, laptop)
    html = laptop.get("/profile").get_data(as_text=True)
    assert "Log out everywhere" in html
    r = laptop.post("/profile/sessions/end-all")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert not any(_logged_in(c) for c in (laptop, phone, thief))
    assert _logged_in(_login(app))  # logging in again works


def test_profile_lists_the_sessions(app):
    _login(app)
    laptop = _login(app)
    html = laptop.get("/profile").get_data(as_text=True)
    assert html.count('data-session-row') == 2 and "This browser" in html


def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(app, make_user):
    from core.auth.models import User
    from core.db import db

    uid = make_user("maria@example.com")
    maria = _login(app, "maria@example.com")
    admin = _login(app)
    r = admin.post(f"/admin/users/{uid}", data={"email": "maria@example.com", "name": "Maria"})  # active unticked
    assert r.status_code == 302
    assert not _logged_in(maria)
    with app.app_context():
        db.session.get(User, uid).active = True
        db.session.commit()
    assert not _logged_in(maria)


def test_admin_setting_a_password_ends_that_users_sessions(app, make_user):
    uid = make_user("maria@example.com")
    maria = _login(app, "maria@example.com")
    admin = _login(app)
    r = admin.post(f"/admin/users/{uid}", data={"email": "maria@example.com", "name": "Maria", "active": "y",
                                                 "password": NEW_PASSWORD})
    assert r.status_code == 302
    assert not _logged_in(maria)
    assert _logged_in(admin)


def test_a_session_not_made_by_a_login_is_refused(app):
    """A cookie carrying only a user id (as every cookie did before) logs nobody in."""
    client = _login(app)
    with client.session_transaction() as session:
        session["_user_id"] = session["_user_id"].split(":")[0]  # "1": a validly signed id, no session key
    assert not _logged_in(client)


def test_sessions_are_stored_hashed(app):
    from core.auth.models import UserSession
    from core.db import db

    client = _login(app)
    with app.app_context():
        rows = db.session.execute(sa.select(UserSession)).scalars().all()
        assert len(rows) == 1 and len(rows[0].key_hash) == 64
    with client.session_transaction() as session:
        key = session["_user_id"].split(":", 1)[1]
    assert key != rows[0].key_hash and len(key) >= 32
