"""The audit log: what is recorded, from where, by whom; what is never recorded; the pages.

API tests are in test_audit_api.py; the sales and service records in their plugins' tests.
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.l10n import local_today
from core.testing import ADMIN_EMAIL, PASSWORD
from core.testing import audit_entries as entries


def last(app, **where) -> dict:
    found = entries(app, **where)
    assert found, f"no audit entry with {where}"
    return found[-1]


def user_id(app, email=ADMIN_EMAIL) -> int:
    from core.auth.models import User
    from core.db import db

    with app.app_context():
        return db.session.execute(sa.select(User.id).where(User.email == email)).scalar_one()


def customer_id(app, name) -> int:
    from core.customers.models import Customer
    from core.db import db

    with app.app_context():
        return db.session.execute(sa.select(Customer.id).where(Customer.name == name)).scalar_one()


def all_audit_text(app) -> str:
    return json.dumps(entries(app), default=str, ensure_ascii=False)


# -- customers from the web form ------------------------------------------------------------


def test_customer_created_from_the_web_form_is_one_entry_with_its_fields(app, client, login):
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    login()
    response = client.post("/customers/new", data={
        "kind": "person", "name": "Ζωή Παπαδοπούλου", "emails": "Zoe@Example.com", "phones": "6912345678",
        "tags": "vip, νέα", "consent_email": "y", "addresses-0-city": "Αθήνα", "addresses-0-country": "gr",
    })
    assert response.status_code == 302
    cid = customer_id(app, "Ζωή Παπαδοπούλου")
    created = entries(app, record_type="customer", record_id=str(cid))
    assert len(created) == 1, "one save is one entry, however many flushes it took"
    entry = created[0]
    assert entry["action"] == "create"
    assert entry["user_id"] == user_id(app)
    assert entry["origin"] == "web"
    assert entry["remote_addr"] == "192.0.2.7"
    assert entry["customer_id"] == cid
    assert entry["record_label"] == "Ζωή Παπαδοπούλου"
    changes = entry["changes"]
    assert changes["name"] == [None, "Ζωή Παπαδοπούλου"]
    assert changes["emails"] == [None, ["zoe@example.com"]]
    assert changes["phones"] == [None, ["+306912345678"]]
    assert sorted(changes["tags"][1]) == ["vip", "νέα"]
    assert changes["addresses"][1] == ["Αθήνα, GR"]
    assert "name_key" not in changes and "search_key" not in changes and "created_at" not in changes
    assert "version" not in changes  # the optimistic-locking counter says nothing about who did what
    consents = {e["record_label"]: e for e in entries(app, record_type="consent")}
    assert consents["email"]["changes"]["granted"] == [None, True]
    assert consents["email"]["customer_id"] == cid
    assert consents["email"]["record_id"] == f"{cid}:email"


def test_customer_edit_records_old_and_new_values_only_for_what_changed(app, client, login):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": "Šarūnas Žemaitis", "emails": ["sarunas@example.com"], "tags": ["b2b"],
                         "consents": {"email": True, "sms": False}})
        db.session.commit()
    cid = customer_id(app, "Šarūnas Žemaitis")
    login()
    response = client.post(f"/customers/{cid}/edit", data={
        "kind": "person", "name": "Šarūnas Žemaitis", "emails": "sarunas@example.lt", "tags": "b2b",
        "consent_email": "y", "consent_sms": "y", "notes": "Prefers calls",
    })
    assert response.status_code == 302
    update = last(app, record_type="customer", record_id=str(cid), action="update")
    assert update["origin"] == "web" and update["user_id"] == user_id(app)
    assert update["changes"] == {"notes": ["", "Prefers calls"],
                                 "emails": [["sarunas@example.com"], ["sarunas@example.lt"]]}
    sms = last(app, record_type="consent", record_id=f"{cid}:sms", action="update")
    assert sms["changes"]["granted"] == [False, True]
    assert entries(app, record_type="consent", record_id=f"{cid}:email", action="update") == []


def test_saving_without_changes_writes_nothing(app, client, login):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": "Quiet Customer", "consents": {"email": False, "sms": False}})
        db.session.commit()
    cid = customer_id(app, "Quiet Customer")
    before = len(entries(app))
    login()
    client.post(f"/customers/{cid}/edit", data={"kind": "person", "name": "Quiet Customer"})
    assert [e["action"] for e in entries(app)[before:]] == ["login"]


def test_old_value_is_known_even_when_the_attribute_was_expired(app):
    """After a commit every attribute is expired; setting one must still record what it replaced."""
    from core.customers.models import Customer
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        customer = create_customer({"name": "Before"})
        db.session.commit()  # expires customer.name
        customer.name = "After"
        db.session.commit()
        cid = customer.id
    assert last(app, record_type="customer", record_id=str(cid), action="update")["changes"]["name"] == \
        ["Before", "After"]
    with app.app_context():
        assert db.session.get(Customer, cid).name == "After"


def test_customer_deleted_from_the_web_keeps_what_it_held(app, client, login):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": "Gone Soon", "emails": ["gone@example.com"], "notes": "Was here"})
        db.session.commit()
    cid = customer_id(app, "Gone Soon")
    login()
    assert client.post(f"/customers/{cid}/delete").status_code == 302
    deleted = last(app, record_type="customer", record_id=str(cid))
    assert deleted["action"] == "delete"
    assert deleted["changes"]["name"] == ["Gone Soon", None]
    assert deleted["changes"]["emails"] == [["gone@example.com"], None]
    assert deleted["changes"]["notes"] == ["Was here", None]


def test_created_and_deleted_in_one_transaction_leaves_nothing(app):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        customer = create_customer({"name": "Ephemeral"})
        db.session.flush()
        db.session.delete(customer)
        db.session.commit()
    assert entries(app, record_type="customer") == []


def test_rolled_back_work_leaves_no_entry(app):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": "Never Saved"})
        db.session.flush()
        db.session.rollback()
        create_customer({"name": "Saved"})
        db.session.commit()
    assert [e["record_label"] for e in entries(app, record_type="customer")] == ["Saved"]


def test_a_rolled_back_savepoint_drops_its_entries_only(app):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": "Outer"})
        savepoint = db.session.begin_nested()
        create_customer({"name": "Inner"})
        db.session.flush()
        savepoint.rollback()
        db.session.commit()
    assert [e["record_label"] for e in entries(app, record_type="customer")] == ["Outer"]


def test_merge_is_recorded_on_the_customer_kept(app, client, login):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": "Maria Keep", "emails": ["maria@example.com"]})
        create_customer({"name": "Maria Dupe", "emails": ["maria@example.com"]})
        db.session.commit()
    keep, dupe = customer_id(app, "Maria Keep"), customer_id(app, "Maria Dupe")
    login()
    assert client.post(f"/customers/{keep}/merge/{dupe}").status_code == 302
    merged = last(app, action="merge")
    assert merged["record_id"] == str(keep) and merged["customer_id"] == keep
    assert merged["detail"] == {"merged_id": dupe, "merged_name": "Maria Dupe"}
    assert last(app, record_type="customer", record_id=str(dupe))["action"] == "delete"


def test_interactions_and_follow_ups_from_the_customer_page(app, client, login):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": "Timeline"})
        db.session.commit()
    cid = customer_id(app, "Timeline")
    login()
    client.post(f"/customers/{cid}/interactions", data={"channel": "phone", "direction": "inbound",
                                                        "subject": "Called about the quote"})
    client.post(f"/customers/{cid}/activities", data={"summary": "Send the quote", "assignee_id": str(user_id(app)),
                                                      "due_date": local_today().isoformat()})
    call = last(app, record_type="interaction")
    assert call["action"] == "create" and call["customer_id"] == cid and call["origin"] == "web"
    assert call["changes"]["subject"] == [None, "Called about the quote"]
    follow_up = last(app, record_type="activity")
    assert follow_up["customer_id"] == cid and follow_up["changes"]["summary"] == [None, "Send the quote"]


# -- users, roles, tokens, plugins ----------------------------------------------------------


def test_user_and_role_changes_from_the_admin_pages(app, client, login):
    login()
    client.post("/admin/roles/new", data={"name": "Clerk", "description": "Front desk",
                                          "permissions": ["customers.view"]})
    role = last(app, record_type="role", record_label="Clerk")
    assert role["action"] == "create" and role["changes"]["permissions"] == [None, ["customers.view"]]
    from core.auth.models import Role
    from core.db import db

    with app.app_context():
        role_id = db.session.execute(sa.select(Role.id).where(Role.name == "Clerk")).scalar_one()
    client.post(f"/admin/roles/{role_id}", data={"name": "Clerk", "description": "Front desk",
                                                 "permissions": ["customers.view", "customers.edit"]})
    assert last(app, record_type="role", record_id=str(role_id))["changes"] == {
        "permissions": [["customers.view"], ["customers.edit", "customers.view"]]}

    client.post("/admin/users/new", data={"email": "clerk@example.com", "name": "Eleni", "active": "y",
                                          "password": "a very long secret", "roles": [str(role_id)]})
    created = last(app, record_type="user", record_label="clerk@example.com")
    assert created["action"] == "create" and created["origin"] == "web"
    assert created["changes"]["roles"] == [None, ["Clerk"]]
    assert created["changes"]["password_hash"] is None  # changed, value never recorded
    uid = user_id(app, "clerk@example.com")
    client.post(f"/admin/users/{uid}", data={"email": "clerk@example.com", "name": "Eleni", "roles": []})
    changed = last(app, record_type="user", record_id=str(uid))
    assert changed["changes"] == {"active": [True, False], "roles": [["Clerk"], []]}


def test_password_change_is_recorded_without_any_secret(app, client, login):
    login()
    response = client.post("/profile/password", data={"current": PASSWORD, "new": "another long secret",
                                                      "confirm": "another long secret"})
    assert response.status_code == 302
    from core.auth.models import User
    from core.db import db

    with app.app_context():
        new_hash = db.session.execute(sa.select(User.password_hash).where(User.email == ADMIN_EMAIL)).scalar_one()
    entry = last(app, record_type="user", action="update")
    assert entry["changes"] == {"password_hash": None}
    text = all_audit_text(app)
    assert "another long secret" not in text and PASSWORD not in text
    assert new_hash not in text and "$argon2" not in text


def test_tokens_created_and_revoked_from_the_profile_without_the_secret(app, client, login):
    login()
    client.post("/profile/tokens", data={"name": "nightly export"})
    page = client.get("/profile").get_data(as_text=True)
    from core.auth.models import ApiToken
    from core.db import db

    with app.app_context():
        token = db.session.execute(sa.select(ApiToken)).scalar_one()
        token_id, token_hash, prefix = token.id, token.token_hash, token.prefix
    clear = page.split('id="new-token"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert clear.startswith(prefix) and len(clear) > 30
    created = last(app, record_type="token", record_id=str(token_id))
    assert created["action"] == "create" and created["record_label"] == "nightly export"
    assert created["changes"]["token_hash"] is None
    assert created["changes"]["user_id"] == [None, user_id(app)]
    client.post(f"/profile/tokens/{token_id}/revoke")
    revoked = last(app, record_type="token", record_id=str(token_id))
    assert revoked["action"] == "update" and revoked["changes"]["revoked_at"][0] is None
    assert revoked["changes"]["revoked_at"][1]
    text = all_audit_text(app)
    assert clear not in text and token_hash not in text


def test_api_use_does_not_fill_the_log(app, client, token_for):
    """last_used_at changes with use, not by anyone's decision."""
    headers = token_for()
    before = len(entries(app))
    for _ in range(3):
        client.get("/api/v1/customers", headers=headers)
    assert len(entries(app)) == before


