"""/api/v1/sales: CRUD, state changes, bad input (4xx, nothing changed), record rules."""
import pytest
import sqlalchemy as sa

from core.db import db
from sales_testdata import seed

pytestmark = pytest.mark.plugins("sales")
API = "/api/v1/sales"


def _count(app, model):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def test_order_lifecycle_and_bad_input(app, client, token_for):
    ids = seed(app)
    h = token_for()
    cid, lap, ink = ids["customers"][0], *ids["products"]
    r = client.post(f"{API}/orders", headers=h, json={"customer_id": cid, "currency": "EUR", "lines": [
        {"product_id": lap, "quantity": "1", "discount_percent": "12.5", "tax_rate": "24"},
        {"description": "Cable", "quantity": "3", "unit_price": "0.335"}]})
    assert r.status_code == 422  # 0.335 has three decimals: refused, nothing saved
    assert r.get_json()["errors"]["json"]["lines"]["1"]["unit_price"] == ["At most 2 decimal places."]
    r = client.post(f"{API}/orders", headers=h, json={"customer_id": cid, "currency": "EUR", "lines": [
        {"product_id": lap, "quantity": "1", "discount_percent": "12.5", "tax_rate": "24"},
        {"description": "Cable", "quantity": "3", "unit_price": "0.35"}]})
    assert r.status_code == 201, r.get_json()
    order = r.get_json()
    assert order["state"] == "draft" and order["subtotal"] == "787.68"  # 786.625→786.63 + 1.05
    assert order["lines"][0]["unit_price"] == "899.00" and order["lines"][0]["warranty_months"] == 24
    assert order["tax_total"] == "188.79" and order["total"] == "976.47"
    oid = order["id"]
    from plugins.sales.models import Order, OrderLine

    bad_lines = [
        [{"product_id": lap, "quantity": "-1"}],
        [{"product_id": 424242, "quantity": "1"}],
        [{"product_id": lap, "quantity": "0"}],
        [{"product_id": lap, "quantity": "1", "discount_percent": "101"}],
        [{"quantity": "1"}],
        "not a list",
    ]
    for lines in bad_lines:
        r = client.post(f"{API}/orders", headers=h, json={"customer_id": cid, "lines": lines})
        assert r.status_code == 422, lines
        assert r.get_json()["errors"], lines
        r = client.patch(f"{API}/orders/{oid}", headers=h, json={"lines": lines})
        assert r.status_code == 422, lines
    assert client.post(f"{API}/orders", headers=h, json={"customer_id": 999, "lines": []}).status_code == 422
    assert client.post(f"{API}/orders", headers=h, json={"customer_id": cid, "bogus": 1}).status_code == 422
    assert client.post(f"{API}/orders", headers=h, data="x", content_type="text/plain").status_code == 415
    assert client.post(f"{API}/orders", headers=h, data="{", content_type="application/json").status_code == 400
    assert _count(app, Order) == 1 and _count(app, OrderLine) == 2
    r = client.patch(f"{API}/orders/{oid}", headers=h, json={"lines": [{"product_id": ink, "quantity": "2"}]})
    assert r.status_code == 200 and r.get_json()["total"] == "39.98"
    assert client.post(f"{API}/orders/{oid}/confirm", headers=h).status_code == 200
    before = client.get(f"{API}/orders/{oid}", headers=h).get_json()
    r = client.post(f"{API}/orders/{oid}/confirm", headers=h)
    assert r.status_code == 409 and "already confirmed" in r.get_json()["message"]
    r = client.patch(f"{API}/orders/{oid}", headers=h, json={"notes": "changed", "lines": []})
    assert r.status_code == 409
    assert client.get(f"{API}/orders/{oid}", headers=h).get_json() == before
    assert client.post(f"{API}/orders/{oid}/cancel", headers=h).get_json()["state"] == "cancelled"
    assert client.post(f"{API}/orders/{oid}/cancel", headers=h).status_code == 409
    assert client.post(f"{API}/orders/{oid}/confirm", headers=h).status_code == 409
    listing = client.get(f"{API}/orders?customer_id={cid}", headers=h).get_json()
    assert [o["id"] for o in listing["items"]] == [oid] and listing["next_cursor"] is None
    assert client.get(f"{API}/orders?customer_id={ids['customers'][1]}", headers=h).get_json()["items"] == []
    assert client.get(f"{API}/orders?state=nope", headers=h).status_code == 422


