"""Issue 16, finding 9: no lost updates.

Two users edit the same customer: the second, from a stale form, used to silently
revert the first's change, and the API ignored ``If-Match``. Forms now carry the
record's version in a hidden field and the API sends an ``ETag``; a stale write is
refused (409 for the form, which shows what changed; 412 for the API) and saves nothing.
"""
from __future__ import annotations

import re

import pytest

from core.db import db


@pytest.fixture
def zoe(app):
    from core.customers.service import create_customer

    with app.app_context():
        c = create_customer({"name": "Zoë Papadopoulou", "notes": "Prefers mornings", "tags": ["vip"]})
        db.session.commit()
        return c.id


def _version(html) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)


def _form(version, **changes):
    data = {"kind": "person", "name": "Zoë Papadopoulou", "notes": "Prefers mornings", "tags": "vip",
            "version": version}
    data.update(changes)
    return data


def test_a_stale_form_does_not_revert_someone_elses_change(app, client, login, zoe):
    login()
    version = _version(client.get(f"/customers/{zoe}/edit").get_data(as_text=True))
    other = app.test_client()
    other.post("/login", data={"email": "admin@example.com", "password": "correct horse battery"})
    assert other.post(f"/customers/{zoe}/edit", data=_form(version, notes="Call after 18:00 only")).status_code == 302
    # The first user saves their stale form, changing only the name.
    r = client.post(f"/customers/{zoe}/edit", data=_form(version, name="Zoë Papadopoulou-Nikolaou"))
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "changed this customer while you were editing" in html
    assert "Call after 18:00 only" in html  # what the other user saved is shown
    assert 'value="Zoë Papadopoulou-Nikolaou"' in html  # what this user typed is kept
    from core.customers.models import Customer

    with app.app_context():
        c = db.session.get(Customer, zoe)
        assert (c.name, c.notes) == ("Zoë Papadopoulou", "Call after 18:00 only")
    # Saving again from the refreshed form (new version) is a deliberate overwrite and works.
    r = client.post(f"/customers/{zoe}/edit", data=_form(_version(html), name="Zoë Papadopoulou-Nikolaou",
                                                         notes="Call after 18:00 only"))
    assert r.status_code == 302


def test_api_etag_and_if_match(app, client, token_for, zoe):
    h = token_for()
    r = client.get(f"/api/v1/customers/{zoe}", headers=h)
    etag = r.headers["ETag"]
    assert etag
    r = client.patch(f"/api/v1/customers/{zoe}", headers={**h, "If-Match": etag}, json={"notes": "First"})
    assert r.status_code == 200 and r.headers["ETag"] != etag
    r = client.patch(f"/api/v1/customers/{zoe}", headers={**h, "If-Match": etag}, json={"notes": "Stale"})
    assert r.status_code == 412
    assert client.get(f"/api/v1/customers/{zoe}", headers=h).get_json()["notes"] == "First"


def test_api_without_if_match_still_works(app, client, token_for, zoe):
    h = token_for()
    assert client.patch(f"/api/v1/customers/{zoe}", headers=h, json={"notes": "No precondition"}).status_code == 200


def test_a_write_racing_past_the_check_is_refused_by_the_database(app, zoe):
    """Two sessions load the same version; the second flush matches no row (version moved on)."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    from core.customers.models import Customer

    with app.app_context():
        first, second = Session(db.engine), Session(db.engine)
        a, b = first.get(Customer, zoe), second.get(Customer, zoe)
        a.notes = "From the first"
        first.commit()
        b.notes = "From the second"
        with pytest.raises(StaleDataError):
            second.commit()
        second.rollback()
        first.close(), second.close()
