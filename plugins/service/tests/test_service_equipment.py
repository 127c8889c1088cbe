"""Installed base: registering by hand (pages and API), bad input, lists, panel, search, timeline."""
from datetime import date, timedelta

import sqlalchemy as sa

from .conftest import TECH_EMAIL, api_headers, login, make_equipment
from core.l10n import local_today


def _count(app, model):
    from core.db import db

    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(model.id))).scalar()


def test_register_by_page_and_find_it(svc_app, svc_client, ids):
    from plugins.service.models import Equipment

    c = login(svc_client, TECH_EMAIL)
    r = c.post("/service/equipment/new", data={
        "customer_id": ids["customer"], "product_id": ids["washer"], "serial": "WX-100", "status": "in_service",
        "purchase_date": "2025-01-10", "install_date": "2025-01-12", "location": "Kitchen, 3rd floor"})
    assert r.status_code == 302
    assert _count(svc_app, Equipment) == 1
    page = c.get("/service/equipment?q=wx").get_data(as_text=True)
    assert "WX-100" in page and "Washer WM-1" in page
    assert "WX-100" not in c.get("/service/equipment?q=zz").get_data(as_text=True)
    # Global search by serial number (case-insensitive prefix).
    assert "WX-100" in c.get("/search?q=wx-1").get_data(as_text=True)


def test_free_text_model_and_bad_input_changes_nothing(svc_app, svc_client, ids):
    from plugins.service.models import Equipment

    c = login(svc_client, TECH_EMAIL)
    r = c.post("/service/equipment/new", data={"customer_id": ids["customer"], "product_id": "", "model_name": "",
                                               "status": "in_service"})
    assert r.status_code == 422
    assert "Choose a catalog product or type the model." in r.get_data(as_text=True)
    r = c.post("/service/equipment/new", data={"customer_id": 999999, "model_name": "Old boiler", "status": "in_service"})
    assert r.status_code == 422 and "Unknown customer." in r.get_data(as_text=True)
    assert 'value="Old boiler"' in r.get_data(as_text=True)  # what the user typed is kept
    r = c.post("/service/equipment/new", data={"customer_id": ids["customer"], "model_name": "Old boiler",
                                               "install_date": "2020-01-01", "purchase_date": "2021-01-01",
                                               "status": "in_service"})
    assert r.status_code == 422
    assert _count(svc_app, Equipment) == 0
    r = c.post("/service/equipment/new", data={"customer_id": ids["customer"], "model_name": "Old boiler",
                                               "serial": "B-1", "status": "in_service"})
    assert r.status_code == 302
    assert _count(svc_app, Equipment) == 1


def test_api_duplicate_serial_is_409_per_product(svc_app, svc_client, ids):
    from plugins.service.models import Equipment

    h = api_headers(svc_app, TECH_EMAIL)
    body = {"customer_id": ids["customer"], "product_id": ids["washer"], "serial": "DUP-1"}
    assert svc_client.post("/api/v1/service/equipment", json=body, headers=h).status_code == 201
    r = svc_client.post("/api/v1/service/equipment", json=body, headers=h)
    assert r.status_code == 409 and "serial" in r.json["errors"]["json"]
    # The same serial on another product is fine.
    r = svc_client.post("/api/v1/service/equipment", json={**body, "product_id": ids["dryer"]}, headers=h)
    assert r.status_code == 201
    # PATCH onto a taken serial is refused and changes nothing.
    r2 = svc_client.patch(f"/api/v1/service/equipment/{r.json['id']}", json={"product_id": ids["washer"]}, headers=h)
    assert r2.status_code == 409
    assert svc_client.get(f"/api/v1/service/equipment/{r.json['id']}", headers=h).json["product_id"] == ids["dryer"]
    assert _count(svc_app, Equipment) == 2
    # Unknown product / customer and schema errors: 422.
    assert svc_client.post("/api/v1/service/equipment", json={**body, "product_id": 4242, "serial": "X"},
                           headers=h).status_code == 422
    assert svc_client.post("/api/v1/service/equipment", json={"serial": "X"}, headers=h).status_code == 422
    assert svc_client.post("/api/v1/service/equipment", json={**body, "serial": "Y", "status": "melted"},
                           headers=h).status_code == 422
    assert _count(svc_app, Equipment) == 2


def test_api_filters_and_keyset_pages(svc_app, svc_client, ids):
    h = api_headers(svc_app)
    for n in range(5):
        make_equipment(svc_app, ids["customer"], ids["washer"], f"P-{n}")
    make_equipment(svc_app, ids["other"], ids["washer"], "OTHER-1")
    r = svc_client.get(f"/api/v1/service/equipment?customer_id={ids['customer']}&limit=2", headers=h)
    seen = [e["serial"] for e in r.json["items"]]
    while r.json["next_cursor"]:
        r = svc_client.get(f"/api/v1/service/equipment?customer_id={ids['customer']}&limit=2&cursor={r.json['next_cursor']}",
                           headers=h)
        seen += [e["serial"] for e in r.json["items"]]
    assert seen == ["P-4", "P-3", "P-2", "P-1", "P-0"]
    r = svc_client.get("/api/v1/service/equipment?serial=other-1", headers=h)
    assert [e["customer_id"] for e in r.json["items"]] == [ids["other"]]
    assert svc_client.get("/api/v1/service/equipment?cursor=garbage", headers=h).status_code == 422


