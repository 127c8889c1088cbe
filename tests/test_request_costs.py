"""Per-request fixed work is done once per request (issue 17), and stays per request.

The dashboard renders each card with its own ``render_template``; each render runs the
context processors. The menu (every plugin asked for its items, each item's permission
checked and its address built) must be built once per request, not once per card — and
never carried over to the next request, which may be another user's.
"""
from __future__ import annotations

import pytest

from core.testing import login_client


@pytest.mark.plugins("sales", "service", "complaints")
def test_dashboard_builds_the_menu_once_and_shows_it(app, monkeypatch):
    from core.web import nav

    calls = []
    real = nav.menu_for

    def counting(user):
        calls.append(user.id)
        return real(user)

    monkeypatch.setattr(nav, "menu_for", counting)
    client = login_client(app.test_client())
    html = client.get("/").get_data(as_text=True)
    assert html.count("card") > 3, "the dashboard shows several cards (each rendered on its own)"
    assert len(calls) == 1
    assert "/customers/" in html and "/sales/" in html and "/service/" in html and "/complaints/" in html
    client.get("/customers/")
    assert len(calls) == 2, "the next request builds its own menu"


@pytest.mark.plugins("sales")
def test_menu_is_not_carried_to_another_users_request(app, make_user):
    make_user("reader@example.com", roles=["Read only"])
    admin = login_client(app.test_client())
    reader = login_client(app.test_client(), "reader@example.com")
    admin_html = admin.get("/customers/").get_data(as_text=True)
    reader_html = reader.get("/customers/").get_data(as_text=True)
    assert "/admin/users" in admin_html and "/sales/" in admin_html
    assert "/admin/users" not in reader_html and "/sales/" not in reader_html
    assert "/customers/" in reader_html


def _count_babel_lookups(monkeypatch) -> list:
    """Count Flask-Babel's own translations look-ups (context, locale, cache)."""
    import flask_babel

    calls = []
    real = flask_babel.Domain.get_translations

    def counting(self):
        calls.append(1)
        return real(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counting)
    return calls


def test_translations_are_looked_up_once_per_request(app, monkeypatch):
    """A page translates dozens of strings (Jinja's ``_``, lazy menu labels, views'
    ``gettext``); Flask-Babel's look-up runs once per request and locale, not per string."""
    client = login_client(app.test_client())
    client.get("/customers/")  # warm: catalogs loaded
    calls = _count_babel_lookups(monkeypatch)
    html = client.get("/customers/").get_data(as_text=True)
    assert "Log out" in html and "Customers" in html
    assert len(calls) == 1
    client.get("/customers/")
    assert len(calls) == 2, "the next request looks its translations up again"


def test_remembered_translations_follow_force_locale_and_language_changes(app, monkeypatch):
    """What is remembered is tied to the chosen locale: ``force_locale`` (jobs, emails to
    customers), ``refresh`` and another request with another language never see stale text."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext, lazy_gettext, refresh

    page = "{{ _('Log out') }}|{{ gettext('Customers') }}"
    client = login_client(app.test_client())
    client.post("/language", data={"lang": "el", "next": "/"})
    assert "Αποσύνδεση" in client.get("/customers/").get_data(as_text=True)
    with app.test_request_context("/", headers={"Accept-Language": "el"}):
        greek = render_template_string(page)
        assert greek.startswith("Αποσύνδεση|")
        assert gettext("Log out") == "Αποσύνδεση"
        with force_locale("he"):
            hebrew = render_template_string(page)
            assert hebrew != greek and not hebrew.startswith("Log out")
            assert str(lazy_gettext("Log out")) == hebrew.split("|")[0]
            with force_locale("en"):
                assert render_template_string(page) == "Log out|Customers"
            assert render_template_string(page) == hebrew
        assert render_template_string(page) == greek
        assert gettext("Log out") == "Αποσύνδεση"
    with app.test_request_context("/", headers={"Accept-Language": "lt"}) as ctx:
        lithuanian = render_template_string(page)
        assert lithuanian not in (greek, "Log out|Customers")
        ctx.request.environ["HTTP_ACCEPT_LANGUAGE"] = "en"
        ctx.request.__dict__.pop("accept_languages", None)
        refresh()  # Flask-Babel's way to re-select the locale within a request
        assert render_template_string(page) == "Log out|Customers"