def test_plugin_enable_and_disable_from_the_admin_page(app, client, login):
    login()
    client.post("/admin/plugins/sales/enable")
    enabled = last(app, record_type="plugin", record_id="sales")
    assert enabled["action"] == "create" and enabled["changes"]["enabled"] == [None, True]
    client.post("/admin/plugins/sales/disable")
    disabled = last(app, record_type="plugin", record_id="sales")
    assert disabled["action"] == "update" and disabled["changes"] == {"enabled": [True, False]}
    assert disabled["origin"] == "web" and disabled["user_id"] == user_id(app)


# -- from where: CLI, API, job ------------------------------------------------------------


def test_cli_commands_are_recorded_as_cli(app, runner, monkeypatch):
    monkeypatch.setattr("core.audit.recorder.getpass.getuser", lambda: "operator")
    result = runner.invoke(args=["users", "create", "night@example.com", "--password", "a long secret"])
    assert result.exit_code == 0, result.output
    created = last(app, record_type="user", record_label="night@example.com")
    assert created["origin"] == "cli" and created["actor"] == "operator" and created["user_id"] is None
    assert created["changes"]["password_hash"] is None

    result = runner.invoke(args=["tokens", "create", "night@example.com", "--name", "backup"])
    clear = result.output.strip().splitlines()[-1]
    token = last(app, record_type="token")
    assert token["origin"] == "cli" and token["record_label"] == "backup"
    assert clear not in all_audit_text(app)

    runner.invoke(args=["plugins", "enable", "sales"])
    assert last(app, record_type="plugin", record_id="sales")["origin"] == "cli"


