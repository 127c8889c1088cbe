"""``bench.http_floor``'s rungs (b)–(d) through the test client: each answers 200 at the size
asked, behind the customer list's access rule (issue 17).

Only that the ladder serves what it says is checked here; its figures are measurements.
"""
from __future__ import annotations

from core.testing import login_client


def test_floor_rungs_answer_at_the_asked_size_behind_the_list_rule(app, make_user):
    from bench.http_floor import floor_blueprint

    app.register_blueprint(floor_blueprint(30_000, 3))
    admin = login_client(app.test_client())
    layout = None
    for rung in ("b", "c", "d"):
        first, second = admin.get(f"/_floor/{rung}"), admin.get(f"/_floor/{rung}")
        assert first.status_code == second.status_code == 200
        assert len(first.data) == len(second.data) == 30_000, rung
        if rung == "c":
            layout = first.get_data(as_text=True)
    assert 'href="/customers/"' in layout and "Log out" in layout  # the real base layout, menu included
    assert app.test_client().get("/_floor/b").status_code == 302  # not logged in: to the login page
    make_user("nobody@example.com", roles=[])
    assert login_client(app.test_client(), "nobody@example.com").get("/_floor/d").status_code == 403
