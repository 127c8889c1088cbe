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