def test_warranty_ending_before_start_is_refused(svc_app, svc_client, ids):
    from plugins.service.models import Warranty

    eq_id = make_equipment(svc_app, ids["customer"], ids["washer"], "W-1")
    h = api_headers(svc_app)
    r = svc_client.post("/api/v1/service/warranties", json={"equipment_id": eq_id, "start_date": "2026-05-01",
                                                            "end_date": "2026-04-30"}, headers=h)
    assert r.status_code == 422 and "end_date" in r.json["errors"]["json"]
    r = svc_client.post("/api/v1/service/warranties", json={"equipment_id": 999, "start_date": "2026-05-01",
                                                            "months": 12}, headers=h)
    assert r.status_code == 422
    c = login(svc_client)
    r = c.post(f"/service/equipment/{eq_id}/warranties/new", data={"kind": "extended", "terms": "both",
                                                                    "start_date": "2026-05-01", "end_date": "2026-01-01"})
    assert r.status_code == 422 and "cannot end before it starts" in r.get_data(as_text=True)
    assert _count(svc_app, Warranty) == 0
    r = c.post(f"/service/equipment/{eq_id}/warranties/new", data={"kind": "contract", "terms": "labour",
                                                                    "start_date": "2026-05-01", "months": "12",
                                                                    "visits_per_year": "2", "price": "149.00"})
    assert r.status_code == 302
    assert _count(svc_app, Warranty) == 1


def test_warranties_ending_soon_list_and_api(svc_app, svc_client, ids):
    from core.db import db
    from plugins.service import service as svc
    from plugins.service.models import Equipment

    today = local_today()
    soon = make_equipment(svc_app, ids["customer"], ids["washer"], "SOON")
    later = make_equipment(svc_app, ids["customer"], ids["washer"], "LATER")
    gone = make_equipment(svc_app, ids["customer"], ids["washer"], "GONE")
    with svc_app.app_context():
        svc.add_warranty(db.session.get(Equipment, soon), start_date=today - timedelta(days=700),
                         end_date=today + timedelta(days=20))
        svc.add_warranty(db.session.get(Equipment, later), start_date=today, end_date=today + timedelta(days=200))
        svc.add_warranty(db.session.get(Equipment, gone), start_date=today - timedelta(days=900),
                         end_date=today - timedelta(days=1))
        db.session.commit()
    c = login(svc_client, TECH_EMAIL)
    page = c.get("/service/warranties/ending?days=60").get_data(as_text=True)
    assert "SOON" in page and "LATER" not in page and "GONE" not in page
    h = api_headers(svc_app, TECH_EMAIL)
    r = svc_client.get(f"/api/v1/service/warranties?ending_before={(today + timedelta(days=300)).isoformat()}", headers=h)
    assert [w["equipment_id"] for w in r.json["items"]] == [soon, later]
    assert all(w["status"] == "active" for w in r.json["items"])
    r = svc_client.get(f"/api/v1/service/warranties?customer_id={ids['customer']}", headers=h)
    assert len(r.json["items"]) == 3


def test_equipment_page_timeline_and_customer_panel(svc_app, svc_client, ids):
    from core.db import db
    from plugins.service import service as svc
    from plugins.service.models import Equipment

    eq_id = make_equipment(svc_app, ids["customer"], ids["washer"], "TL-1", installed=local_today() - timedelta(days=90))
    with svc_app.app_context():
        eq = db.session.get(Equipment, eq_id)
        svc.add_warranty(eq, start_date=local_today() - timedelta(days=90), months=24)
        req = svc.open_request(equipment_id=eq_id, problem="Drum <b>squeaks</b>", reported_on=local_today())
        svc.schedule_visit(eq, due_date=local_today() + timedelta(days=3))
        db.session.commit()
        number = req.number
    c = login(svc_client, "admin@example.com")
    page = c.get(f"/service/equipment/{eq_id}").get_data(as_text=True)
    for text in ("Standard warranty starts", number, "Drum &lt;b&gt;squeaks&lt;/b&gt;", "Installed", "Visit"):
        assert text in page
    with svc_app.test_request_context():
        from flask_login import login_user
        from core.auth.models import User
        from plugins.service.views import render_customer_panel

        login_user(db.session.get(User, 1))
        html = str(render_customer_panel(ids["customer"]))
    assert "TL-1" in html and "under warranty until" in html
