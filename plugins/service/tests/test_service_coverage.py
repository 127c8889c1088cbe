"""Coverage decisions: first day, last day and the day after a warranty; terms combined; overrides."""
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace as W

import pytest

from plugins.service.coverage import decide

from .conftest import MANAGER_EMAIL, TECH_EMAIL, api_headers, make_equipment
from core.l10n import local_today

START, END = date(2025, 3, 1), date(2027, 2, 28)


@pytest.mark.parametrize("day, expected", [
    (START - timedelta(days=1), "billable"),
    (START, "covered"),
    (END, "covered"),
    (END + timedelta(days=1), "billable"),
])
def test_decision_at_the_edges_of_a_warranty(day, expected):
    assert decide([W(id=1, start_date=START, end_date=END, terms="both")], day).decision == expected


def test_terms_combine_across_active_warranties():
    parts = W(id=1, start_date=START, end_date=END, terms="parts")
    labour = W(id=2, start_date=START, end_date=START + timedelta(days=10), terms="labour")
    assert decide([parts], START).decision == "partly_covered"
    assert decide([parts], START).terms == "parts"
    assert decide([parts, labour], START).decision == "covered"
    assert decide([parts, labour], START + timedelta(days=11)).decision == "partly_covered"
    assert decide([], START) .decision == "billable"


def _open(app, eq_id, day):
    from core.db import db
    from plugins.service import service as svc

    with app.app_context():
        req = svc.open_request(equipment_id=eq_id, problem="Noise", reported_on=day)
        db.session.commit()
        return req.coverage, req.coverage_warranty_id


def test_request_coverage_on_first_day_last_day_and_day_after(svc_app, ids):
    from core.db import db
    from plugins.service import service as svc
    from plugins.service.models import Equipment

    eq_id = make_equipment(svc_app, ids["customer"], ids["washer"], "C-1")
    today = local_today()
    start, end = today - timedelta(days=400), today - timedelta(days=30)
    with svc_app.app_context():
        w = svc.add_warranty(db.session.get(Equipment, eq_id), start_date=start, end_date=end, terms="both")
        db.session.commit()
        wid = w.id
    assert _open(svc_app, eq_id, start) == ("covered", wid)
    assert _open(svc_app, eq_id, end) == ("covered", wid)
    assert _open(svc_app, eq_id, end + timedelta(days=1)) == ("billable", None)
    assert _open(svc_app, eq_id, start - timedelta(days=1)) == ("billable", None)


def test_partly_covered_amounts_and_manager_override(svc_app, svc_client, ids):
    from core.db import db
    from plugins.service import service as svc
    from plugins.service.models import Equipment

    eq_id = make_equipment(svc_app, ids["customer"], ids["washer"], "C-2")
    with svc_app.app_context():
        svc.add_warranty(db.session.get(Equipment, eq_id), start_date=local_today() - timedelta(days=5),
                         months=12, terms="parts")
        db.session.commit()
    boss = api_headers(svc_app, MANAGER_EMAIL)
    tech = api_headers(svc_app, TECH_EMAIL)
    r = svc_client.post("/api/v1/service/requests", json={"equipment_id": eq_id, "problem": "Leak",
                                                           "technician_id": ids["tech"]}, headers=boss)
    assert r.status_code == 201, r.json
    rid = r.json["id"]
    assert r.json["coverage"] == "partly_covered"
    svc_client.post(f"/api/v1/service/requests/{rid}/lines", json={"kind": "part", "description": "Hose",
                                                                    "quantity": "2", "unit_price": "15.50"}, headers=tech)
    r = svc_client.post(f"/api/v1/service/requests/{rid}/lines", json={"kind": "labour", "product_id": ids["labour"],
                                                                        "quantity": "1.5"}, headers=tech)
    assert r.status_code == 201, r.json
    assert (r.json["covered_amount"], r.json["billable_amount"]) == ("31.00", "75.00")
    # A technician may not override; a manager must give a reason.
    r = svc_client.patch(f"/api/v1/service/requests/{rid}", json={"coverage_override": "covered",
                                                                   "override_reason": "Goodwill"}, headers=tech)
    assert r.status_code == 403
    r = svc_client.patch(f"/api/v1/service/requests/{rid}", json={"coverage_override": "covered"}, headers=boss)
    assert r.status_code == 422 and "reason" in r.json["errors"]["json"]
    r = svc_client.patch(f"/api/v1/service/requests/{rid}", json={"coverage_override": "covered",
                                                                   "override_reason": "Goodwill: long-time customer"},
                         headers=boss)
    assert r.status_code == 200, r.json
    assert r.json["decision"] == "covered" and r.json["coverage"] == "partly_covered"
    assert (r.json["covered_amount"], r.json["billable_amount"]) == ("106.00", "0.00")
    with svc_app.app_context():
        from core.history.models import Interaction
        import sqlalchemy as sa

        kinds = db.session.execute(sa.select(Interaction.kind).where(Interaction.customer_id == ids["customer"])).scalars().all()
    assert "service.coverage_override" in kinds and "service.request_opened" in kinds
    assert Decimal("106.00") == Decimal(r.json["covered_amount"])
