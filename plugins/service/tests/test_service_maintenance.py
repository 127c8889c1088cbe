"""Preventive maintenance: plans, the idempotent `rapport service schedule`, visits and the due list."""
from datetime import date, timedelta

import sqlalchemy as sa

from .conftest import TECH_EMAIL, api_headers, login, make_equipment
from core.l10n import local_today


def _visits(app):
    from core.db import db
    from plugins.service.models import Visit

    with app.app_context():
        return [(v.equipment_id, v.plan_id, v.due_date, v.status) for v in
                db.session.execute(sa.select(Visit).order_by(Visit.id)).scalars()]


def test_schedule_command_is_idempotent(svc_app, ids):
    from core.db import db
    from plugins.service import service as svc

    today = local_today()
    due_soon = make_equipment(svc_app, ids["customer"], ids["washer"], "M-1", installed=today - timedelta(days=170))
    not_yet = make_equipment(svc_app, ids["customer"], ids["washer"], "M-2", installed=today - timedelta(days=10))
    make_equipment(svc_app, ids["customer"], ids["washer"], "M-3", installed=today - timedelta(days=400),
                   status="retired")
    with svc_app.app_context():
        plan_id = svc.create_plan(name="Washer half-yearly", product_id=ids["washer"], interval_months=6).id
        db.session.commit()
    runner = svc_app.test_cli_runner()
    r = runner.invoke(args=["service", "schedule"])
    assert r.exit_code == 0, r.output
    assert "scheduled 1 visit(s)" in r.output
    visits = _visits(svc_app)
    with svc_app.app_context():
        from plugins.service.models import Equipment

        expected_due = svc.add_months(db.session.get(Equipment, due_soon).install_date, 6)
    assert visits == [(due_soon, plan_id, expected_due, "scheduled")]
    r = runner.invoke(args=["service", "schedule"])
    assert "scheduled 0 visit(s)" in r.output
    assert _visits(svc_app) == visits
    # A longer horizon reaches the newer unit, once.
    r = runner.invoke(args=["service", "schedule", "--horizon", "200"])
    assert "scheduled 1 visit(s)" in r.output
    r = runner.invoke(args=["service", "schedule", "--horizon", "200"])
    assert "scheduled 0 visit(s)" in r.output
    assert {v[0] for v in _visits(svc_app)} == {due_soon, not_yet}
    assert runner.invoke(args=["service", "schedule", "--today", "yesterday"]).exit_code != 0


def test_schedule_command_refuses_while_disabled(svc_app):
    from core.plugin_ops import disable_plugin

    with svc_app.app_context():
        disable_plugin("service")
    r = svc_app.test_cli_runner().invoke(args=["service", "schedule"])
    assert r.exit_code != 0 and "disabled" in r.output


def test_finishing_a_visit_books_the_next_and_due_list(svc_app, svc_client, ids):
    from core.db import db
    from plugins.service import service as svc

    today = local_today()
    eq_id = make_equipment(svc_app, ids["customer"], ids["washer"], "V-1", installed=today - timedelta(days=200))
    with svc_app.app_context():
        svc.create_plan(name="Washer half-yearly", product_id=ids["washer"], interval_months=6)
        svc.schedule_due_visits(today)
        db.session.commit()
    [(_, plan_id, due, _)] = _visits(svc_app)
    assert due < today  # overdue
    c = login(svc_client, TECH_EMAIL)
    page = c.get("/service/maintenance").get_data(as_text=True)
    assert "V-1" in page and "days overdue" in page
    with svc_app.app_context():
        from plugins.service.models import Visit

        visit_id = db.session.execute(sa.select(Visit.id)).scalar()
    r = c.post(f"/service/visits/{visit_id}", data={"done_on": (today + timedelta(days=2)).isoformat(),
                                                    "outcome": "ok", "technician_id": ids["tech"]})
    assert r.status_code == 422  # the future
    r = c.post(f"/service/visits/{visit_id}", data={"done_on": today.isoformat(), "outcome": "adjusted",
                                                    "technician_id": ids["tech"], "notes": "Filter cleaned"})
    assert r.status_code == 302
    visits = _visits(svc_app)
    assert visits[0][3] == "done"
    assert visits[1] == (eq_id, plan_id, svc.add_months(today, 6), "scheduled")
    assert "V-1" not in c.get("/service/maintenance").get_data(as_text=True)
    # Finishing it again is refused (409: it is no longer scheduled).
    assert c.post(f"/service/visits/{visit_id}", data={"done_on": today.isoformat(), "outcome": "ok"}).status_code == 409
    # The scheduler does not add another one next to the booked visit.
    with svc_app.app_context():
        assert svc.schedule_due_visits(today, horizon_days=400) == 0


def test_service_contract_plan_and_visits_api(svc_app, svc_client, ids):
    from core.db import db
    from plugins.service import service as svc
    from plugins.service.models import Equipment

    today = local_today()
    eq_id = make_equipment(svc_app, ids["customer"], None, None, model_name="Old boiler (not sold by us)")
    with svc_app.app_context():
        svc.add_warranty(db.session.get(Equipment, eq_id), kind="contract", terms="labour",
                         start_date=today - timedelta(days=200), months=12, visits_per_year=2)
        assert svc.schedule_due_visits(today) == 1
        db.session.commit()
    h = api_headers(svc_app, TECH_EMAIL)
    r = svc_client.get(f"/api/v1/service/visits?due_before={today.isoformat()}", headers=h)
    [visit] = r.json["items"]
    assert visit["due_date"] == svc.add_months(today - timedelta(days=200), 6).isoformat()
    r = svc_client.post(f"/api/v1/service/visits/{visit['id']}/finish", json={"done_on": today.isoformat(),
                                                                             "outcome": "ok"}, headers=h)
    assert r.status_code == 200 and r.json["status"] == "done"
    # The next one would fall after the contract ends: none is booked.
    assert r.json["next"] is None
    r = svc_client.post("/api/v1/service/visits", json={"equipment_id": 999, "due_date": today.isoformat()}, headers=h)
    assert r.status_code == 422


def test_plan_form_validation(svc_app, svc_client, ids):
    c = login(svc_client)
    r = c.post("/service/plans", data={"name": "No product", "product_id": "", "interval_months": "6"})
    assert r.status_code == 422 and "Unknown product." in r.get_data(as_text=True)
    r = c.post("/service/plans", data={"name": "Washer", "product_id": ids["washer"], "interval_months": "0"})
    assert r.status_code == 422
    r = c.post("/service/plans", data={"name": "Washer yearly", "product_id": ids["washer"], "interval_months": "12"})
    assert r.status_code == 302
    assert "Washer yearly" in c.get("/service/plans").get_data(as_text=True)