def test_opportunities_api(app, client, token_for):
    ids = seed(app)
    h = token_for()
    r = client.post(f"{API}/opportunities", headers=h, json={"title": "API deal", "customer_id": ids["customers"][0],
                                                              "expected_revenue": "2500.00", "currency": "EUR"})
    assert r.status_code == 201
    opp = r.get_json()
    assert opp["stage_id"] == ids["stages"][0] and opp["probability"] == 10 and opp["expected_revenue"] == "2500.00"
    oid = opp["id"]
    for body in ({"title": ""}, {"expected_revenue": "-1"}, {"probability": 101}, {"stage_id": 999},
                 {"expected_close": "31/12/2026"}, {"customer_id": 424242}, {"source": "tv"}):
        r = client.patch(f"{API}/opportunities/{oid}", headers=h, json=body)
        assert r.status_code == 422, body
    r = client.patch(f"{API}/opportunities/{oid}", headers=h, json={"stage_id": ids["stages"][1], "probability": 60})
    assert r.status_code == 200 and r.get_json()["stage_id"] == ids["stages"][1]
    assert client.post(f"{API}/opportunities/{oid}/lost", headers=h, json={}).status_code == 422
    assert client.post(f"{API}/opportunities/{oid}/lost", headers=h, json={"lost_reason_id": 999}).status_code == 422
    r = client.post(f"{API}/opportunities/{oid}/lost", headers=h, json={"lost_reason_id": ids["reason"], "note": "x"})
    assert r.status_code == 200 and r.get_json()["status"] == "lost"
    assert client.post(f"{API}/opportunities/{oid}/lost", headers=h,
                       json={"lost_reason_id": ids["reason"]}).status_code == 409
    assert client.post(f"{API}/opportunities/{oid}/reopen", headers=h).status_code == 200
    r = client.post(f"{API}/opportunities/{oid}/won", headers=h)
    assert r.status_code == 200 and r.get_json()["status"] == "won"
    assert client.post(f"{API}/opportunities/{oid}/won", headers=h).status_code == 409
    # Cursor pagination: three pages of one.
    for n in range(2):
        client.post(f"{API}/opportunities", headers=h, json={"title": f"More {n}", "prospect_name": "P"})
    seen, cursor = [], None
    while True:
        url = f"{API}/opportunities?limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=h).get_json()
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [3, 2, 1]
    assert client.get(f"{API}/opportunities?cursor=garbage", headers=h).status_code == 422
    assert client.get(f"{API}/opportunities?status=won", headers=h).get_json()["items"][0]["id"] == oid


def test_quotation_from_opportunity_wins_it_on_confirmation(app, client, token_for):
    ids = seed(app)
    h = token_for()
    opp = client.post(f"{API}/opportunities", headers=h, json={"title": "Deal", "customer_id": ids["customers"][0]}).get_json()
    order = client.post(f"{API}/orders", headers=h, json={"opportunity_id": opp["id"], "lines": [
        {"product_id": ids["products"][0], "quantity": "1"}]}).get_json()
    assert order["customer_id"] == ids["customers"][0]
    client.post(f"{API}/orders/{order['id']}/confirm", headers=h)
    assert client.get(f"{API}/opportunities/{opp['id']}", headers=h).get_json()["status"] == "won"


def test_api_needs_token_and_permission(app, client, make_user, token_for):
    seed(app)
    assert client.get(f"{API}/orders").status_code == 401
    make_user("viewer@example.com", permissions=["customers.view"])
    assert client.get(f"{API}/orders", headers=token_for("viewer@example.com")).status_code == 403
