"""Issue 16, finding 2: no ``next=`` may send the browser to another site.

Browsers drop tabs and newlines inside a URL and read ``\\`` as ``/``, so every target
below would land on evil.example if it were echoed into ``Location``. Each entry
point that takes a ``next`` is tried with each of them.
"""
from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest

from core.testing import ADMIN_EMAIL, PASSWORD
from core.web.redirects import is_safe_path
from core.l10n import local_today

HOSTILE = [
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "\t//evil.example/",
    " //evil.example/",
    "/\x00/evil.example",
    "/\u200b/evil.example",
    "javascript:alert(1)",
    "http:/evil.example",
    "/\x7f/evil.example",
]


def _browser_would_go_offsite(location: str) -> bool:
    """What a browser does with ``Location``: strip tabs/newlines, read ``\\`` as ``/``."""
    repaired = "".join(ch for ch in location if ch not in "\t\r\n").strip().replace("\\", "/")
    parts = urlsplit(repaired)
    return bool(parts.scheme or parts.netloc) or repaired.startswith("//")


@pytest.mark.parametrize("target", HOSTILE)
def test_helper_refuses_what_a_browser_would_take_offsite(target):
    assert not is_safe_path(target)


@pytest.mark.parametrize("target", ["/", "/customers/?q=%C3%A9&x=1", "/customers/12#timeline", "/sales/?owner=me"])
def test_helper_keeps_local_paths(target):
    assert is_safe_path(target)


@pytest.mark.parametrize("target", HOSTILE)
def test_login_next(client, target):
    r = client.post("/login", query_string={"next": target}, data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert r.status_code == 302
    assert not _browser_would_go_offsite(r.headers["Location"]), r.headers["Location"]
    assert r.headers["Location"] == "/"


def test_login_next_exactly_as_reported(client):
    """The report's URL, percent-encoded tab and all (Werkzeug decodes it to a real tab)."""
    r = client.post("/login?next=/%09/evil.example/", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert r.headers["Location"] == "/"


def test_login_next_local_path_is_kept(client):
    r = client.post("/login", query_string={"next": "/customers/?q=a"},
                    data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert r.headers["Location"] == "/customers/?q=a"


@pytest.mark.parametrize("target", HOSTILE)
def test_language_next(client, target):
    r = client.post("/language", data={"lang": "el", "next": target})
    assert r.status_code == 302
    assert not _browser_would_go_offsite(r.headers["Location"]), r.headers["Location"]


@pytest.mark.parametrize("action", ["done", "undo"])
@pytest.mark.parametrize("target", HOSTILE)
def test_follow_up_done_and_undo_next(app, client, login, action, target):
    from core.customers.service import create_customer
    from core.db import db
    from core.history.service import schedule_activity

    with app.app_context():
        customer = create_customer({"name": "Redirected"})
        db.session.flush()
        activity = schedule_activity(customer.id, summary="Call back", due_date=local_today(), assignee_id=1)
        db.session.commit()
        activity_id = activity.id
    login()
    r = client.post(f"/activities/{activity_id}/{action}", data={"next": target})
    assert r.status_code == 302
    assert not _browser_would_go_offsite(r.headers["Location"]), r.headers["Location"]
