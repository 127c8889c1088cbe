"""Issue 16, findings 4 and 6: login throttling per account and per address, proxy
headers only when configured, HSTS and Secure cookies behind a proxy, and the same
work for unknown and known emails.

Before: one limit per address (so ten wrong passwords for one account locked every
other account at that address, and behind a proxy every user shared one address),
X-Forwarded-For ignored, and an unknown email answered without hashing anything
(9 ms against 191 ms: which emails exist could be timed).
"""
from __future__ import annotations

import pytest

from core.testing import ADMIN_EMAIL, PASSWORD


def _fail(client, email, **kw):
    return client.post("/login", data={"email": email, "password": "not the password"}, **kw)


def _ok(client, email, **kw):
    return client.post("/login", data={"email": email, "password": PASSWORD}, **kw)


@pytest.fixture
def limited(make_app):
    return make_app(RATELIMIT_ENABLED=True, LOGIN_ACCOUNT_LIMIT="5 per 15 minutes",
                    LOGIN_ADDRESS_LIMIT="12 per 15 minutes")


def _user(app, email):
    from core.auth.models import User
    from core.db import db

    with app.app_context():
        user = User(email=email, name=email)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()


def test_a_locked_account_does_not_lock_another_account_at_the_same_address(limited):
    _user(limited, "other@example.com")
    client = limited.test_client()
    for _ in range(5):
        assert _fail(client, ADMIN_EMAIL).status_code == 200
    assert _ok(client, ADMIN_EMAIL).status_code == 429  # this account waits
    assert _ok(limited.test_client(), "other@example.com").status_code == 302  # the next one does not


def test_the_account_limit_holds_across_addresses(limited):
    for n in range(5):
        assert _fail(limited.test_client(), ADMIN_EMAIL, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code == 200
    r = _ok(limited.test_client(), ADMIN_EMAIL, environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert r.status_code == 429  # a new address gets no fresh guesses at the same account


def test_the_account_key_ignores_case_and_spaces(limited):
    client = limited.test_client()
    for email in ("Admin@Example.com", " admin@example.com", "ADMIN@EXAMPLE.COM", "admin@example.com ", ADMIN_EMAIL):
        _fail(client, email)
    assert _ok(client, ADMIN_EMAIL).status_code == 429


def test_the_address_limit_counts_guesses_at_many_accounts(limited):
    client = limited.test_client()
    for n in range(12):
        assert _fail(client, f"nobody{n}@example.com").status_code == 200
    assert _ok(client, ADMIN_EMAIL).status_code == 429  # this address sprayed enough
    assert _ok(limited.test_client(), ADMIN_EMAIL, environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 302


def test_successful_logins_do_not_count(limited):
    client = limited.test_client()
    for _ in range(8):
        assert _ok(client, ADMIN_EMAIL).status_code == 302
        client.post("/logout")
    assert _ok(client, ADMIN_EMAIL).status_code == 302


def test_proxy_headers_are_ignored_unless_configured(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_ACCOUNT_LIMIT="50 per minute", LOGIN_ADDRESS_LIMIT="3 per minute")
    client = app.test_client()
    for n in range(3):
        _fail(client, f"x{n}@example.com", headers={"X-Forwarded-For": f"203.0.113.{n}"})
    # Without RAPPORT_PROXY_COUNT a client cannot pick its address by sending a header.
    assert _ok(client, ADMIN_EMAIL, headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    r = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in r.headers


def test_behind_a_configured_proxy_each_client_has_its_own_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_ACCOUNT_LIMIT="50 per minute", LOGIN_ADDRESS_LIMIT="3 per minute",
                   PROXY_COUNT=1)
    client = app.test_client()  # every request comes from the proxy's own address
    for n in range(3):
        _fail(client, f"x{n}@example.com", headers={"X-Forwarded-For": "203.0.113.5"})
    assert _ok(client, ADMIN_EMAIL, headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 429
    assert _ok(client, ADMIN_EMAIL, headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 302


def test_https_behind_a_configured_proxy_gets_hsts_and_secure_cookies(make_app):
    app = make_app(PROXY_COUNT=1, SESSION_COOKIE_SECURE=False)
    client = app.test_client()
    headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    r = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD}, headers=headers)
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in r.headers["Set-Cookie"]  # HTTPS: Secure even where plain HTTP is allowed
    r = app.test_client().post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD},
                               headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in r.headers and "Secure" not in r.headers["Set-Cookie"]


def test_https_directly_gets_hsts_and_secure_cookies(make_app):
    app = make_app(SESSION_COOKIE_SECURE=False)
    r = app.test_client().post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD},
                               base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in r.headers["Set-Cookie"]


@pytest.fixture
def verifications(monkeypatch):
    """Counts argon2 verifications (the expensive step whose absence could be timed)."""
    from argon2 import PasswordHasher

    calls = []
    original = PasswordHasher.verify

    def counting(self, hash, password):
        calls.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def test_unknown_email_costs_one_hash_check_like_a_known_one(app, client, verifications):
    _fail(client, ADMIN_EMAIL)
    assert len(verifications) == 1
    _fail(client, "nobody@example.com")
    assert len(verifications) == 2  # a dummy hash is checked: same work, same time


def test_inactive_account_costs_one_hash_check(app, client, make_user, verifications):
    from core.auth.models import User
    from core.db import db

    uid = make_user("gone@example.com")
    with app.app_context():
        db.session.get(User, uid).active = False
        db.session.commit()
    verifications.clear()
    r = _ok(client, "gone@example.com")
    assert r.status_code == 200 and b"Wrong email or password" in r.data
    assert len(verifications) == 1


def test_limiter_storage_follows_the_redis_setting(monkeypatch, tmp_path):
    from core.config import default_config

    monkeypatch.delenv("RAPPORT_RATELIMIT_STORAGE", raising=False)
    monkeypatch.delenv("RAPPORT_REDIS_URL", raising=False)
    assert default_config(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("RAPPORT_REDIS_URL", "redis://127.0.0.1:6390/0")
    assert default_config(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6390/0"
    monkeypatch.setenv("RAPPORT_RATELIMIT_STORAGE", "memory://")
    assert default_config(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "memory://"


def test_two_workers_share_the_count_through_redis(make_app, redis_url):
    """Two apps (two workers) on one Redis: failures on one lock the account on the other."""
    config = dict(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url, LOGIN_ACCOUNT_LIMIT="4 per minute",
                  LOGIN_ADDRESS_LIMIT="100 per minute")
    first, second = make_app(**config), make_app(**config)
    for _ in range(4):
        assert _fail(first.test_client(), ADMIN_EMAIL).status_code == 200
    assert _ok(second.test_client(), ADMIN_EMAIL).status_code == 429