def test_changes_through_the_api_are_recorded_as_api(app, client, token_for):
    headers = token_for()
    response = client.post("/api/v1/customers", json={"name": "Api Made", "emails": ["api@example.com"]},
                           headers=headers)
    cid = response.get_json()["id"]
    client.patch(f"/api/v1/customers/{cid}", json={"name": "Api Changed"}, headers=headers)
    client.delete(f"/api/v1/customers/{cid}", headers=headers)
    found = entries(app, record_type="customer", record_id=str(cid))
    assert [e["action"] for e in found] == ["create", "update", "delete"]
    assert {e["origin"] for e in found} == {"api"}
    assert {e["user_id"] for e in found} == {user_id(app)}
    assert found[1]["changes"] == {"name": ["Api Made", "Api Changed"]}

    product = client.post("/api/v1/products", json={"sku": "ac-9000", "name": "Air conditioner",
                                                    "unit_price": "899.00"}, headers=headers).get_json()
    client.patch(f"/api/v1/products/{product['id']}", json={"unit_price": "849.00", "active": False}, headers=headers)
    changed = last(app, record_type="product", record_id=str(product["id"]))
    assert changed["origin"] == "api"
    assert changed["changes"] == {"unit_price": ["899.00", "849.00"], "active": [True, False]}
    assert changed["record_label"] == "AC-9000 Air conditioner"


