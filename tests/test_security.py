"""Security of the web shell: CSRF, access rules, login rate limit, cookies, headers, escaping."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.routing import FloatConverter, IntegerConverter

from core.security import access_rule
from core.testing import ADMIN_EMAIL, PASSWORD

SKIP_ENDPOINTS = ("static", "bootstrap.static")


def _url_for_rule(rule) -> str:
    """A concrete URL for a rule, with placeholder values for its arguments."""
    url = rule.rule
    for arg in rule.arguments:
        numeric = isinstance(rule._converters[arg], (IntegerConverter, FloatConverter))  # core's IdConverter too
        value = "1" if numeric else "x"
        url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", value, url)
    return url


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _web_post_rules(app):
    api = app.extensions["rapport"].api_blueprints
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if "POST" in rule.methods and blueprint not in api and not rule.rule.startswith("/api/"):
            yield rule


def test_every_state_changing_form_needs_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    rules = list(_web_post_rules(app))
    assert {"/login", "/logout", "/admin/plugins/<name>/enable"} <= {r.rule for r in rules}
    anonymous = app.test_client()
    client = app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302  # with the token, login works
    for rule in rules:
        url = _url_for_rule(rule)
        for who in (anonymous, client):
            r = who.post(url, data={"name": "x", "email": "x@example.com"})
            assert r.status_code == 400, (url, r.status_code)
            assert b"CSRF" in r.data or b"csrf" in r.data.lower() or b"expired" in r.data.lower(), url
    # Still logged in: the refused POST /logout did nothing.
    assert client.get("/").status_code == 200


def test_api_needs_no_csrf_but_a_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post("/api/v1/customers", json={"name": "X"}).status_code == 401


def test_every_view_declares_an_access_rule(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or rule.endpoint.endswith(".static") or rule.endpoint.startswith("api-docs."):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if access_rule(view, method) is None:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "views without @public/@login_required/@requires:\n" + "\n".join(missing)


def test_only_a_few_views_are_public(app):
    public = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or rule.endpoint.endswith(".static"):
            continue
        view = app.view_functions[rule.endpoint]
        if any(access_rule(view, m) == "__public__" for m in rule.methods - {"HEAD", "OPTIONS"}):
            public.add(rule.endpoint.split(".")[0] if rule.endpoint.startswith("api-docs.") else rule.endpoint)
    assert public <= {"auth.login", "web.set_language", "api-docs"}, public


def test_pages_redirect_anonymous_users_to_login(app):
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS or rule.endpoint.endswith(".static"):
            continue
        if rule.rule.startswith("/api/") or rule.endpoint == "auth.login":
            continue
        r = client.get(_url_for_rule(rule))
        assert r.status_code in (302, 404), (rule.rule, r.status_code)
        if r.status_code == 302:
            assert "/login" in r.headers["Location"], rule.rule


def test_login_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    limit = int(app.config["LOGIN_ACCOUNT_LIMIT"].split()[0])
    client = app.test_client()
    for _ in range(limit):
        r = client.post("/login", data={"email": ADMIN_EMAIL, "password": "wrong password"})
        assert r.status_code == 200
    r = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert r.status_code == 429  # even the right password, until the window passes
    assert client.get("/login").status_code == 200  # showing the form is not limited


def test_session_cookie_flags_in_tests(client):
    r = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_by_default(make_app, monkeypatch, tmp_path):
    from core.config import default_config

    monkeypatch.delenv("RAPPORT_INSECURE_COOKIES", raising=False)
    defaults = default_config(str(tmp_path))
    assert defaults["SESSION_COOKIE_SECURE"] is True and defaults["REMEMBER_COOKIE_SECURE"] is True
    assert defaults["SESSION_COOKIE_HTTPONLY"] is True and defaults["SESSION_COOKIE_SAMESITE"] == "Lax"
    monkeypatch.setenv("RAPPORT_INSECURE_COOKIES", "1")
    assert default_config(str(tmp_path))["SESSION_COOKIE_SECURE"] is False

    app = make_app(SESSION_COOKIE_SECURE=True)
    r = app.test_client().post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD},
                               base_url="https://localhost")
    cookie = r.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_security_headers_everywhere(client, login):
    pages = ["/login"]
    for url in pages:
        _check_headers(client.get(url))
    login()
    for url in ["/", "/customers/", "/admin/users", "/admin/plugins", "/profile", "/nonexistent"]:
        r = client.get(url)
        _check_headers(r)
        assert r.headers["Cache-Control"] == "no-store", url  # private pages are not cached


def _check_headers(r):
    csp = r.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.plugins()
def test_no_inline_script_or_event_handlers(client, login):
    login()
    for url in ["/", "/customers/", "/customers/new", "/activities", "/catalog/", "/admin/users",
                "/admin/users/new", "/admin/roles", "/admin/roles/new", "/admin/plugins", "/profile", "/search?q=a"]:
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), url


def test_user_without_permission_gets_403_on_admin_pages(client, login, make_user):
    make_user("staff@example.com", roles=["Staff"])
    login("staff@example.com")
    for url in ["/admin/users", "/admin/users/new", "/admin/users/1", "/admin/roles", "/admin/roles/new",
                "/admin/plugins"]:
        assert client.get(url).status_code == 403, url
    for url in ["/admin/users/new", "/admin/roles/new", "/admin/plugins/sales/enable", "/admin/plugins/sales/disable"]:
        assert client.post(url, data={"name": "x"}).status_code == 403, url
    # The menu does not offer what the user cannot open.
    html = client.get("/").get_data(as_text=True)
    assert "/admin/users" not in html and "/admin/plugins" not in html


def test_users_page_escapes_user_data(app, client, login, make_user):
    make_user("evil@example.com", name='<script>alert("x")</script><img src=x onerror=alert(1)>')
    login()
    html = client.get("/admin/users").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_inactive_user_cannot_log_in(app, client, make_user):
    from core.auth.models import User
    from core.db import db

    user_id = make_user("gone@example.com")
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    r = client.post("/login", data={"email": "gone@example.com", "password": PASSWORD})
    assert r.status_code == 200 and b"Wrong email or password" in r.data


def test_login_next_cannot_leave_the_site(client):
    for target in ["//evil.example/", "https://evil.example/", "/\\evil.example"]:
        r = client.post(f"/login?next={target}", data={"email": ADMIN_EMAIL, "password": PASSWORD})
        assert r.status_code == 302
        location = r.headers["Location"]  # a path on this site (Werkzeug encodes "\\" as %5C)
        assert location.startswith("/") and not location.startswith(("//", "/\\")), (target, location)
        assert "://" not in location, (target, location)
        client.post("/logout")


def test_logout_needs_post(client, login):
    login()
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_password_hashes_are_argon2(app):
    from core.auth.models import User
    from core.db import db

    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == ADMIN_EMAIL)).scalar_one()
        assert user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash


def test_login_page_works_with_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": token}).status_code == 302
    token = _csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302
