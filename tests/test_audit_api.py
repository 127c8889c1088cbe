"""``GET /api/v1/audit``: filters, keyset pages, the schema of an entry, permission."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.testing import ADMIN_EMAIL
from core.l10n import local_today


def _customers(app, names):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        ids = []
        for name in names:
            ids.append(create_customer({"name": name}).id)
            db.session.commit()
        return ids


def _admin_id(app):
    from core.auth.models import User
    from core.db import db

    with app.app_context():
        return db.session.execute(sa.select(User.id).where(User.email == ADMIN_EMAIL)).scalar_one()


def test_entries_of_one_record_with_who_when_where_and_what(app, client, token_for):
    headers = token_for()
    cid = client.post("/api/v1/customers", json={"name": "Λέα Κοέν", "phones": ["+972 52 555 1234"]},
                      headers=headers).get_json()["id"]
    client.patch(f"/api/v1/customers/{cid}", json={"name": "Λέα Κοέν-Λεβί", "consents": {"sms": True}},
                 headers=headers)
    response = client.get(f"/api/v1/audit?record_type=customer&record_id={cid}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["next_cursor"] is None
    update, create = body["items"]
    assert update["action"] == "update" and create["action"] == "create"
    assert update["user_id"] == _admin_id(app) and update["user_email"] == ADMIN_EMAIL
    assert update["origin"] == "api" and update["remote_addr"] == "127.0.0.1"
    assert update["at"].endswith("+00:00")
    assert update["record_type"] == "customer" and update["record_id"] == str(cid)
    assert update["record_label"] == "Λέα Κοέν-Λεβί" and update["customer_id"] == cid
    assert update["changes"] == [{"field": "name", "old": "Λέα Κοέν", "new": "Λέα Κοέν-Λεβί", "secret": False}]
    assert {"field": "phones", "old": None, "new": ["+972525551234"], "secret": False} in create["changes"]
    consent = client.get(f"/api/v1/audit?customer_id={cid}&record_type=consent", headers=headers).get_json()
    assert [i["record_id"] for i in consent["items"]] == [f"{cid}:sms"]


def test_secret_fields_say_only_that_they_changed(app, client, token_for, runner, monkeypatch):
    monkeypatch.setattr("core.audit.recorder.getpass.getuser", lambda: "deploy")
    runner.invoke(args=["users", "create", "new@example.com", "--password", "a long secret"])
    body = client.get("/api/v1/audit?record_type=user&origin=cli", headers=token_for()).get_json()
    (created,) = body["items"]
    password = next(c for c in created["changes"] if c["field"] == "password_hash")
    assert password == {"field": "password_hash", "old": None, "new": None, "secret": True}
    assert created["actor"] == "deploy"  # the OS login that ran the command
    assert created["user_id"] is None and created["origin"] == "cli"


def test_filter_by_user_action_and_period(app, client, token_for, make_user):
    make_user("eva@example.com", permissions=["customers.view", "customers.edit"])
    eva = token_for("eva@example.com")
    admin = token_for()
    client.post("/api/v1/customers", json={"name": "By Eva"}, headers=eva)
    client.post("/api/v1/customers", json={"name": "By Admin"}, headers=admin)
    from core.auth.models import User
    from core.db import db

    with app.app_context():
        eva_id = db.session.execute(sa.select(User.id).where(User.email == "eva@example.com")).scalar_one()
    items = client.get(f"/api/v1/audit?user_id={eva_id}", headers=admin).get_json()["items"]
    assert [i["record_label"] for i in items] == ["By Eva"]
    items = client.get("/api/v1/audit?action=create&record_type=customer", headers=admin).get_json()["items"]
    assert [i["record_label"] for i in items] == ["By Admin", "By Eva"]
    from datetime import date, timedelta

    today = local_today()
    assert client.get(f"/api/v1/audit?record_type=customer&since={today}&until={today}",
                      headers=admin).get_json()["items"]
    assert client.get(f"/api/v1/audit?record_type=customer&until={today - timedelta(days=1)}",
                      headers=admin).get_json()["items"] == []


def test_keyset_pages_cover_everything_once(app, client, token_for):
    ids = _customers(app, [f"Paged {i}" for i in range(7)])
    headers = token_for()
    seen, cursor = [], None
    while True:
        url = "/api/v1/audit?record_type=customer&limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        seen += [int(i["record_id"]) for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))


@pytest.mark.parametrize("query", ["cursor=garbage", "limit=0", "limit=201", "action=explode", "origin=moon",
                                   "since=yesterday", "since=2026-02-01&until=2026-01-01", "user_id=abc",
                                   ])
def test_bad_query_is_a_422(app, client, token_for, query):
    response = client.get(f"/api/v1/audit?{query}", headers=token_for())
    assert response.status_code == 422
    assert response.get_json()["errors"]["query"]


def test_permission_and_token(app, client, make_user, token_for):
    assert client.get("/api/v1/audit").status_code == 401
    make_user("staff@example.com", roles=["Staff"])
    response = client.get("/api/v1/audit", headers=token_for("staff@example.com"))
    assert response.status_code == 403
    assert "admin.audit" in response.get_json()["message"]
    make_user("auditor@example.com", permissions=["admin.audit"])
    assert client.get("/api/v1/audit", headers=token_for("auditor@example.com")).status_code == 200


def test_openapi_documents_the_audit_endpoint(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/audit"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"record_type", "record_id", "user_id", "customer_id",
                                                            "action", "origin", "since", "until", "limit", "cursor"}
    assert set(spec["paths"]["/api/v1/audit"]) == {"get"}
    entry = spec["components"]["schemas"]["AuditEntry"]["properties"]
    assert {"at", "user_id", "user_email", "origin", "remote_addr", "action", "record_type", "record_id",
            "changes", "detail"} <= set(entry)
    change = spec["components"]["schemas"]["FieldChange"]["properties"]
    assert set(change) == {"field", "old", "new", "secret"}