def test_job_context_records_job_and_the_user_it_runs_for(app):
    """The job runner wraps each job in audit_context("job", ...); here we call it as the runner will."""
    from core.audit import JOB, audit_context
    from core.customers.service import create_customer
    from core.db import db

    uid = user_id(app)
    with app.app_context(), audit_context(JOB, user_id=uid, actor="import_customers"):
        create_customer({"name": "Imported"})
        db.session.commit()
    entry = last(app, record_type="customer")
    assert (entry["origin"], entry["user_id"], entry["actor"]) == ("job", uid, "import_customers")


def test_job_context_wins_over_the_request_it_runs_in(app):
    """A job run inline (eager queue) during a request is still a job."""
    from core.audit import JOB, audit_context, current_context

    with app.test_request_context("/"):
        assert current_context().origin == "web"
        with audit_context(JOB, actor="inline"):
            assert current_context().origin == "job"
        assert current_context().origin == "web"
    with pytest.raises(ValueError):
        with audit_context("elsewhere"):
            pass


def test_work_outside_any_context_is_system(app):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": "Background"})
        db.session.commit()
    assert last(app, record_type="customer")["origin"] == "system"


# -- logins and refusals --------------------------------------------------------------------


def test_logins_successful_failed_and_logout(app, client, make_user):
    make_user("anna@example.com", permissions=["customers.view"])
    anna = user_id(app, "anna@example.com")
    client.post("/login", data={"email": "anna@example.com", "password": "wrong password!"},
                environ_base={"REMOTE_ADDR": "198.51.100.4"})
    client.post("/login", data={"email": "Nobody@Example.com", "password": "whatever it is"},
                environ_base={"REMOTE_ADDR": "198.51.100.5"})
    client.post("/login", data={"email": "anna@example.com", "password": PASSWORD},
                environ_base={"REMOTE_ADDR": "198.51.100.4"})
    client.post("/logout", environ_base={"REMOTE_ADDR": "198.51.100.4"})
    wrong, unknown = entries(app, action="login_failed")
    assert wrong["record_id"] == str(anna) and wrong["user_id"] is None
    assert wrong["detail"] == {"email": "anna@example.com", "reason": "wrong_password"}
    assert wrong["remote_addr"] == "198.51.100.4"
    assert unknown["record_id"] is None and unknown["detail"] == {"email": "nobody@example.com",
                                                                  "reason": "unknown_email"}
    assert unknown["remote_addr"] == "198.51.100.5"
    ok = last(app, action="login")
    assert ok["user_id"] == anna and ok["record_label"] == "anna@example.com" and ok["origin"] == "web"
    assert last(app, action="logout")["user_id"] == anna
    assert "wrong password!" not in all_audit_text(app) and PASSWORD not in all_audit_text(app)


