"""Service request workflow: transitions, lines, swaps, history, and bad input."""
from datetime import date, timedelta

import sqlalchemy as sa

from .conftest import MANAGER_EMAIL, TECH_EMAIL, api_headers, login, make_equipment
from core.l10n import local_today


def _history(app, customer_id):
    from core.db import db
    from core.history.models import Interaction

    with app.app_context():
        return db.session.execute(sa.select(Interaction.kind).where(Interaction.customer_id == customer_id)
                                  .order_by(Interaction.id)).scalars().all()


def test_full_workflow_through_the_api(svc_app, svc_client, ids):
    eq_id = make_equipment(svc_app, ids["customer"], ids["washer"], "OLD-1")
    boss = api_headers(svc_app, MANAGER_EMAIL)
    tech = api_headers(svc_app, TECH_EMAIL)
    r = svc_client.post("/api/v1/service/requests", json={"equipment_id": eq_id, "problem": "Will not spin",
                                                           "priority": "high", "channel": "email"}, headers=boss)
    rid = r.json["id"]
    assert r.json["status"] == "new" and r.json["technician_id"] is None
    # Closing an undiagnosed request: clear 422, nothing changes.
    r = svc_client.post(f"/api/v1/service/requests/{rid}/transitions", json={"to": "closed"}, headers=boss)
    assert r.status_code == 422 and "diagnosed before it can be closed" in r.json["message"]
    r = svc_client.post(f"/api/v1/service/requests/{rid}/transitions", json={"to": "diagnosed"}, headers=boss)
    assert r.status_code == 422 and "diagnosis" in r.json["errors"]["json"]
    assert svc_client.get(f"/api/v1/service/requests/{rid}", headers=boss).json["status"] == "new"
    # Assign (manager), then the technician works on it.
    assert svc_client.patch(f"/api/v1/service/requests/{rid}", json={"technician_id": ids["tech"]},
                            headers=boss).status_code == 200
    r = svc_client.post(f"/api/v1/service/requests/{rid}/transitions",
                        json={"to": "diagnosed", "diagnosis": "Motor brushes worn"}, headers=tech)
    assert r.status_code == 200 and r.json["status"] == "diagnosed"
    r = svc_client.post(f"/api/v1/service/requests/{rid}/transitions", json={"to": "in_repair"}, headers=tech)
    assert svc_client.get(f"/api/v1/service/equipment/{eq_id}", headers=tech).json["status"] == "under_repair"
    r = svc_client.patch(f"/api/v1/service/requests/{rid}", json={"faulty_serial": "OLD-1", "replacement_serial": "NEW-9"},
                         headers=tech)
    assert r.status_code == 200
    r = svc_client.post(f"/api/v1/service/requests/{rid}/transitions", json={"to": "done"}, headers=tech)
    assert r.json["status"] == "done"
    eq = svc_client.get(f"/api/v1/service/equipment/{eq_id}", headers=tech).json
    assert (eq["status"], eq["serial"]) == ("in_service", "NEW-9")  # whole unit swapped
    assert (r.json["faulty_serial"], r.json["replacement_serial"]) == ("OLD-1", "NEW-9")
    r = svc_client.post(f"/api/v1/service/requests/{rid}/transitions", json={"to": "closed"}, headers=tech)
    assert r.json["status"] == "closed"
    # Closed: no more changes.
    r = svc_client.post(f"/api/v1/service/requests/{rid}/lines", json={"kind": "part", "description": "x",
                                                                        "unit_price": "1"}, headers=tech)
    assert r.status_code == 422
    r = svc_client.post(f"/api/v1/service/requests/{rid}/transitions", json={"to": "in_repair"}, headers=tech)
    assert r.status_code == 409  # a state conflict, like a transition that lost a race
    kinds = _history(svc_app, ids["customer"])
    for k in ("service.request_opened", "service.request_assigned", "service.request_diagnosed",
              "service.request_in_repair", "service.request_done", "service.request_closed"):
        assert k in kinds


def test_bad_request_input(svc_app, svc_client, ids):
    from plugins.service.models import ServiceRequest

    h = api_headers(svc_app)
    r = svc_client.post("/api/v1/service/requests", json={"equipment_id": 12345, "problem": "x"}, headers=h)
    assert r.status_code == 422 and "Unknown equipment." in r.json["errors"]["json"]["equipment_id"]
    eq_id = make_equipment(svc_app, ids["customer"], ids["washer"], "B-1")
    tomorrow = (local_today() + timedelta(days=2)).isoformat()  # the future in every zone, whatever the hour
    r = svc_client.post("/api/v1/service/requests", json={"equipment_id": eq_id, "problem": "x", "reported_on": tomorrow},
                        headers=h)
    assert r.status_code == 422
    r = svc_client.post("/api/v1/service/requests", json={"equipment_id": eq_id, "problem": "x", "priority": "asap"},
                        headers=h)
    assert r.status_code == 422
    with svc_app.app_context():
        from core.db import db

        assert db.session.execute(sa.select(sa.func.count(ServiceRequest.id))).scalar() == 0
    c = login(svc_client)
    r = c.post("/service/requests/new", data={"equipment_id": 999999, "problem": "Broken", "problem_category": "other",
                                              "priority": "normal", "channel": "phone"})
    assert r.status_code == 422 and "Unknown equipment." in r.get_data(as_text=True)


def test_workflow_through_the_pages(svc_app, svc_client, ids):
    eq_id = make_equipment(svc_app, ids["customer"], ids["washer"], "PG-1")
    c = login(svc_client, TECH_EMAIL)
    r = c.post("/service/requests/new", data={"equipment_id": eq_id, "problem": "Display is blank",
                                              "problem_category": "display", "priority": "normal",
                                              "channel": "phone", "reported_on": local_today().isoformat()})
    assert r.status_code == 302
    url = r.headers["Location"]
    # The technician's own request is assigned to them, so they still see it.
    assert c.get(url).status_code == 200
    r = c.post(url + "/transition", data={"to": "closed"})
    assert r.status_code == 422 and "diagnosed before it can be closed" in r.get_data(as_text=True)
    r = c.post(url, data={"priority": "high", "problem_category": "display", "diagnosis": "Ribbon cable loose"})
    assert r.status_code == 302
    assert c.post(url + "/transition", data={"to": "diagnosed"}).status_code == 302
    r = c.post(url + "/lines", data={"kind": "labour", "product_id": ids["labour"], "quantity": "0"})
    assert r.status_code == 422
    r = c.post(url + "/lines", data={"kind": "labour", "product_id": ids["labour"], "quantity": "2"})
    assert r.status_code == 302
    page = c.get(url).get_data(as_text=True)
    assert "Labour hour" in page and "100.00" in page
    # Technicians cannot override coverage.
    assert c.post(url + "/coverage", data={"decision": "covered", "reason": "x"}).status_code == 403
