"""The web shell: login, access control, security headers, language and direction."""
import pytest


def test_login_page_renders(client):
    r = client.get("/login")
    assert r.status_code == 200
    assert b"Log in" in r.data


def test_pages_require_login(client):
    r = client.get("/")
    assert r.status_code == 302
    assert "/login" in r.headers["Location"]


def test_login_and_dashboard(client, login):
    login()
    r = client.get("/")
    assert r.status_code == 200
    assert b"Dashboard" in r.data


def test_wrong_password_is_refused(client):
    r = client.post("/login", data={"email": "admin@example.com", "password": "nope"})
    assert r.status_code == 200
    assert b"Wrong email or password" in r.data
    assert client.get("/").status_code == 302


def test_security_headers(client):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_hebrew_is_right_to_left(client, login):
    login()
    client.post("/language", data={"lang": "he", "next": "/"})
    r = client.get("/")
    assert b'dir="rtl"' in r.data and b'lang="he"' in r.data
    client.post("/language", data={"lang": "en", "next": "/"})
    assert b'dir="ltr"' in client.get("/").data


def test_plugins_page_lists_installed(client, login):
    login()
    r = client.get("/admin/plugins")
    assert r.status_code == 200
