"""Technician vs manager: pages, API and the "assigned to me" record rule."""
import pytest

from .conftest import MANAGER_EMAIL, TECH2_EMAIL, TECH_EMAIL, api_headers, login, make_equipment


def _request(app, eq_id, tech_id):
    from core.db import db
    from plugins.service import service as svc

    with app.app_context():
        req = svc.open_request(equipment_id=eq_id, problem="Broken", technician_id=tech_id)
        db.session.commit()
        return req.id


@pytest.fixture
def two_requests(svc_app, ids):
    eq_id = make_equipment(svc_app, ids["customer"], ids["washer"], "PERM-1")
    return eq_id, _request(svc_app, eq_id, ids["tech"]), _request(svc_app, eq_id, ids["tech2"])


def test_technician_sees_only_assigned_requests(svc_app, svc_client, ids, two_requests):
    eq_id, mine, theirs = two_requests
    c = login(svc_client, TECH_EMAIL)
    assert c.get(f"/service/requests/{mine}").status_code == 200
    assert c.get(f"/service/requests/{theirs}").status_code == 404
    listing = c.get("/service/?status=all").get_data(as_text=True)
    assert f"SR-{mine:06d}" in listing and f"SR-{theirs:06d}" not in listing
    assert c.post(f"/service/requests/{theirs}/transition", data={"to": "cancelled"}).status_code == 404
    # ... but all equipment.
    assert c.get(f"/service/equipment/{eq_id}").status_code == 200
    h = api_headers(svc_app, TECH_EMAIL)
    assert [r["id"] for r in svc_client.get("/api/v1/service/requests", headers=h).json["items"]] == [mine]
    assert svc_client.get(f"/api/v1/service/requests/{theirs}", headers=h).status_code == 404
    assert svc_client.patch(f"/api/v1/service/requests/{theirs}", json={"priority": "low"}, headers=h).status_code == 404
    boss = api_headers(svc_app, MANAGER_EMAIL)
    assert {r["id"] for r in svc_client.get("/api/v1/service/requests", headers=boss).json["items"]} == {mine, theirs}


@pytest.mark.parametrize("url", ["/service/plans", "/service/reliability"])
def test_manager_only_pages(svc_app, svc_client, ids, url):
    assert login(svc_client, TECH_EMAIL).get(url).status_code == 403
    assert login(svc_client, MANAGER_EMAIL).get(url).status_code == 200


def test_manager_only_actions(svc_app, svc_client, ids, two_requests):
    eq_id, mine, _ = two_requests
    c = login(svc_client, TECH_EMAIL)
    assert c.get(f"/service/equipment/{eq_id}/warranties/new").status_code == 403
    assert c.post("/service/plans/schedule").status_code == 403
    # A technician's edit cannot reassign the request.
    c.post(f"/service/requests/{mine}", data={"technician_id": ids["tech2"], "priority": "low",
                                               "problem_category": "other", "diagnosis": ""})
    h = api_headers(svc_app, TECH_EMAIL)
    assert svc_client.get(f"/api/v1/service/requests/{mine}", headers=h).json["technician_id"] == ids["tech"]
    assert svc_client.patch(f"/api/v1/service/requests/{mine}", json={"technician_id": ids["tech2"]},
                            headers=h).status_code == 403
    assert svc_client.post("/api/v1/service/warranties", json={"equipment_id": eq_id, "start_date": "2026-01-01",
                                                               "months": 12}, headers=h).status_code == 403


def test_users_without_service_permissions(svc_app, svc_client):
    from core.auth.models import Role, User
    from core.db import db
    from core.testing import PASSWORD

    with svc_app.app_context():
        user = User(email="sales@example.com", name="Sales", roles=[Role(name="viewer", permissions=["customers.view"])])
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    c = login(svc_client, "sales@example.com")
    for url in ("/service/", "/service/equipment", "/service/maintenance", "/service/warranties/ending"):
        assert c.get(url).status_code == 403, url
    assert "Equipment" not in c.get("/").get_data(as_text=True)
    h = api_headers(svc_app, "sales@example.com")
    assert svc_client.get("/api/v1/service/equipment", headers=h).status_code == 403
    assert svc_client.get("/api/v1/service/equipment").status_code == 401


def test_service_pages_vanish_when_disabled(svc_app, svc_client, ids):
    from core.plugin_ops import disable_plugin

    with svc_app.app_context():
        disable_plugin("service")
    c = login(svc_client)
    assert c.get("/service/").status_code == 404
    assert svc_client.get("/api/v1/service/equipment", headers=api_headers(svc_app)).status_code == 404
