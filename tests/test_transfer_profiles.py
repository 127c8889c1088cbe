"""Saved mappings on the upload page: deleting one (its owner or an administrator, after a
confirmation, with CSRF), and the last one each user chose being selected again."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from core.testing import login_client

IMPORTER = ["customers.view", "customers.import"]


def _file(header="Όνομα,Courriel") -> bytes:
    return f"{header}\r\nΕλένη Παπαδοπούλου,eleni@example.gr\r\n".encode()


def _upload(client, profile: str = "") -> str:
    """Upload a file choosing ``profile`` ("" = match by names); the mapping page's URL."""
    response = client.post("/transfer/import/customers",
                           data={"file": (io.BytesIO(_file()), "pelates.csv"), "profile": profile},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _save_profile(client, name: str) -> None:
    """Upload, map by hand and save the mapping as ``name`` (the mapping page's form)."""
    mapping_url = _upload(client)
    response = client.post(mapping_url, data={"col-0": "name", "col-1": "emails", "encoding": "utf-8",
                                              "delimiter": ",", "language": "el", "on_duplicate": "skip",
                                              "profile_name": name})
    assert response.status_code == 302, response.get_data(as_text=True)


def _selected(page: str) -> str | None:
    """The profile selected in the upload form's list (None: none selected)."""
    select = re.search(r'<select[^>]*name="profile".*?</select>', page, re.S).group(0)
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select)
    return None if chosen is None else (chosen.group(1) or chosen.group(2))


def _delete_form(page: str, name: str) -> str | None:
    """The action of the delete form beside profile ``name`` on the upload page, if shown."""
    for item in re.findall(r'<li class="list-group-item.*?</li>', page, re.S):
        if f"<bdi>{name}</bdi>" in item:
            found = re.search(r'<form method="post" action="([^"]+)" class="d-inline js-confirm" data-confirm="([^"]+)"',
                              item)
            return found.group(1) if found else None
    raise AssertionError(f"{name} is not listed")


def _profile_names(app) -> list[str]:
    from core.db import db
    from core.transfer.models import ImportProfile

    with app.app_context():
        return list(db.session.execute(sa.select(ImportProfile.name).order_by(ImportProfile.name)).scalars())


def test_only_the_owner_or_an_admin_deletes_a_saved_mapping(app, client, make_user):
    make_user("anna@example.com", permissions=IMPORTER)
    make_user("boris@example.com", permissions=IMPORTER)
    make_user("viewer@example.com", permissions=["customers.view"])
    login_client(client, "anna@example.com")
    _save_profile(client, "Πελάτες 2019")
    _save_profile(client, "Klientai")
    page = client.get("/transfer/import/customers").get_data(as_text=True)
    action = _delete_form(page, "Πελάτες 2019")
    assert action and "Delete the saved mapping “Πελάτες 2019”? Imports that used it are not affected." in page
    klientai = _delete_form(page, "Klientai")

    client.post("/logout")
    login_client(client, "boris@example.com")  # sees and uses Anna's mappings, may not delete them
    page = client.get("/transfer/import/customers").get_data(as_text=True)
    assert _delete_form(page, "Πελάτες 2019") is None
    assert client.post(action).status_code == 403
    client.post("/logout")
    login_client(client, "viewer@example.com")  # may not import customers at all
    assert client.post(action).status_code == 403
    assert _profile_names(app) == ["Klientai", "Πελάτες 2019"]

    client.post("/logout")
    login_client(client, "anna@example.com")
    assert client.get(action).status_code == 405  # a link cannot delete it
    page = client.post(action, follow_redirects=True).get_data(as_text=True)
    assert "The saved mapping “Πελάτες 2019” was deleted." in page
    assert "<bdi>Πελάτες 2019</bdi>" not in page and '<option value="Πελάτες 2019"' not in page
    assert _profile_names(app) == ["Klientai"]
    assert client.post(action).status_code == 404  # gone

    client.post("/logout")
    login_client(client)  # the admin deletes anyone's
    page = client.get("/transfer/import/customers").get_data(as_text=True)
    assert _delete_form(page, "Klientai") == klientai
    assert client.post(klientai).status_code == 302
    assert _profile_names(app) == []


def test_deleting_a_saved_mapping_needs_the_csrf_token(app, client, make_user):
    make_user("anna@example.com", permissions=IMPORTER)
    login_client(client, "anna@example.com")
    _save_profile(client, "Πελάτες")
    action = _delete_form(client.get("/transfer/import/customers").get_data(as_text=True), "Πελάτες")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(action).status_code == 400
        page = client.get("/transfer/import/customers").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(action, data={"csrf_token": token}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _profile_names(app) == []


def test_the_last_mapping_each_user_chose_is_selected_next_time(app, client, make_user):
    make_user("anna@example.com", permissions=IMPORTER)
    make_user("boris@example.com", permissions=IMPORTER)
    login_client(client, "anna@example.com")
    assert "Saved mappings" not in client.get("/transfer/import/customers").get_data(as_text=True)
    _save_profile(client, "Πελάτες")  # saving a mapping counts as choosing it
    _save_profile(client, "Klientai")
    assert _selected(client.get("/transfer/import/customers").get_data(as_text=True)) == "Klientai"
    _upload(client, "Πελάτες")
    assert _selected(client.get("/transfer/import/customers").get_data(as_text=True)) == "Πελάτες"

    client.post("/logout")
    login_client(client, "boris@example.com")  # his own memory: nothing chosen yet
    page = client.get("/transfer/import/customers").get_data(as_text=True)
    assert _selected(page) in (None, "")
    _upload(client, "Klientai")
    assert _selected(client.get("/transfer/import/customers").get_data(as_text=True)) == "Klientai"

    client.post("/logout")
    login_client(client, "anna@example.com")
    assert _selected(client.get("/transfer/import/customers").get_data(as_text=True)) == "Πελάτες"
    _upload(client, "")  # matching by names is a choice too
    assert _selected(client.get("/transfer/import/customers").get_data(as_text=True)) in (None, "")
    _upload(client, "Πελάτες")
    action = _delete_form(client.get("/transfer/import/customers").get_data(as_text=True), "Πελάτες")
    client.post(action)  # a deleted mapping is no longer offered, and nothing breaks
    assert _selected(client.get("/transfer/import/customers").get_data(as_text=True)) in (None, "")


@pytest.mark.plugins("sales")
def test_the_choice_is_remembered_per_kind_of_import(app, client, make_user):
    make_user("anna@example.com", permissions=[*IMPORTER, "sales.user", "sales.import"])
    login_client(client, "anna@example.com")
    _save_profile(client, "Πελάτες")
    assert _selected(client.get("/transfer/import/customers").get_data(as_text=True)) == "Πελάτες"
    response = client.get("/transfer/import/sales.orders")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="file"' in page
    assert "Πελάτες" not in page  # a customers' mapping is neither offered nor chosen for orders
