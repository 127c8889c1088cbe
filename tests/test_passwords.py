"""Issue 16, finding 10: one password rule for the CLI, the admin form and the profile.

``aaaaaaaaaa``, ``password12``, the email itself and ten spaces were all accepted
(a user created with ten spaces could never log in).
"""
from __future__ import annotations

import pytest

from core.testing import ADMIN_EMAIL, PASSWORD

WEAK = {
    "repeated letter": "aaaaaaaaaa",
    "common password": "password12",
    "keyboard walk": "qwertyuiop",
    "l33t common password": "P@ssw0rd123",
    "ten spaces": " " * 10,
    "short": "x7#Kq",
    "padded short": "   x7#Kq   ",
}
STRONG = "violet tractor mango 7"


@pytest.mark.parametrize("label", list(WEAK))
def test_cli_refuses_weak_passwords(runner, label):
    result = runner.invoke(args=["users", "create", "nikos@example.com", "--password", WEAK[label]])
    assert result.exit_code != 0, label
    assert "Error" in result.output


def test_cli_refuses_the_email_as_password(runner):
    for password in ("nikos@example.com", "NIKOS@example.com!!", "nikos-secret-99"):
        result = runner.invoke(args=["users", "create", "nikos@example.com", "--password", password])
        assert result.exit_code != 0 and "email" in result.output, password


def test_cli_accepts_a_strong_password(runner, client):
    result = runner.invoke(args=["users", "create", "nikos@example.com", "--password", STRONG])
    assert result.exit_code == 0, result.output
    assert client.post("/login", data={"email": "nikos@example.com", "password": STRONG}).status_code == 302


@pytest.mark.parametrize("label", list(WEAK))
def test_admin_form_refuses_weak_passwords(app, client, login, label):
    login()
    r = client.post("/admin/users/new", data={"email": "eleni@example.com", "name": "Eleni", "password": WEAK[label]})
    assert r.status_code == 422, label
    from core.auth.models import User
    from core.db import db

    with app.app_context():
        assert db.session.query(User).filter_by(email="eleni@example.com").count() == 0


def test_admin_form_refuses_the_email_and_name(app, client, login):
    login()
    for password in ("eleni@example.com", "ELENI@EXAMPLE.COM 2024"):
        r = client.post("/admin/users/new", data={"email": "eleni@example.com", "name": "Eleni", "password": password})
        assert r.status_code == 422 and "must not contain your email" in r.get_data(as_text=True)


def test_admin_edit_cannot_set_blank_password(app, client, login, make_user):
    uid = make_user("kostas@example.com")
    login()
    r = client.post(f"/admin/users/{uid}", data={"email": "kostas@example.com", "name": "K", "active": "y",
                                                 "password": " " * 12})
    assert r.status_code == 422
    assert app.test_client().post("/login", data={"email": "kostas@example.com",
                                                  "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("label", list(WEAK))
def test_profile_refuses_weak_passwords(client, login, label):
    login()
    r = client.post("/profile/password", data={"current": PASSWORD, "new": WEAK[label], "confirm": WEAK[label]})
    assert r.status_code == 422, label


def test_profile_refuses_own_email(client, login):
    login()
    r = client.post("/profile/password", data={"current": PASSWORD, "new": ADMIN_EMAIL, "confirm": ADMIN_EMAIL})
    assert r.status_code == 422 and "must not contain your email" in r.get_data(as_text=True)


def test_profile_accepts_strong_password(app, client, login):
    login()
    r = client.post("/profile/password", data={"current": PASSWORD, "new": STRONG, "confirm": STRONG})
    assert r.status_code == 302
    assert app.test_client().post("/login", data={"email": ADMIN_EMAIL, "password": STRONG}).status_code == 302


def test_the_rule_is_translated(client, login):
    login()
    client.post("/language", data={"lang": "el"})
    r = client.post("/profile/password", data={"current": PASSWORD, "new": "password12", "confirm": "password12"})
    assert r.status_code == 422
    assert "too easy to guess" not in r.get_data(as_text=True)


def test_minimum_length_is_configurable(make_app):
    app = make_app(PASSWORD_MIN_LENGTH=16)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "nikos@example.com", "--password", "violet tractor!"])
    assert result.exit_code != 0 and "16" in result.output
