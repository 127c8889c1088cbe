"""Service records in the audit log: equipment, warranties, requests and their lines, plans, visits."""
from datetime import date, timedelta

from core.testing import audit_entries as _entries

from .conftest import MANAGER_EMAIL, TECH_EMAIL, api_headers, make_equipment
from core.l10n import local_today


def test_equipment_warranty_request_and_lines_through_the_api(svc_app, svc_client, ids):
    tech = api_headers(svc_app, TECH_EMAIL)
    manager = api_headers(svc_app, MANAGER_EMAIL)
    eq = svc_client.post("/api/v1/service/equipment", headers=tech, json={
        "customer_id": ids["customer"], "product_id": ids["washer"], "serial": "SN-1"}).get_json()
    svc_client.patch(f"/api/v1/service/equipment/{eq['id']}", headers=tech, json={"location": "Κουζίνα"})
    created, changed = _entries(svc_app, record_type="service.equipment", record_id=str(eq["id"]))
    assert created["action"] == "create" and created["origin"] == "api" and created["user_id"] == ids["tech"]
    assert created["customer_id"] == ids["customer"] and created["changes"]["serial"] == [None, "SN-1"]
    assert "serial_key" not in created["changes"]
    assert changed["changes"] == {"location": ["", "Κουζίνα"]}

    svc_client.post("/api/v1/service/warranties", headers=manager, json={
        "equipment_id": eq["id"], "start_date": "2026-01-01", "months": 12, "price": "99.00"})
    extended = next(e for e in _entries(svc_app, record_type="service.warranty") if e["user_id"] == ids["manager"])
    assert extended["customer_id"] == ids["customer"]  # found through the warranty's equipment
    assert extended["changes"]["price"] == [None, "99.00"] and extended["changes"]["kind"] == [None, "extended"]

    req = svc_client.post("/api/v1/service/requests", headers=tech, json={
        "equipment_id": eq["id"], "problem": "Θόρυβος στο στύψιμο", "problem_category": "noise"}).get_json()
    svc_client.post(f"/api/v1/service/requests/{req['id']}/lines", headers=tech, json={
        "kind": "labour", "product_id": ids["labour"], "quantity": "2"})
    svc_client.post(f"/api/v1/service/requests/{req['id']}/transitions", headers=tech, json={
        "to": "diagnosed", "diagnosis": "Worn bearing"})
    opened, *updates = _entries(svc_app, record_type="service.request", record_id=str(req["id"]))
    assert opened["action"] == "create" and opened["customer_id"] == ids["customer"]
    assert opened["changes"]["problem"] == [None, "Θόρυβος στο στύψιμο"]
    assert updates[-1]["changes"]["status"] == ["new", "diagnosed"]
    assert updates[-1]["changes"]["diagnosis"] == ["", "Worn bearing"]
    (line,) = _entries(svc_app, record_type="service.request_line")
    assert line["customer_id"] == ids["customer"] and line["changes"]["unit_price"] == [None, "50.00"]


def test_equipment_registered_by_a_job_from_a_confirmed_order(svc_app, ids):
    """What a listener does in the job runner is recorded as coming from the job, for its user."""
    from core.audit import JOB, audit_context

    order = {"id": 5, "number": "SO-5", "customer_id": ids["customer"], "confirmed_at": "2026-03-15",
             "currency": "EUR", "lines": [{"product_id": ids["washer"], "sku": "WM-1", "kind": "product",
                                           "quantity": "1", "unit_price": "500.00", "discount": "0",
                                           "line_total": "500.00", "warranty_months": 24}]}
    with svc_app.app_context(), audit_context(JOB, user_id=ids["manager"], actor="deliver_events"):
        svc_app.extensions["rapport"].plugins.emit("sales_order_confirmed", order=order)
    (unit,) = _entries(svc_app, record_type="service.equipment")
    assert (unit["origin"], unit["user_id"], unit["actor"]) == ("job", ids["manager"], "deliver_events")
    assert unit["changes"]["order_number"] == [None, "SO-5"]
    (warranty,) = _entries(svc_app, record_type="service.warranty")
    assert warranty["origin"] == "job" and warranty["changes"]["end_date"] == [None, "2028-03-15"]


def test_visits_scheduled_by_the_cli_and_cancelled_with_their_order(svc_app, ids):
    from core.db import db
    from plugins.service import service as svc

    today = local_today()
    make_equipment(svc_app, ids["customer"], ids["washer"], "M-1", installed=today - timedelta(days=170),
                   source="sales", order_id=9)
    with svc_app.app_context():
        svc.create_plan(name="Washer half-yearly", product_id=ids["washer"], interval_months=6)
        db.session.commit()
    assert svc_app.test_cli_runner().invoke(args=["service", "schedule"]).exit_code == 0
    (plan,) = _entries(svc_app, record_type="service.plan")
    assert plan["origin"] == "system" and plan["record_label"] == "Washer half-yearly"
    (visit,) = _entries(svc_app, record_type="service.visit")
    assert visit["action"] == "create" and visit["origin"] == "cli" and visit["customer_id"] == ids["customer"]
    with svc_app.app_context():
        svc.retire_from_order({"id": 9, "number": "SO-9"})
        db.session.commit()
    cancelled = _entries(svc_app, record_type="service.visit")[-1]
    assert cancelled["action"] == "update" and cancelled["changes"] == {"status": ["scheduled", "cancelled"]}
    retired = _entries(svc_app, record_type="service.equipment")[-1]
    assert retired["changes"]["status"] == ["in_service", "retired"]