def test_refused_web_pages_are_recorded_with_the_permission(app, client, login, make_user):
    make_user("viewer@example.com", permissions=["customers.view"])
    login("viewer@example.com")
    assert client.get("/admin/users").status_code == 403
    denied = last(app, action="denied")
    assert denied["user_id"] == user_id(app, "viewer@example.com") and denied["origin"] == "web"
    assert denied["detail"] == {"method": "GET", "path": "/admin/users", "permission": "admin.users"}
    # A check inside a view (check_permission) is recorded the same way.
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": "Seen"})
        db.session.commit()
    cid = customer_id(app, "Seen")
    make_user("logger@example.com", permissions=["history.log"])
    login("logger@example.com")
    assert client.post(f"/customers/{cid}/interactions", data={"channel": "phone", "subject": "x"}).status_code == 403
    assert last(app, action="denied")["detail"]["permission"] == "customers.view"


def test_refused_api_calls_are_recorded_as_api(app, client, make_user, token_for):
    make_user("reader@example.com", permissions=["customers.view"])
    headers = token_for("reader@example.com")
    assert client.post("/api/v1/customers", json={"name": "X"}, headers=headers).status_code == 403
    denied = last(app, action="denied")
    assert denied["origin"] == "api" and denied["user_id"] == user_id(app, "reader@example.com")
    assert denied["detail"] == {"method": "POST", "path": "/api/v1/customers", "permission": "customers.edit"}
    assert entries(app, record_type="customer") == []


# -- the pages ------------------------------------------------------------------------------


def _seed(app, n: int) -> list[int]:
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        ids = []
        for i in range(n):
            ids.append(create_customer({"name": f"Customer {i:02d}"}).id)
            db.session.commit()
        return ids


@pytest.mark.parametrize("page_size", [4])
def test_audit_page_is_keyset_paged_newest_first(make_app, page_size):
    from core.testing import login_client

    app = make_app(PAGE_SIZE=page_size)
    _seed(app, 10)
    client = login_client(app.test_client())
    seen, url = [], "/admin/audit?type=customer"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [line.split("Customer ", 1)[1][:2] for line in html.splitlines()
                 if "<bdi>Customer " in line and 'title="' in line]
        marker = 'rel="next" href="'
        url = html.split(marker, 1)[1].split('"', 1)[0].replace("&amp;", "&") if marker in html else None
    assert seen == [f"{i:02d}" for i in range(9, -1, -1)]
    assert client.get("/admin/audit?cursor=not-a-cursor").status_code == 400


def test_audit_page_filters(app, client, login, make_user):
    ids = _seed(app, 3)
    make_user("anna@example.com", permissions=["customers.view"])
    login("anna@example.com")
    login()
    page = client.get(f"/admin/audit?type=customer&record={ids[1]}").get_data(as_text=True)
    assert "Customer 01" in page and "Customer 00" not in page and "Customer 02" not in page
    page = client.get(f"/admin/audit?user={user_id(app, 'anna@example.com')}").get_data(as_text=True)
    assert "logged in" in page and "Customer 0" not in page
    page = client.get("/admin/audit?action=login").get_data(as_text=True)
    assert page.count('class="list-group-item" id="audit-') == 2
    with app.test_request_context():
        from core.l10n import local_today

        today = local_today()  # the page's days are the reader's (the business zone here)
    assert "Customer 00" in client.get(f"/admin/audit?since={today}&until={today}").get_data(as_text=True)
    old = (today - timedelta(days=30)).isoformat()
    assert "Customer 00" not in client.get(f"/admin/audit?until={old}").get_data(as_text=True)
    assert "Customer 00" in client.get("/admin/audit?origin=system").get_data(as_text=True)
    assert "Customer 00" not in client.get("/admin/audit?origin=web").get_data(as_text=True)


def test_audit_page_explains_bad_filters(app, client, login):
    login()
    response = client.get("/admin/audit?since=yesterday&type=spaceship&user=bob&action=explode")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in ("Enter a date such as", "Not a record type.", "Not a user.", "Not an action."):
        assert message in page
    assert 'value="yesterday"' in page  # what was typed is kept
    response = client.get("/admin/audit?since=2026-02-01&until=2026-01-01")
    assert "The end of the period is before its start." in response.get_data(as_text=True)


def test_audit_page_shows_labels_in_the_readers_language(app, client, login):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        customer = create_customer({"name": "Ελένη", "kind": "company", "consents": {"sms": True}})
        db.session.commit()
        cid = customer.id
    login()
    client.post("/language", data={"lang": "el", "next": "/"})
    page = client.get(f"/customers/{cid}/changes").get_data(as_text=True)
    assert "Ελένη" in page
    assert "Εταιρεία" in page  # the stored code "company", shown in Greek
    assert "company" not in page.split('<main', 1)[1]


def test_audit_pages_need_the_audit_permission(app, client, login, make_user):
    _seed(app, 1)
    cid = customer_id(app, "Customer 00")
    make_user("staff@example.com", roles=["Staff"])
    login("staff@example.com")
    assert client.get("/admin/audit").status_code == 403
    assert client.get(f"/customers/{cid}/changes").status_code == 403
    detail = client.get(f"/customers/{cid}").get_data(as_text=True)
    assert 'id="pane-changes"' not in detail  # no Changes tab for those who may not read the log
    make_user("auditor@example.com", permissions=["admin.audit"])
    login("auditor@example.com")
    assert client.get("/admin/audit").status_code == 200
    assert client.get(f"/customers/{cid}/changes").status_code == 403  # customers.view too
    make_user("both@example.com", permissions=["admin.audit", "customers.view"])
    login("both@example.com")
    assert client.get(f"/customers/{cid}/changes").status_code == 200
    assert client.get("/customers/999999/changes").status_code == 404


def _pane(page: str, key: str) -> str:
    return page.split(f'id="pane-{key}"', 1)[1].split("</section>", 1)[0]


def test_changes_tab_shows_the_customer_and_its_related_records(app, client, login):
    from core.customers.service import create_customer, update_customer
    from core.db import db

    with app.app_context():
        mine = create_customer({"name": "Mine", "consents": {"email": True}})
        other = create_customer({"name": "Other"})
        db.session.commit()
        update_customer(mine, {"notes": "Called twice"})
        db.session.commit()
        cid = mine.id
        assert other.id != cid
    login()
    page = client.get(f"/customers/{cid}").get_data(as_text=True)
    assert 'id="tab-btn-changes"' in page
    tab = _pane(page, "changes")
    assert "Called twice" in tab and "Marketing consent" in tab
    assert "Other" not in tab
    assert "Older changes" not in tab  # three entries: all on the tab


def test_changes_tab_shows_the_latest_and_pages_through_the_rest(app, client, login):
    from core.audit.views import PANEL_ENTRIES
    from core.customers.service import create_customer, update_customer
    from core.db import db

    with app.app_context():
        customer = create_customer({"name": "Busy"})
        db.session.commit()
        for n in range(PANEL_ENTRIES + 5):
            update_customer(customer, {"notes": f"Note number {n:02d}"})
            db.session.commit()
        cid = customer.id
    login()
    tab = _pane(client.get(f"/customers/{cid}").get_data(as_text=True), "changes")
    numbers = lambda html: {int(n) for n in re.findall(r"Note number (\d\d)", html)}  # noqa: E731
    assert tab.count('id="audit-') == PANEL_ENTRIES
    assert numbers(tab) == set(range(4, PANEL_ENTRIES + 5))  # the ten latest updates (old → new values)
    older = re.search(r'href="([^"]*/changes\?cursor=[^"]+)"', tab).group(1).replace("&amp;", "&")
    rest = client.get(older).get_data(as_text=True)
    assert rest.count('id="audit-') == 6  # the five oldest updates and the creation
    assert numbers(rest) == set(range(0, 5))


def test_nothing_in_the_app_edits_or_deletes_entries(app, client, login, token_for):
    from core.audit.models import AuditEntry
    from core.db import db

    _seed(app, 1)
    login()
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/admin/audit").status_code == 405
        assert getattr(client, method)("/api/v1/audit", headers=token_for()).status_code == 405
    with app.app_context():
        entry = db.session.execute(sa.select(AuditEntry)).scalars().first()
        entry.action = "forged"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.execute(sa.select(AuditEntry)).scalars().first())
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_audit_can_be_switched_off_for_measurements(make_app):
    from core.customers.service import create_customer
    from core.db import db

    app = make_app(AUDIT_ENABLED=False)
    with app.app_context():
        create_customer({"name": "Unrecorded"})
        db.session.commit()
    assert entries(app, record_type="customer") == []


def test_long_values_are_cut(app):
    from core.audit.recorder import VALUE_MAX
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        create_customer({"name": "Verbose", "notes": "λ" * (VALUE_MAX + 500)})
        db.session.commit()
    notes = last(app, record_type="customer")["changes"]["notes"][1]
    assert len(notes) == VALUE_MAX + 1 and notes.endswith("…")


# -- one entry per record and transaction ------------------------------------------------------


@pytest.mark.parametrize("first, then, expected", [
    # created, then more fields set in a later flush: still one creation with everything
    (("create", {"name": [None, "A"]}), ("update", {"name": ["A", "B"], "notes": ["", "x"]}),
     ("create", {"name": [None, "B"], "notes": [None, "x"]})),
    # changed twice: first old value, last new value; a field back where it started is dropped
    (("update", {"name": ["A", "B"], "kind": ["person", "company"]}),
     ("update", {"name": ["B", "C"], "kind": ["company", "person"]}),
     ("update", {"name": ["A", "C"]})),
    # changed then deleted: the delete lists the values from before the change
    (("update", {"name": ["A", "B"]}), ("delete", {"name": ["B", None], "notes": ["x", None]}),
     ("delete", {"name": ["A", None], "notes": ["x", None]})),
    # deleted and created again under the same key: a change from the old row to the new one
    (("delete", {"granted": [True, None], "channel": ["sms", None]}),
     ("create", {"granted": [None, False], "channel": [None, "sms"]}),
     ("update", {"granted": [True, False]})),
    # a secret stays a secret
    (("update", {"password_hash": None}), ("update", {"name": ["A", "B"]}),
     ("update", {"password_hash": None, "name": ["A", "B"]})),
    # created then deleted: nothing happened
    (("create", {"name": [None, "A"]}), ("delete", {"name": ["A", None]}), None),
    # changed and changed back: nothing happened
    (("update", {"name": ["A", "B"]}), ("update", {"name": ["B", "A"]}), None),
])
def test_two_changes_of_one_record_make_one_entry(first, then, expected):
    from core.audit.recorder import combine

    result = combine(first[0], first[1], then[0], then[1])
    assert result == (tuple(expected) if expected else None)
